/**
 * Parsing of the plugin's `socket_path`: `unix:///path`, `/path`, or an
 * `http(s)://host:port` base URL.
 *
 * @module
 */

/** Where a Podman service listens. */
export type PodmanAddress =
  | {
    readonly kind: "unix";
    readonly path: string;
    /** Base URL for fetch through the unix-socket client. */
    readonly baseUrl: string;
    /** What error messages name. */
    readonly display: string;
  }
  | {
    readonly kind: "http" | "https";
    readonly hostname: string;
    readonly port: number;
    readonly baseUrl: string;
    readonly display: string;
  };

/**
 * Parses a socket path or base URL.
 *
 * @throws {TypeError} when the value is empty or of an unsupported scheme.
 */
export function parseAddress(socketPath: string): PodmanAddress {
  const raw = socketPath.trim();
  if (raw === "") throw new TypeError("Cannot parse Podman socket path as it is empty");
  if (raw.startsWith("/")) return unix(raw);
  if (raw.startsWith("unix://")) {
    const path = raw.slice("unix://".length);
    if (!path.startsWith("/")) {
      throw new TypeError(`Cannot parse Podman socket path '${raw}': the path must be absolute`);
    }
    return unix(path);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new TypeError(`Cannot parse Podman socket path '${raw}': not a path or URL`, {
      cause: err,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot parse Podman socket path '${raw}': scheme '${url.protocol}' is not unix, http or https`,
    );
  }
  const kind = url.protocol === "http:" ? "http" : "https";
  const port = url.port ? Number(url.port) : kind === "http" ? 80 : 443;
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  return {
    kind,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port,
    baseUrl: base,
    display: raw,
  };
}

/** Whether a socket path names a Podman on this host (a unix socket, not an http(s)/tcp URL). */
export function isLocalSocket(socketPath: string): boolean {
  return !/^(https?|tcp):\/\//.test(socketPath);
}

/**
 * Host of the fetch URL for unix sockets. Deno's unix-socket client sends the
 * request target in absolute form (`GET http://host/v4.3.1/libpod/events`),
 * and Podman's `IsLibpodRequest` (4.3.1 and later) splits `r.URL.String()` on
 * `/` and tests element 2 — the host in absolute form — for `libpod`. With any
 * other host, shared handlers take their Docker-compat branch: events say
 * `die` instead of `died`, and DELETE ignores `volumes=true` (it reads `v`).
 * Naming the host `libpod` keeps every call on the libpod branch.
 */
export const UNIX_BASE_URL = "http://libpod";

function unix(path: string): PodmanAddress {
  return { kind: "unix", path, baseUrl: UNIX_BASE_URL, display: `unix://${path}` };
}
