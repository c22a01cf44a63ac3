/** Events, stats and logs streams against real Podman. */
import assert from "node:assert/strict";
import { liveTest, uniqueName, withContainer } from "./_testing.ts";
import type { PodmanEvent } from "./types.ts";

liveTest("events stream a container's start and died with its exit code", async (c) => {
  const name = uniqueName("ev");
  const since = new Date(Date.now() - 1000);
  await withContainer(c, { name, command: ["sh", "-c", "exit 5"] }, async (id) => {
    const ac = new AbortController();
    const seen: PodmanEvent[] = [];
    const reading = (async () => {
      for await (
        const e of c.events({
          since,
          filters: { type: ["container"], container: [id] },
          signal: ac.signal,
        })
      ) {
        seen.push(e);
        if (e.action === "died") return;
      }
    })();
    await c.containers.start(id);
    const timer = setTimeout(() => ac.abort(new Error("no died event within 10 s")), 10_000);
    try {
      await reading;
    } finally {
      clearTimeout(timer);
    }
    const died = seen.find((e) => e.action === "died");
    assert.ok(seen.some((e) => e.action === "start"));
    assert.equal(died?.id, id);
    assert.equal(died?.name, name);
    assert.equal(died?.exitCode, 5);
    assert.ok(died && died.timeNano > BigInt(since.getTime()) * 1_000_000n);
  });
});

liveTest("stats stream yields samples per interval and one-shot stats agree", async (c) => {
  await withContainer(c, { name: uniqueName("st"), command: ["sleep", "300"] }, async (id) => {
    await c.containers.start(id);
    const ac = new AbortController();
    const samples = [];
    for await (const s of c.statsStream({ containers: [id], interval: 1, signal: ac.signal })) {
      samples.push(s);
      if (samples.length === 2) break;
    }
    assert.equal(samples.length, 2);
    assert.equal(samples[0]?.containerId, id);
    assert.ok((samples[1]?.cpuNano ?? 0) > 0);
    assert.ok((samples[1]?.memUsage ?? 0) > 0);
    assert.ok((samples[1]?.systemNano ?? 0) > (samples[0]?.systemNano ?? 0));
    const once = await c.stats({ containers: [id] });
    assert.equal(once.length, 1);
    const detail = await c.containerStats(id);
    assert.ok(detail.cpu.totalNano > 0);
    assert.ok(detail.cpu.userNano + detail.cpu.kernelNano > 0);
    assert.ok(detail.memory.usage > 0);
  });
});

liveTest(
  "logs demultiplex stdout and stderr, and follow ends when the container exits",
  async (c) => {
    const cmd = ["sh", "-c", "echo one; echo two >&2; sleep 1; echo three"];
    await withContainer(c, { name: uniqueName("logs"), command: cmd }, async (id) => {
      await c.containers.start(id);
      const got: string[] = [];
      for await (const chunk of c.logs(id, { follow: true })) {
        got.push(`${chunk.stream}:${new TextDecoder().decode(chunk.data)}`);
      }
      assert.deepEqual(got, ["stdout:one\n", "stderr:two\n", "stdout:three\n"]);
      const onlyErr: string[] = [];
      for await (const chunk of c.logs(id, { stdout: false })) onlyErr.push(chunk.stream);
      assert.deepEqual(onlyErr, ["stderr"]);
    });
  },
);
