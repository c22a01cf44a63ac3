/**
 * Test helpers (not part of the public API): the live Podman socket and
 * image from the environment, unique names, a silent logger.
 *
 * @module
 */

import { Logger } from "../plugin_log/mod.ts";
import { PodmanClient } from "./client.ts";

/** Socket of the project's private Podman service. */
export const LIVE_SOCKET: string = Deno.env.get("NDP_PODMAN_SOCKET") ?? "";
/** Test image present in that service. */
export const LIVE_IMAGE: string = Deno.env.get("NDP_TEST_IMAGE") ?? "localhost/ndp/busybox:latest";

function socketPresent(): boolean {
  if (LIVE_SOCKET === "") return false;
  try {
    const path = LIVE_SOCKET.replace(/^unix:\/\//, "");
    if (/^https?:/.test(path)) return true;
    return Deno.statSync(path).isSocket === true;
  } catch {
    return false;
  }
}

const PRESENT = socketPresent();
const IN_CI = Deno.env.get("CI") === "true";

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return new Logger("podman-test", { sink: { write() {} }, level: "error" });
}

/** A unique container name for a test. */
export function uniqueName(prefix: string): string {
  return `ndp-t-${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Registers a test that needs real Podman. Without `NDP_PODMAN_SOCKET` it is
 * skipped (marked in its name), except under `CI=true`, where it fails.
 */
export function liveTest(name: string, fn: (client: PodmanClient) => Promise<void>): void {
  if (!PRESENT && !IN_CI) {
    Deno.test({
      name: `${name} (skipped: NDP_PODMAN_SOCKET is not a live Podman socket)`,
      ignore: true,
      fn() {},
    });
    return;
  }
  Deno.test(name, async () => {
    if (!PRESENT) {
      throw new Error(
        `Cannot run live Podman test as NDP_PODMAN_SOCKET='${LIVE_SOCKET}' is not a socket (CI=true)`,
      );
    }
    const client = new PodmanClient({ socketPath: LIVE_SOCKET, logger: silentLogger() });
    try {
      await fn(client);
    } finally {
      client.close();
    }
  });
}

/** Creates a container and always removes it after `fn`. */
export async function withContainer(
  client: PodmanClient,
  spec: Record<string, unknown>,
  fn: (id: string, name: string) => Promise<void>,
): Promise<void> {
  const name = typeof spec.name === "string" ? spec.name : uniqueName("c");
  const { id } = await client.containers.create({
    image: LIVE_IMAGE,
    stop_timeout: 1,
    ...spec,
    name,
  });
  try {
    await fn(id, name);
  } finally {
    await client.containers.remove(id, { force: true, volumes: true });
  }
}
