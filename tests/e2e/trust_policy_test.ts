/**
 * Issue 12 (trust): operator controls. With every control on, each forbidden
 * request fails StartTask naming the option, the value and the plugin
 * setting, and leaves no container; allowed requests work. The restrictions
 * are advertised as fingerprint attributes.
 */
import assert from "node:assert/strict";
import { NEEDS_PODMAN, VOLUME_ROOT } from "../support/harness/mod.ts";
import {
  assertGrpcError,
  containerExists,
  inspectRaw,
  nameOf,
  shTask,
  withHarness,
} from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

// Under the test profile's `read` (tests/profile.json): the plugin resolves volume sources.
Deno.mkdirSync(VOLUME_ROOT, { recursive: true });
const ROOT = await Deno.makeTempDir({ dir: VOLUME_ROOT, prefix: "ndp-i12-roots-" });
const ALLOWED = `${ROOT}/allowed`;
const OUTSIDE = `${ROOT}/outside`;
Deno.mkdirSync(`${ALLOWED}/data`, { recursive: true });
Deno.mkdirSync(OUTSIDE, { recursive: true });
Deno.writeTextFileSync(`${ALLOWED}/data/hello.txt`, "inside\n");
// A symlink inside the allowed root that points outside it.
Deno.symlinkSync(OUTSIDE, `${ALLOWED}/escape`);
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

const HARDENED = `
allow_privileged      = false
allow_caps            = ["CHOWN", "NET_ADMIN", "KILL"]
allow_host_network    = false
allow_devices         = ["/dev/fuse"]
allow_runtime_options = []
volumes {
  allowed_roots = ["${ALLOWED}"]
}
`;

const FORBIDDEN: [string, string, RegExp[]][] = [
  ["privileged", "privileged = true", [/privileged = "true"/, /allow_privileged = false/]],
  ["capability", 'cap_add = ["SYS_ADMIN"]', [
    /cap_add\[0\] = "SYS_ADMIN"/,
    /allow_caps = \["CHOWN", "NET_ADMIN", "KILL"\]/,
  ]],
  ["capability ALL", 'cap_add = ["all"]', [/cap_add\[0\] = "all"/, /allow_caps/]],
  ["host network", 'network_mode = "host"', [
    /network_mode = "host"/,
    /allow_host_network = false/,
  ]],
  ["device", 'devices = ["/dev/null:/dev/x"]', [
    /devices\[0\] = "\/dev\/null:\/dev\/x"/,
    /allow_devices = \["\/dev\/fuse"\]/,
  ]],
  ["volume outside", `volumes = ["${OUTSIDE}:/mnt"]`, [
    /volumes\[0\]/,
    /outside the allowed roots/,
    /volumes\.allowed_roots/,
  ]],
  ["volume via ..", `volumes = ["${ALLOWED}/../outside:/mnt"]`, [
    /volumes\[0\]/,
    /outside the allowed roots/,
  ]],
  ["volume via symlink", `volumes = ["${ALLOWED}/escape:/mnt"]`, [
    /volumes\[0\]/,
    /resolves to .*outside/,
    /allowed_roots/,
  ]],
  ["seccomp=unconfined", 'security_opt = ["seccomp=unconfined"]', [
    /security_opt\[0\] = "seccomp=unconfined"/,
    /allow_runtime_options = \[\]/,
  ]],
  ["apparmor_profile unconfined", 'apparmor_profile = "unconfined"', [
    /apparmor_profile/,
    /allow_runtime_options/,
  ]],
];

Deno.test({
  ...opts,
  name:
    "trust policy: with every control on, each forbidden request fails StartTask and creates nothing",
  fn: () =>
    withHarness(async (h) => {
      for (const [what, extra, patterns] of FORBIDDEN) {
        const t = await h.task({
          name: `p-${what.replace(/[^a-z]/gi, "")}`,
          config: shTask("sleep 30", extra),
        });
        const err = await assertGrpcError(h.start(t), /not allowed/, ...patterns);
        assert.match(err.message, /plugin setting/, what);
        assert.equal(await containerExists(nameOf(t)), false, `${what}: a container was created`);
      }
    }, HARDENED),
});

Deno.test({
  ...opts,
  name: "trust policy: an allowed capability and a volume inside an allowed root work",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask(
          "cat /mnt/hello.txt; sleep 30",
          `cap_add = ["NET_ADMIN"]\nvolumes = ["${ALLOWED}/data:/mnt:ro"]`,
        ),
      });
      await h.start(t);
      const raw = await inspectRaw(nameOf(t));
      const caps = (raw?.HostConfig as { CapAdd?: string[] } | undefined)?.CapAdd ?? [];
      assert.ok(caps.some((c) => /NET_ADMIN/.test(c)), `CapAdd ${caps}`);
      await h.client.destroyTask(t.id, true);
    }, HARDENED),
});

Deno.test({
  ...opts,
  name:
    "trust policy: fingerprint attributes advertise the restrictions (and the permissive defaults)",
  fn: async () => {
    for (
      const [extra, privileged, hostNet, caps] of [
        [HARDENED, false, false, "CHOWN,NET_ADMIN,KILL"],
        [
          "",
          true,
          true,
          "all",
        ],
      ] as const
    ) {
      await withHarness(async (h) => {
        const fp = h.client.fingerprint();
        const first = await fp.waitFor(() => true, 10_000);
        fp.cancel();
        const attrs = first.attributes as Record<string, Record<string, unknown>>;
        assert.equal(attrs["driver.podman.privileged.enabled"]?.bool_val, privileged);
        assert.equal(attrs["driver.podman.host_network.enabled"]?.bool_val, hostNet);
        assert.equal(attrs["driver.podman.caps.allowed"]?.string_val, caps);
        assert.ok(attrs["driver.podman.volumes.allowed_roots"]?.string_val !== undefined);
      }, extra);
    }
  },
});

Deno.test({
  ...opts,
  name: "trust policy: defaults are permissive (privileged, host network, any cap, any volume)",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask(
          "sleep 30",
          `privileged = true\ncap_add = ["SYS_ADMIN"]\nvolumes = ["${OUTSIDE}:/mnt"]\nsecurity_opt = ["seccomp=unconfined"]`,
        ),
      });
      await h.start(t);
      assert.equal(await containerExists(nameOf(t)), true);
      await h.client.destroyTask(t.id, true);
    }, ""),
});
