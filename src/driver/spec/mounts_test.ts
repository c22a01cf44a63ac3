import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makePlugin, makeTask } from "../../../tests/support/factories.ts";
import { buildMounts, isInside, nomadMount, parseTmpfs, resolveExisting } from "./mounts.ts";

const identity = (p: string) => p;
const ALLOC = "/nomad/alloc/A1";
const task = makeTask({ allocDir: ALLOC, name: "web" });

function assertConfigError(fn: () => unknown, field: string, value: string, text?: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.field, field);
    assert.equal(err.value, value);
    assert.ok(err.message.includes(value), err.message);
    if (text) assert.match(err.message, text);
    return true;
  });
}

Deno.test("the task dirs are bound at the env's paths, with defaults", () => {
  const custom = makeTask({
    allocDir: ALLOC,
    env: { NOMAD_ALLOC_DIR: "/a", NOMAD_TASK_DIR: "/l", NOMAD_SECRETS_DIR: "/s" },
  });
  assert.deepEqual(buildMounts(custom, makeConfig(), makePlugin(), identity).mounts, [
    { type: "bind", source: `${ALLOC}/alloc`, destination: "/a" },
    { type: "bind", source: `${ALLOC}/web/local`, destination: "/l" },
    { type: "bind", source: `${ALLOC}/web/secrets`, destination: "/s" },
  ]);
  const bare = makeTask({ allocDir: ALLOC, env: {} });
  const dests = buildMounts(bare, makeConfig(), makePlugin(), identity).mounts?.map((m) =>
    m.destination
  );
  assert.deepEqual(dests, ["/alloc", "/local", "/secrets"]);
});

Deno.test("selinuxlabel is added to the task dirs and Nomad mounts unless privileged", () => {
  const plugin = makePlugin({ volumes: { enabled: true, selinuxLabel: "z", allowedRoots: ["/"] } });
  const withMount = makeTask({
    allocDir: ALLOC,
    mounts: [{
      taskPath: "/data",
      hostPath: "/srv/data",
      readonly: false,
      propagationMode: "",
      selinuxLabel: "",
    }],
  });
  const config = makeConfig({ volumes: ["/x:/x"] });
  const mounts = buildMounts(withMount, config, plugin, identity).mounts ?? [];
  assert.deepEqual(mounts.map((m) => m.options), [["z"], ["z"], ["z"], undefined, ["z"]]);
  const priv = buildMounts(withMount, makeConfig({ privileged: true }), plugin, identity).mounts;
  assert.ok(priv?.every((m) => m.options === undefined));
});

Deno.test("volumes: relative sources resolve against the task dir, options split on commas", () => {
  const config = makeConfig({ volumes: ["data:/data:ro,shared", "/tmp:/checkc"] });
  const mounts = buildMounts(task, config, makePlugin(), identity).mounts ?? [];
  assert.deepEqual(mounts.slice(3), [
    { type: "bind", source: `${ALLOC}/web/data`, destination: "/data", options: ["ro", "shared"] },
    { type: "bind", source: "/tmp", destination: "/checkc" },
  ]);
});

Deno.test("volumes: malformed entries are refused", () => {
  for (const bad of ["/only", ":/x", "/a:", "/a:/b:ro:x", "/a:rel"]) {
    assertConfigError(
      () => buildMounts(task, makeConfig({ volumes: [bad] }), makePlugin()),
      "volumes",
      bad,
    );
  }
});

Deno.test("volumes.enabled=false allows only paths inside the alloc dir", () => {
  const plugin = makePlugin({ volumes: { enabled: false, selinuxLabel: "", allowedRoots: ["/"] } });
  const ok = ["data:/d", `${ALLOC}/alloc/x:/x`, "../../A1/alloc:/y", "local/../secrets:/z"];
  const mounts = buildMounts(task, makeConfig({ volumes: ok }), plugin, identity).mounts ?? [];
  assert.deepEqual(mounts.slice(3).map((m) => m.source), [
    `${ALLOC}/web/data`,
    `${ALLOC}/alloc/x`,
    `${ALLOC}/alloc`,
    `${ALLOC}/web/secrets`,
  ]);
  for (const bad of ["/etc:/etc", "../../../../etc:/e", `${ALLOC}/../A2:/a`, `${ALLOC}x:/a`]) {
    assertConfigError(
      () => buildMounts(task, makeConfig({ volumes: [bad] }), plugin, identity),
      "volumes",
      bad,
      /volumes are not enabled/,
    );
  }
});

Deno.test("volumes.enabled=false refuses a symlink inside the alloc dir pointing outside", () => {
  const root = Deno.makeTempDirSync({ prefix: "ndp-spec-" });
  try {
    const alloc = `${root}/alloc-dir`;
    Deno.mkdirSync(`${alloc}/web/local`, { recursive: true });
    Deno.mkdirSync(`${root}/outside`);
    Deno.symlinkSync(`${root}/outside`, `${alloc}/web/local/escape`);
    Deno.symlinkSync(`${alloc}/web/local`, `${alloc}/web/inside`);
    const t = makeTask({ allocDir: alloc, name: "web" });
    const plugin = makePlugin({
      volumes: { enabled: false, selinuxLabel: "", allowedRoots: ["/"] },
    });
    for (const bad of ["local/escape:/e", "local/escape/not/yet/there:/e"]) {
      assertConfigError(
        () => buildMounts(t, makeConfig({ volumes: [bad] }), plugin),
        "volumes",
        bad,
        /resolves to .*outside/,
      );
    }
    // A symlink that stays inside, and a path that does not exist yet, are fine.
    const fine = buildMounts(t, makeConfig({ volumes: ["inside:/i", "new/dir:/n"] }), plugin);
    assert.equal(fine.mounts?.length, 5);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("resolveExisting resolves the existing prefix only", () => {
  const real = (p: string) => {
    if (p === "/a/link") return "/elsewhere";
    if (p === "/a" || p === "/") return p;
    throw new Deno.errors.NotFound(p);
  };
  assert.equal(resolveExisting("/a/link/b/c", real), "/elsewhere/b/c");
  assert.equal(resolveExisting("/a/missing", real), "/a/missing");
  assert.ok(isInside("/a", "/a/b") && isInside("/a", "/a") && !isInside("/a", "/ab"));
  assert.ok(isInside("/", "/x"));
});

Deno.test("Nomad mounts: bind, ro, propagation mapping, own SELinux label first", () => {
  const base = { taskPath: "/t", hostPath: "/h", readonly: false, selinuxLabel: "" };
  assert.deepEqual(nomadMount({ ...base, propagationMode: "private" }, "", false), {
    type: "bind",
    source: "/h",
    destination: "/t",
    options: ["rprivate"],
  });
  assert.deepEqual(
    nomadMount({ ...base, readonly: true, propagationMode: "host-to-task" }, "z", false).options,
    ["ro", "rslave", "z"],
  );
  assert.deepEqual(
    nomadMount({ ...base, propagationMode: "bidirectional", selinuxLabel: "Z" }, "z", false)
      .options,
    ["rshared", "Z"],
  );
  assert.equal(nomadMount({ ...base, propagationMode: "" }, "", false).options, undefined);
});

Deno.test("tmpfs entries become tmpfs mounts with options", () => {
  assert.deepEqual(parseTmpfs("/tmpdata1"), {
    type: "tmpfs",
    source: "tmpfs",
    destination: "/tmpdata1",
  });
  assert.deepEqual(parseTmpfs("/tmpdata2:rshared,noexec").options, ["rshared", "noexec"]);
  assertConfigError(() => parseTmpfs("relative"), "tmpfs", "relative");
  const mounts = buildMounts(task, makeConfig({ tmpfs: ["/t"] }), makePlugin(), identity).mounts;
  assert.equal(mounts?.at(-1)?.type, "tmpfs");
});
