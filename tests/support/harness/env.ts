/**
 * The test environment the scripts set up (scripts/test_env.sh).
 *
 * @module
 */

/** Repository root. */
export const REPO_ROOT: string = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");
/** The launcher that runs the plugin under its own permission set. */
export const PLUGIN_LAUNCHER = `${REPO_ROOT}/scripts/nomad-driver-podman`;

/** The deployment profile the harness runs the plugin under (never -A). */
export const TEST_PROFILE = `${REPO_ROOT}/tests/profile.json`;
/** Every test alloc dir lives under this root (the test profile's data_dir). */
export const ALLOC_ROOT: string = Deno.env.get("NDP_ALLOC_ROOT") ?? "/run/ndp-test/allocs";
/** Host dirs tests bind as volumes live under this root (the test profile's `read`). */
export const VOLUME_ROOT: string = Deno.env.get("NDP_VOLUME_ROOT") ?? "/run/ndp-test/volumes";
/** The plugin's go-plugin socket dir in tests (PLUGIN_UNIX_SOCKET_DIR). */
export const PLUGIN_SOCKET_DIR: string = Deno.env.get("NDP_PLUGIN_SOCKET_DIR") ??
  "/run/ndp-test/plugin-sockets";
/** The rootless test user and its own Podman API socket (scripts/test_env.sh). */
export const ROOTLESS_USER: string = Deno.env.get("NDP_ROOTLESS_USER") ?? "ndp-rootless";
export const ROOTLESS_SOCKET: string = Deno.env.get("NDP_ROOTLESS_SOCKET") ??
  "/run/user/1001/podman/podman.sock";

/** Creates the alloc root (0755: rootless containers traverse it) and the socket dir (1777). */
export function ensureTestDirs(): void {
  for (const [dir, mode] of [[ALLOC_ROOT, 0o755], [PLUGIN_SOCKET_DIR, 0o1777]] as const) {
    try {
      Deno.mkdirSync(dir, { recursive: true });
      Deno.chmodSync(dir, mode);
    } catch { /* not root: the test environment made them */ }
  }
}

/** The private Podman API socket of the test environment. */
export const PODMAN_SOCKET: string = Deno.env.get("NDP_PODMAN_SOCKET") ??
  "/run/ndp-test/podman.sock";
/** The busybox test image in that store. */
export const TEST_IMAGE: string = Deno.env.get("NDP_TEST_IMAGE") ?? "localhost/ndp/busybox:latest";
/** Archives of the test image. */
export const IMAGE_DIR: string = Deno.env.get("NDP_IMAGE_DIR") ?? "/var/lib/ndp-test/images";
/** The loopback registry with htpasswd auth. */
export const REGISTRY: string = Deno.env.get("NDP_REGISTRY") ?? "127.0.0.1:5000";
export const REGISTRY_USER: string = Deno.env.get("NDP_REGISTRY_USER") ?? "ndp";
export const REGISTRY_PASSWORD: string = Deno.env.get("NDP_REGISTRY_PASSWORD") ?? "ndp-secret-pw";

/** True in CI, where a missing prerequisite is a failure, not a skip. */
export const IN_CI: boolean = Deno.env.get("CI") === "true";

/** Whether the private Podman socket exists. */
export function podmanAvailable(): boolean {
  try {
    return Deno.statSync(PODMAN_SOCKET).isSocket === true;
  } catch {
    return false;
  }
}

/**
 * `ignore` flag for tests that need the private Podman: they run when it is
 * there, and always in CI (where its absence must fail the test).
 */
export const NEEDS_PODMAN: boolean = !IN_CI && !podmanAvailable();
