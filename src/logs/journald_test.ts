import assert from "node:assert/strict";
import { Logger } from "../plugin_log/mod.ts";
import type { LogsOptions } from "../podman/mod.ts";
import { PodmanConnectionError } from "../podman/mod.ts";
import type { ContainerState, LogChunk } from "../podman/mod.ts";
import { type LogSource, streamJournaldLogs } from "./journald.ts";

const enc = new TextEncoder();
/** The driver's liveness rule, as the streamer sees it (logs does not import driver). */
const liveness = (st: ContainerState) =>
  st.running || st.paused ? "running" as const : "exited" as const;
const quiet = new Logger("test", { sink: { write() {} } });

interface Entry {
  stream: "stdout" | "stderr";
  second: number;
  text: string;
}

function state(running: boolean): ContainerState {
  return {
    status: running ? "running" : "exited",
    running,
    paused: false,
    oomKilled: false,
    pid: 0,
    exitCode: 0,
    error: "",
    startedAt: undefined,
    finishedAt: undefined,
  };
}

/** A journal; the first follow request breaks after `breakAfter` entries. */
function fakeSource(journal: Entry[], breakAfter: number) {
  const calls: LogsOptions[] = [];
  let running = true;
  const source: LogSource = {
    async *logs(_id: string, options: LogsOptions): AsyncGenerator<LogChunk> {
      calls.push(options);
      const since = options.since ? options.since.getTime() / 1000 : -Infinity;
      let n = 0;
      for (const e of journal.filter((e) => e.second >= since)) {
        if (calls.length === 1 && n++ === breakAfter) {
          throw new PodmanConnectionError("connection reset", {
            method: "GET",
            path: "/logs",
          } as never);
        }
        await Promise.resolve();
        const ts = new Date(e.second * 1000).toISOString().replace(/\.\d+Z$/, "Z");
        yield { stream: e.stream, data: enc.encode(`${ts} ${e.text}`) };
      }
      if (calls.length > 1) running = false; // the container exits once all is logged
    },
    containers: {
      inspect: () => Promise.resolve({ state: state(running) }),
    },
  };
  return { source, calls };
}

function mkfifo(path: string): void {
  assert.ok(new Deno.Command("mkfifo", { args: [path] }).outputSync().success);
}

function catInto(fifo: string): Deno.ChildProcess {
  return new Deno.Command("cat", { args: [fifo], stdout: "piped" }).spawn();
}

Deno.test("journald streamer: split streams, no added newline, resume without dup or loss", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    mkfifo(`${dir}/out`);
    mkfifo(`${dir}/err`);
    const out = catInto(`${dir}/out`);
    const err = catInto(`${dir}/err`);
    const journal: Entry[] = [];
    for (let i = 0; i < 30; i++) {
      journal.push({
        stream: i % 3 === 0 ? "stderr" : "stdout",
        second: 100 + (i >> 3),
        text: `l${i}\n`,
      });
    }
    journal.push({ stream: "stdout", second: 104, text: "no-eol" });
    const { source, calls } = fakeSource(journal, 13);
    const outText = new Response(out.stdout).text();
    const errText = new Response(err.stdout).text();
    const end = await streamJournaldLogs({
      liveness,
      source,
      containerId: "c0ffee",
      stdoutPath: `${dir}/out`,
      stderrPath: `${dir}/err`,
      signal: new AbortController().signal,
      logger: quiet,
      retry: { minMs: 1, maxMs: 5 },
    });
    assert.equal(end, "drained");
    const want = (s: string) => journal.filter((e) => e.stream === s).map((e) => e.text).join("");
    assert.equal(await outText, want("stdout"));
    assert.equal(await errText, want("stderr"));
    assert.equal(calls[0]!.timestamps, true);
    assert.equal(calls[0]!.follow, true);
    assert.equal(calls[1]!.since?.getTime(), 101_000); // resumed within second 101
    assert.equal(calls.at(-1)!.follow, false); // final drain after the exit
    await out.status;
    await err.status;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("journald streamer: a symlink at the fifo path is refused; abort ends it", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/target`, "");
    Deno.symlinkSync(`${dir}/target`, `${dir}/out`);
    const { source } = fakeSource([], 0);
    const end = await streamJournaldLogs({
      liveness,
      source,
      containerId: "c0ffee",
      stdoutPath: `${dir}/out`,
      stderrPath: "/dev/null",
      signal: new AbortController().signal,
      logger: quiet,
    });
    assert.equal(end, "fifo-refused");
    assert.equal(Deno.readTextFileSync(`${dir}/target`), "");
    // No reader ever: the streamer waits (never blocks the loop) until aborted.
    mkfifo(`${dir}/lonely`);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const end2 = await streamJournaldLogs({
      liveness,
      source,
      containerId: "c0ffee",
      stdoutPath: `${dir}/lonely`,
      stderrPath: "/dev/null",
      signal: ctl.signal,
      logger: quiet,
      fifoRetryMs: 10,
    });
    assert.equal(end2, "aborted");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
