import assert from "node:assert/strict";
import {
  checkPolicy,
  globMatch,
  policyAttributes,
  PolicyError,
  weakeningOption,
} from "./policy.ts";
import { makeConfig, makePlugin } from "../../tests/support/factories.ts";
import type { PluginConfig, TaskConfig } from "../config/mod.ts";

const TASK = { allocDir: "/var/nomad/alloc/a1", name: "web" };

function hardened(over: Partial<PluginConfig["policy"]> = {}, roots = ["/srv"]): PluginConfig {
  return makePlugin({
    volumes: { enabled: true, selinuxLabel: "", allowedRoots: roots },
    policy: {
      allowPrivileged: false,
      allowCaps: ["CHOWN", "NET_ADMIN"],
      allowHostNetwork: false,
      allowDevices: ["/dev/fuse", "/dev/nvidia*"],
      allowRuntimeOptions: [],
      ...over,
    },
  });
}

/** A fake filesystem: symlinks by path; everything else resolves to itself. */
function fs(links: Record<string, string>, denied: string[] = []) {
  return (p: string): string => {
    if (denied.some((d) => p === d || p.startsWith(`${d}/`))) {
      throw new Deno.errors.NotCapable(`Requires read access to "${p}"`);
    }
    for (const [from, to] of Object.entries(links)) {
      if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length);
    }
    return p;
  };
}

function refused(config: Partial<TaskConfig>, plugin = hardened(), realPath = fs({})): PolicyError {
  try {
    checkPolicy(TASK, makeConfig(config), plugin, realPath);
  } catch (err) {
    assert.ok(err instanceof PolicyError, String(err));
    return err;
  }
  assert.fail(`allowed: ${JSON.stringify(config)}`);
}

Deno.test("policy: defaults allow everything (no path is even resolved)", () => {
  checkPolicy(
    TASK,
    makeConfig({
      privileged: true,
      capAdd: ["ALL"],
      networkMode: "host",
      devices: ["/dev/kvm"],
      securityOpt: ["seccomp=unconfined", "unmask=ALL"],
      volumes: ["/etc:/mnt"],
    }),
    makePlugin(),
    () => assert.fail("realPath called with permissive defaults"),
  );
});

Deno.test("policy: each forbidden request names option, value and plugin setting", () => {
  const cases: [Partial<TaskConfig>, RegExp][] = [
    [{ privileged: true }, /privileged = "true".*allow_privileged = false/],
    [
      { capAdd: ["CHOWN", "sys_admin"] },
      /cap_add\[1\] = "sys_admin".*allow_caps = \["CHOWN", "NET_ADMIN"\]/,
    ],
    [{ capAdd: ["ALL"] }, /cap_add\[0\] = "ALL"/],
    [{ networkMode: "host" }, /network_mode = "host".*allow_host_network = false/],
    [{ devices: ["/dev/kvm:/dev/kvm"] }, /devices\[0\] = "\/dev\/kvm:\/dev\/kvm".*allow_devices/],
    [{ devices: ["/dev/../dev/kvm"] }, /devices\[0\].*\/dev\/kvm matches none/],
    [
      { securityOpt: ["no-new-privileges", "seccomp:unconfined"] },
      /security_opt\[1\].*seccomp=unconfined.*allow_runtime_options = \[\]/,
    ],
    [{ securityOpt: ["label=disable"] }, /label=disable/],
    [{ securityOpt: ["systempaths=unconfined"] }, /systempaths=unconfined/],
    [{ securityOpt: ["unmask=/proc/kcore:ALL"] }, /unmask=ALL/],
    [{ apparmorProfile: "unconfined" }, /apparmor_profile.*apparmor=unconfined/],
    [{ selinuxOpts: ["disable"] }, /selinux_opts\[0\].*label=disable/],
    [
      { volumes: ["/etc:/mnt"] },
      /volumes\[0\] = "\/etc:\/mnt".*outside the allowed roots.*volumes\.allowed_roots = \["\/srv"\]/,
    ],
    [{ volumes: ["/srv/../etc:/mnt"] }, /\/etc is outside/],
  ];
  for (const [config, re] of cases) {
    const err = refused(config);
    assert.match(err.message, /is not allowed/);
    assert.match(err.message, re, JSON.stringify(config));
  }
});

Deno.test("policy: allowed requests pass; caps in any spelling; device globs", () => {
  checkPolicy(
    TASK,
    makeConfig({
      capAdd: ["chown", "CAP_NET_ADMIN"],
      devices: ["/dev/fuse", "/dev/nvidia0:/dev/nvidia0:rwm"],
      securityOpt: ["no-new-privileges", "seccomp=/etc/profile.json"],
      volumes: ["/srv/data:/data:ro", "local/cfg:/cfg", "/var/nomad/alloc/a1/alloc/x:/x"],
    }),
    hardened(),
    fs({}),
  );
  checkPolicy(
    TASK,
    makeConfig({ securityOpt: ["seccomp=unconfined"] }),
    hardened({ allowRuntimeOptions: ["seccomp=unconfined"] }),
    fs({}),
  );
});

Deno.test("policy: volumes through a symlink are checked where they lead", () => {
  const err = refused(
    { volumes: ["/srv/escape/passwd:/p"] },
    hardened(),
    fs({ "/srv/escape": "/etc" }),
  );
  assert.match(
    err.message,
    /\/srv\/escape\/passwd resolves to \/etc\/passwd, outside the allowed roots/,
  );
  // An allowed root that is itself a symlink is resolved too.
  checkPolicy(
    TASK,
    makeConfig({ volumes: ["/data/x:/x"] }),
    hardened({}, ["/srv"]),
    fs({ "/srv": "/data" }),
  );
});

Deno.test("policy: a path the plugin may not read is a clear StartTask error, not a crash", () => {
  const err = refused({ volumes: ["/secret/dir:/mnt"] }, hardened(), fs({}, ["/secret"]));
  assert.match(err.message, /volumes\[0\] = "\/secret\/dir:\/mnt"/);
  assert.match(err.message, /cannot resolve \/secret\/dir: the plugin is not permitted to read it/);
  assert.match(err.message, /volumes\.allowed_roots/);
  assert.equal(err.field, "volumes[0]");
});

Deno.test("policy: helpers", () => {
  assert.equal(globMatch("/dev/nvidia*", "/dev/nvidia0"), true);
  assert.equal(globMatch("/dev/nvidia*", "/dev/nvidia/caps/x"), true);
  assert.equal(globMatch("/dev/sd?", "/dev/sda"), true);
  assert.equal(globMatch("/dev/sd?", "/dev/sda1"), false);
  assert.equal(globMatch("/dev/fuse", "/dev/fuse2"), false);
  assert.equal(weakeningOption("seccomp=unconfined"), "seccomp=unconfined");
  assert.equal(weakeningOption("apparmor:unconfined"), "apparmor=unconfined");
  assert.equal(weakeningOption("label=nested"), undefined);
  assert.equal(weakeningOption("no-new-privileges"), undefined);
  const a = policyAttributes(hardened());
  assert.deepEqual(a["driver.podman.privileged.enabled"], { bool: false });
  assert.deepEqual(a["driver.podman.caps.allowed"], { string: "CHOWN,NET_ADMIN" });
  assert.deepEqual(a["driver.podman.runtime_options.allowed"], { string: "" });
  assert.deepEqual(policyAttributes(makePlugin())["driver.podman.runtime_options.allowed"], {
    string:
      "seccomp=unconfined,apparmor=unconfined,label=disable,systempaths=unconfined,unmask=ALL",
  });
});
