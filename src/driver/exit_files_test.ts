import assert from "node:assert/strict";
import { ExitFiles } from "./exit_files.ts";
import { memLogger } from "../../tests/support/test_clock.ts";
import type { PodmanClient } from "../podman/mod.ts";

type ExitDirsOptions = { onDenied?: (path: string, err: unknown) => void };

function fakeClient(exitDirs: (o: ExitDirsOptions) => Promise<string[]>): PodmanClient {
  return { exitDirs } as unknown as PodmanClient;
}

Deno.test("exit files: a watched container's exit file is reported once per burst", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ndp-exitfiles-" });
  const { logger } = memLogger();
  const watched = "b".repeat(64);
  const other = "c".repeat(64);
  const got: string[] = [];
  const f = new ExitFiles({
    client: fakeClient(() => Promise.resolve([dir])),
    logger,
    isWatched: (id) => id === watched,
    onExitFile: (id) => got.push(id),
  });
  try {
    assert.deepEqual(await f.ready, [dir]);
    await new Promise((r) => setTimeout(r, 100));
    for (const id of [other, watched]) {
      Deno.writeTextFileSync(`${dir}/${id}.XYZ123`, "0");
      Deno.renameSync(`${dir}/${id}.XYZ123`, `${dir}/${id}`);
    }
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, [watched], "only the watched one, once (rename shows as several events)");
  } finally {
    f.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("exit files: denied directories are logged once and nothing is watched", async () => {
  const { logger, lines } = memLogger();
  const f = new ExitFiles({
    client: fakeClient((o) => {
      o.onDenied?.("/run/libpod/exits", new Deno.errors.NotCapable("read"));
      return Promise.resolve([]);
    }),
    logger,
    isWatched: () => true,
    onExitFile: () => assert.fail("nothing is watched"),
  });
  assert.deepEqual(await f.ready, []);
  const msgs = lines.filter((l) => String(l["@message"]).includes("no access"));
  assert.equal(msgs.length, 1);
  assert.equal(msgs[0]!.paths, "/run/libpod/exits");
  f.close();
});

Deno.test("exit files: a failing lookup (Podman down) leaves the events stream alone", async () => {
  const { logger } = memLogger();
  const f = new ExitFiles({
    client: fakeClient(() => Promise.reject(new Error("connection refused"))),
    logger,
    isWatched: () => true,
    onExitFile: () => {},
  });
  assert.deepEqual(await f.ready, []);
  f.close();
});
