import assert from "node:assert/strict";
import {
  applyOverrides,
  DEFAULT_PROFILE,
  expandSocketPattern,
  type HostFacts,
  parseProfile,
  permissionFlags,
  PLUGIN_BIND_NAME,
  ProfileError,
  resolveProfile,
} from "./profile.ts";
import { isNotCapable, ProfileDeniedError } from "./denied.ts";
import { UNIX_BASE_URL } from "../podman/mod.ts";
import { PODMAN_URL_HOST } from "./profile.ts";

const facts = (over: Partial<HostFacts> = {}): HostFacts => ({
  tempDir: "/tmp",
  pluginSocketDirEnv: undefined,
  uid: 0,
  listDir: (p) => (p === "/run/user" ? ["1001"] : []),
  subordinateUids: () => [1002],
  ...over,
});

Deno.test("profile: a file replaces only the settings it names; bad values name the setting", () => {
  const p = parseProfile(JSON.stringify({ data_dir: ["/var/lib/nomad"], "//": "note" }), "f.json");
  assert.deepEqual(p.data_dir, ["/var/lib/nomad"]);
  assert.deepEqual(p.podman_socket, DEFAULT_PROFILE.podman_socket);
  for (
    const [doc, re] of [
      [{ data_dir: ["rel"] }, /data_dir value "rel" is not an absolute path/],
      [{ data_dir: ["/"] }, /whole file system/],
      [{ read: ["/a/../etc"] }, /contains '\.\.'/],
      [{ net: ["http://x"] }, /not a host or host:port/],
      [{ nets: [] }, /unknown profile setting "nets"/],
      [{ env: "X" }, /env must be a list of strings/],
    ] as const
  ) {
    assert.throws(() => parseProfile(JSON.stringify(doc), "f.json"), (e) => {
      assert.ok(e instanceof ProfileError);
      assert.match(e.message, re);
      return true;
    });
  }
  assert.deepEqual(applyOverrides(p, { data_dir: ["/x"] }).data_dir, ["/x"]);
});

Deno.test("profile: /run/user/* expands to existing runtime dirs and rootless users", () => {
  assert.deepEqual(expandSocketPattern("/run/user/*/podman/podman.sock", facts({ uid: 1003 })), [
    "/run/user/1001/podman/podman.sock",
    "/run/user/1002/podman/podman.sock",
    "/run/user/1003/podman/podman.sock",
  ]);
  assert.deepEqual(expandSocketPattern("/srv/p*/x.sock", facts()), []);
});

Deno.test("profile: flags are scoped; the socket dir follows PLUGIN_UNIX_SOCKET_DIR", () => {
  const r = resolveProfile(DEFAULT_PROFILE, facts({ pluginSocketDirEnv: "/run/nomad/plugins" }));
  assert.deepEqual(r.pluginSocketDirs, ["/run/nomad/plugins"]);
  assert.ok(r.net.includes(`unix:/run/nomad/plugins/${PLUGIN_BIND_NAME}`));
  assert.ok(r.net.includes("unix:/run/podman/podman.sock"));
  assert.ok(r.net.includes(PODMAN_URL_HOST));
  const flags = permissionFlags(r);
  for (const f of flags) assert.ok(!/^--allow-(read|write|net|env|run|sys)$/.test(f), f);
  assert.ok(!flags.includes("--allow-all"));
  assert.deepEqual(resolveProfile(DEFAULT_PROFILE, facts()).pluginSocketDirs, ["/tmp"]);
  // The Podman URL host the profile grants is the one the client uses.
  assert.equal(new URL(UNIX_BASE_URL).host + ":80", PODMAN_URL_HOST);
});

Deno.test("profile: permission denials become errors naming path and setting", () => {
  const e = new ProfileDeniedError("task.alloc_dir", "/srv/a", "data_dir");
  assert.match(e.message, /task\.alloc_dir \/srv\/a is outside the plugin's deployment profile/);
  assert.match(e.message, /profile setting data_dir/);
  assert.match(e.message, /--data-dir \/srv\/a/);
  assert.ok(isNotCapable(new Error('Requires read access to "/x", run again')));
  assert.ok(!isNotCapable(new Deno.errors.NotFound("x")));
});
