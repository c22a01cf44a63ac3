/**
 * Dangling-container reconciler against the real private Podman: a labelled
 * container no task owns is removed after the grace; an unlabelled one and a
 * container of a running task are untouched.
 */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import {
  containerExists,
  eventually,
  nameOf,
  podman,
  podmanCli,
  shTask,
  TEST_IMAGE,
  withHarness,
} from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const MANAGED = "io.nomad-driver-podman.managed=true";

function suffix(): string {
  return crypto.randomUUID().slice(0, 8);
}

/**
 * Managed containers of other runs (another developer's tests on the same
 * service) would be removed too: wait a while for them to go first.
 */
async function waitForQuiet(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const others = await podman.containers.list({ all: true, filters: { label: [MANAGED] } });
    if (others.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function cli(...args: string[]): Promise<string> {
  const out = await podmanCli(...args);
  assert.equal(out.code, 0, `podman ${args.join(" ")}: ${out.stderr}`);
  return out.stdout.trim();
}

Deno.test({
  ...opts,
  name: "reconciler: a labelled container no task owns is removed after the grace; others stay",
  fn: async () => {
    await waitForQuiet(30_000);
    const s = suffix();
    const created = `ndp-dangling-created-${s}`;
    const running = `ndp-dangling-running-${s}`;
    const foreign = `ndp-unlabelled-${s}`;
    try {
      await cli("create", "--label", MANAGED, "--name", created, TEST_IMAGE, "sleep", "100");
      await cli("run", "-d", "--label", MANAGED, "--name", running, TEST_IMAGE, "sleep", "100");
      await cli("run", "-d", "--name", foreign, TEST_IMAGE, "sleep", "100");
      await withHarness(async (h) => {
        const t = await h.task({ config: shTask("sleep 100") });
        await h.start(t);
        const startedAt = Date.now();
        await eventually(
          async () => !(await containerExists(created)) && !(await containerExists(running)),
          15_000,
          "both labelled containers removed",
        );
        // The first pass waits one full period (1 s): never earlier.
        assert.ok(Date.now() - startedAt >= 500, "removed before the first period");
        assert.ok(await containerExists(foreign), "the unlabelled container is untouched");
        const own = await podman.containers.inspect(nameOf(t));
        assert.equal(own.state.running, true, "the running task's container is untouched");
        // A few more passes: still untouched.
        await new Promise((r) => setTimeout(r, 2_500));
        assert.ok(await containerExists(foreign));
        assert.equal((await podman.containers.inspect(nameOf(t))).state.running, true);
        const lines = h.plugin.stderrLines.filter((l) =>
          l.includes("removed a dangling container no task owns")
        );
        assert.equal(lines.length, 2, lines.join("\n"));
        assert.match(lines.join("\n"), new RegExp(running));
      }, `dangling_containers {\n  period = "1s"\n  creation_grace = "1s"\n}`);
    } finally {
      for (const n of [created, running, foreign]) {
        await podmanCli("rm", "-f", "-t", "0", n);
      }
    }
  },
});

Deno.test({
  ...opts,
  name: "reconciler: dangling_containers { enabled = false } removes nothing",
  fn: async () => {
    const name = `ndp-dangling-disabled-${suffix()}`;
    try {
      await cli("create", "--label", MANAGED, "--name", name, TEST_IMAGE, "sleep", "100");
      await withHarness(async () => {
        await new Promise((r) => setTimeout(r, 3_000));
        assert.ok(await containerExists(name), "kept when disabled");
      }, `dangling_containers {\n  enabled = false\n  period = "1s"\n  creation_grace = "1s"\n}`);
    } finally {
      await podmanCli("rm", "-f", "-t", "0", name);
    }
  },
});
