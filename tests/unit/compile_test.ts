/**
 * `deno task compile` (scripts/compile.sh): the permission flags it passes to
 * `deno compile` are the profile's, all scoped; a DENORT_BIN that is not a
 * runtime fails clearly, before anything is built.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const dec = new TextDecoder();

async function compile(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}/scripts/compile.sh`, ...args],
    env: { ...env, NOMAD_DRIVER_PODMAN_PROFILE: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function flagsOf(stdout: string): string[] {
  return stdout.split("\n").filter((l) => l.startsWith("  --")).map((l) => l.trim());
}

Deno.test("compile: the embedded permission flags are the profile's, every grant scoped", async () => {
  const r = await compile([
    "--print-flags",
    "--data-dir",
    "/var/lib/nomad",
    "--socket",
    "/run/podman/podman.sock",
    "--net",
    "images.example.com:443",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const flags = flagsOf(r.stdout);
  assert.ok(flags.length >= 6, r.stdout);
  for (const f of flags) {
    assert.ok(!["-A", "--allow-all"].includes(f), `unscoped: ${f}`);
    const m = /^--allow-(read|write|net|env|run|sys)(=(.*))?$/.exec(f);
    if (m) assert.ok(m[3], `${f} has no scope`);
  }
  const get = (name: string) =>
    (flags.find((f) => f.startsWith(`--allow-${name}=`)) ?? "").split("=")[1]!.split(",");
  assert.ok(get("read").includes("/var/lib/nomad"));
  assert.ok(get("write").includes("/var/lib/nomad"));
  assert.ok(!get("read").includes("/opt/nomad/data"), "--data-dir replaces the default");
  assert.ok(!get("read").includes("/"), "never the whole file system");
  assert.ok(!get("write").some((p) => p === "/etc" || p.startsWith("/etc/")));
  assert.deepEqual(
    get("net").filter((h) => !h.startsWith("unix:")).sort(),
    ["images.example.com:443", "libpod:80"],
  );
  assert.ok(get("net").includes("unix:/run/podman/podman.sock"));
  assert.deepEqual(get("run"), ["grep", "journalctl"]);
  assert.ok(flags.includes("--deny-ffi"));
  assert.ok(
    flags.includes("--v8-flags=--max-semi-space-size=1,--optimize-for-size"),
    "the RSS-bounding V8 flag",
  );
});

Deno.test("compile: a DENORT_BIN that is not a runtime fails clearly, nothing is built", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ndp-compile-test-" });
  try {
    for (const [name, text] of [["script", "#!/bin/sh\necho hi\n"], ["empty", ""]] as const) {
      const fake = `${dir}/${name}`;
      Deno.writeTextFileSync(fake, text);
      Deno.chmodSync(fake, 0o755);
      const before = (() => {
        try {
          return Deno.statSync(`${ROOT}/.build/nomad-driver-podman`).mtime?.getTime();
        } catch {
          return undefined;
        }
      })();
      const r = await compile([], { DENORT_BIN: fake, PATH: Deno.env.get("PATH") ?? "" });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`DENORT_BIN=${fake} is not a denort runtime`));
      // The flags are printed before the check.
      assert.match(r.stdout, /permission flags embedded/);
      let after: number | undefined;
      try {
        after = Deno.statSync(`${ROOT}/.build/nomad-driver-podman`).mtime?.getTime();
      } catch { /* none */ }
      assert.equal(after, before, "no binary was written");
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("compile: a bad profile value fails naming the setting", async () => {
  const r = await compile(["--print-flags", "--data-dir", "relative/dir"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /data_dir value "relative\/dir" is not an absolute path/);
});
