import assert from "node:assert/strict";
import { journalLogSource, QUIET_MS } from "./journal_source.ts";
import type { LogSource, TimedChunk } from "./journald.ts";
import { memLogger } from "../../tests/support/test_clock.ts";

const ID = "4c387326e625dedd8a9bbe30a5df15723f4f30f4548dd647035c6148d09cb867";
const dec = new TextDecoder();

/** Writes an executable that prints `out` (printf format) and then runs `then`. */
async function fakeJournalctl(out: string, then: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ndp-journalctl-" });
  const path = `${dir}/journalctl`;
  await Deno.writeTextFile(path, `#!/bin/sh\nprintf '${out}'\n${then}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

function fallback(calls: string[]): LogSource {
  return {
    containers: { inspect: () => Promise.reject(new Error("not used")) },
    async *logs(id) {
      calls.push(id);
      yield { stream: "stdout", data: new TextEncoder().encode("2026-12-03T09:00:24Z api\n") };
    },
  };
}

/** A journal source over `command`, falling back to a fake endpoint that records its calls. */
function sourceOf(
  command: string,
  opts: { calls?: string[]; exited?: Promise<unknown>; logger?: ReturnType<typeof memLogger> } = {},
) {
  return journalLogSource({
    fallback: fallback(opts.calls ?? []),
    exited: opts.exited ?? new Promise(() => {}),
    logger: (opts.logger ?? memLogger()).logger,
    command,
  });
}

async function collect(it: AsyncIterable<TimedChunk>): Promise<TimedChunk[]> {
  const out: TimedChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

const ENTRIES = "__REALTIME_TIMESTAMP=1796288414910993\\nPRIORITY=6\\nMESSAGE=out1\\n\\n" +
  "__REALTIME_TIMESTAMP=1796288415910993\\nPRIORITY=3\\nMESSAGE=err1\\n\\n";

Deno.test("journal source: entries become timed chunks on their stream", async () => {
  const command = await fakeJournalctl(ENTRIES, "exit 0");
  const calls: string[] = [];
  const src = sourceOf(command, { calls });
  const got = await collect(src.logs(ID, { follow: false, timestamps: true }));
  assert.deepEqual(got.map((c) => [c.stream, dec.decode(c.data), c.second]), [
    ["stdout", "out1", 1796288414],
    ["stderr", "err1", 1796288415],
  ]);
  assert.deepEqual(calls, []);
});

Deno.test("journal source: a follow ends once the task exited and nothing came for a while", async () => {
  // Prints two entries, then follows forever (as journalctl -f does).
  const command = await fakeJournalctl(ENTRIES, "exec sleep 60");
  let exit!: () => void;
  const exited = new Promise<void>((r) => (exit = r));
  const src = sourceOf(command, { exited });
  const t0 = performance.now();
  setTimeout(exit, 200);
  const got = await collect(src.logs(ID, { follow: true, timestamps: true }));
  const ms = performance.now() - t0;
  assert.equal(got.length, 2);
  assert.ok(ms >= 200 + QUIET_MS - 20 && ms < 200 + QUIET_MS + 1500, `${ms} ms`);
});

Deno.test("journal source: an abort kills the follow", async () => {
  const command = await fakeJournalctl(ENTRIES, "exec sleep 60");
  const ctl = new AbortController();
  const src = sourceOf(command);
  setTimeout(() => ctl.abort(), 150);
  const got = await collect(src.logs(ID, { follow: true, signal: ctl.signal }));
  assert.equal(got.length, 2);
});

Deno.test("journal source: a journalctl that fails before any entry falls back to Podman, for good", async () => {
  const command = await fakeJournalctl("", "echo 'No journal files were opened' >&2; exit 1");
  const calls: string[] = [];
  const log = memLogger();
  const src = sourceOf(command, { calls, logger: log });
  const first = await collect(src.logs(ID, { follow: false, timestamps: true }));
  assert.equal(dec.decode(first[0]!.data), "2026-12-03T09:00:24Z api\n");
  await collect(src.logs(ID, { follow: false, timestamps: true }));
  assert.deepEqual(calls, [ID, ID]);
  const said = log.lines.filter((l) => String(l["@message"]).includes("Podman's logs endpoint"));
  assert.equal(said.length, 1);
  assert.match(String(said[0]!.reason), /No journal files were opened/);
});

Deno.test("journal source: a short id or a TTY goes to Podman's endpoint", async () => {
  const calls: string[] = [];
  const src = sourceOf("/nonexistent/journalctl", { calls });
  await collect(src.logs("abc123", {}));
  await collect(src.logs(ID, { tty: true }));
  assert.deepEqual(calls, ["abc123", ID]);
});

Deno.test("journal source: output it cannot parse breaks this request and sends later ones to Podman", async () => {
  // A binary field whose length runs past its newline: not journalctl's export format.
  const command = await fakeJournalctl(
    "__REALTIME_TIMESTAMP=1796288414910993\\nMESSAGE\\n\\001\\000\\000\\000\\000\\000\\000\\000xy\\n\\n",
    "exit 0",
  );
  const calls: string[] = [];
  const src = sourceOf(command, { calls });
  await assert.rejects(collect(src.logs(ID, { follow: false })), /newline/);
  await collect(src.logs(ID, { follow: false }));
  assert.deepEqual(calls, [ID]);
});
