import assert from "node:assert/strict";
import { existingExitDirs, exitDirCandidates, ExitDirWatch, isAccessDenied } from "./exit_dir.ts";
import { memLogger } from "../../tests/support/test_clock.ts";

Deno.test("exit dir candidates: beside the run root, rootless default, rootful default", () => {
  assert.deepEqual(exitDirCandidates({ runRoot: "/run/ndp-test/runroot", rootless: false }), [
    "/run/ndp-test/libpod/exits",
    "/run/libpod/exits",
  ]);
  // Rootful defaults: run root /run/containers/storage → /run/containers/libpod/exits first.
  assert.deepEqual(exitDirCandidates({ runRoot: "/run/containers/storage", rootless: false }), [
    "/run/containers/libpod/exits",
    "/run/libpod/exits",
  ]);
  // Rootless: run root $XDG_RUNTIME_DIR/containers, tmp_dir $XDG_RUNTIME_DIR/libpod/tmp.
  assert.deepEqual(exitDirCandidates({ runRoot: "/run/user/1000/containers", rootless: true }), [
    "/run/user/1000/libpod/exits",
    "/run/user/1000/libpod/tmp/exits",
  ]);
  // Unknown run root (remote or old Podman): only the rootful default.
  assert.deepEqual(exitDirCandidates({ runRoot: "", rootless: false }), ["/run/libpod/exits"]);
  assert.deepEqual(exitDirCandidates({ runRoot: "", rootless: true }), []);
});

Deno.test("existing exit dirs need libpod's alive file beside them", async () => {
  const root = Deno.makeTempDirSync({ prefix: "ndp-exitdir-" });
  try {
    Deno.mkdirSync(`${root}/a/exits`, { recursive: true });
    Deno.writeTextFileSync(`${root}/a/alive`, "");
    Deno.mkdirSync(`${root}/b/exits`, { recursive: true }); // no alive marker
    const denied: string[] = [];
    const found = await existingExitDirs(
      [`${root}/a/exits`, `${root}/b/exits`, `${root}/missing/exits`],
      (p) => denied.push(p),
    );
    assert.deepEqual(found, [`${root}/a/exits`]);
    assert.deepEqual(denied, []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("access denials are recognised (Deno permissions and the OS)", () => {
  assert.equal(isAccessDenied(new Deno.errors.NotCapable("no")), true);
  assert.equal(isAccessDenied(new Deno.errors.PermissionDenied("no")), true);
  assert.equal(isAccessDenied(new Deno.errors.NotFound("no")), false);
});

Deno.test("exit dir watch reports a container's exit file (conmon's temp file + rename) at once", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ndp-exits-" });
  const { logger } = memLogger();
  const seen: string[] = [];
  let wake!: () => void;
  const got = new Promise<void>((r) => (wake = r));
  const w = new ExitDirWatch({
    dir,
    logger,
    onExitFile: (id) => {
      seen.push(id);
      wake();
    },
  });
  try {
    await new Promise((r) => setTimeout(r, 100)); // watch registered
    const id = "a".repeat(64);
    Deno.writeTextFileSync(`${dir}/not-a-container`, "1");
    Deno.writeTextFileSync(`${dir}/${id}.ABC123`, "3");
    Deno.renameSync(`${dir}/${id}.ABC123`, `${dir}/${id}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([got, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    assert.ok(seen.length >= 1, "the exit file was reported");
    assert.ok(seen.every((s) => s === id), `only the container ID is reported: ${seen}`);
  } finally {
    w.close();
    assert.equal(await w.done, true);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("exit dir watch of a missing directory logs once and ends", async () => {
  const { logger, lines } = memLogger();
  const w = new ExitDirWatch({ dir: "/nonexistent/ndp/exits", logger, onExitFile: () => {} });
  assert.equal(await w.done, false);
  const warns = lines.filter((l) => String(l["@message"]).includes("exits directory"));
  assert.equal(warns.length, 1);
  assert.equal(warns[0]!.path, "/nonexistent/ndp/exits");
  w.close();
});

Deno.test({
  name: "without read permission the exits directory is skipped as denied, and a watch ends",
  permissions: { read: false },
  async fn() {
    const denied: string[] = [];
    const found = await existingExitDirs(["/run/libpod/exits"], (p, err) => {
      assert.ok(isAccessDenied(err));
      denied.push(p);
    });
    assert.deepEqual(found, []);
    assert.deepEqual(denied, ["/run/libpod/exits"]);
    const { logger, lines } = memLogger();
    const w = new ExitDirWatch({ dir: "/run/libpod/exits", logger, onExitFile: () => {} });
    assert.equal(await w.done, false);
    assert.equal(lines.filter((l) => l["@level"] === "warn").length, 1);
  },
});
