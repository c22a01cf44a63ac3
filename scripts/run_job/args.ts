/**
 * Command line of `deno task run-job`.
 *
 * @module
 */

/** Parsed command line. */
export interface RunJobArgs {
  file: string;
  /** `--image NAME=REF`: image name (no registry, no tag) → replacement reference. */
  images: Map<string, string>;
  /** `--var K=V`: job variables. */
  vars: Record<string, string>;
  /** `--socket URL`: shorthand for `socket_path`. */
  socket: string | undefined;
  /** `--plugin-config FILE`: body of the agent's plugin `config { … }` block. */
  pluginConfigFile: string | undefined;
  /** `--pause-image REF`: image of the container holding a group `bridge` namespace. */
  pauseImage: string;
  /** `--data-dir DIR`: root of the alloc dirs (default: a new temp dir, removed at the end). */
  dataDir: string | undefined;
  /** `--stats`: print each task's resource usage once, after everything runs. */
  stats: boolean;
}

/** The usage text. */
export const USAGE =
  `usage: deno task run-job FILE [--image NAME=REF]... [--var K=V]... [--socket URL | --plugin-config FILE]
                         [--pause-image REF] [--data-dir DIR] [--stats]

Runs the podman tasks of a Nomad job file on this machine through the plugin, without Nomad.
  --image NAME=REF      use REF for tasks whose image name (without registry and tag) is NAME
  --var K=V             set job variable K (variable "K" { ... })
  --socket URL          Podman socket (plugin option socket_path)
  --plugin-config FILE  body of the agent's plugin "nomad-driver-podman" { config { ... } } block
  --pause-image REF     image holding a group network namespace (network { mode = "bridge" })
                        (default localhost/ndp/pause:latest, see scripts/build_example_images.sh)
  --data-dir DIR        where the allocation dirs go (default: a temp dir, removed at the end)
  --stats               print every task's resource usage once, when all tasks run
Ctrl-C (SIGINT) or SIGTERM stops every task and exits 0; a batch job exits with its exit code.`;

/** A bad command line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function pair(flag: string, value: string | undefined): [string, string] {
  if (value === undefined) throw new UsageError(`${flag} needs a value`);
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected NAME=VALUE`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** Parses the arguments (everything after the script name). */
export function parseArgs(argv: string[]): RunJobArgs {
  const out: RunJobArgs = {
    file: "",
    images: new Map(),
    vars: {},
    socket: undefined,
    pluginConfigFile: undefined,
    pauseImage: "localhost/ndp/pause:latest",
    dataDir: undefined,
    stats: false,
  };
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    // --flag=value as well as --flag value.
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = flag !== raw ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--image": {
        const [name, ref] = pair(flag, value());
        if (ref === "") throw new UsageError(`--image ${name}=: empty image reference`);
        out.images.set(name, ref);
        break;
      }
      case "--var": {
        const [k, v] = pair(flag, value());
        out.vars[k] = v;
        break;
      }
      case "--socket":
        out.socket = need(flag, value());
        break;
      case "--plugin-config":
        out.pluginConfigFile = need(flag, value());
        break;
      case "--pause-image":
        out.pauseImage = need(flag, value());
        break;
      case "--data-dir":
        out.dataDir = need(flag, value());
        break;
      case "--stats":
        out.stats = true;
        break;
      case "-h":
      case "--help":
        throw new UsageError("");
      default:
        if (raw.startsWith("-")) throw new UsageError(`unknown option ${raw}`);
        files.push(raw);
    }
  }
  if (files.length !== 1) {
    throw new UsageError(files.length === 0 ? "no job file given" : "give exactly one job file");
  }
  if (out.socket !== undefined && out.pluginConfigFile !== undefined) {
    throw new UsageError("--socket and --plugin-config exclude each other");
  }
  out.file = files[0]!;
  return out;
}

function need(flag: string, v: string | undefined): string {
  if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
  return v;
}

/**
 * The image name `--image` matches: the reference without transport,
 * registry, tag and digest (`docker://docker.io/library/redis:7` → `redis`,
 * `natsio/prometheus-nats-exporter:0.15.0` → `prometheus-nats-exporter`).
 */
export function imageName(ref: string): string {
  let r = ref.replace(/^[a-z-]+:\/\//, "");
  const at = r.indexOf("@");
  if (at >= 0) r = r.slice(0, at);
  const last = r.slice(r.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon >= 0 ? last.slice(0, colon) : last;
}

/** The image a task runs: its own, or the `--image` override for its name. */
export function overrideImage(ref: string, images: ReadonlyMap<string, string>): string {
  return images.get(imageName(ref)) ?? ref;
}
