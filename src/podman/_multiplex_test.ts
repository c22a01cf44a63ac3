import assert from "node:assert/strict";
import { demuxFrames, FrameDemuxer } from "./_multiplex.ts";

function frame(stream: number, text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + data.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, data.length);
  out.set(data, 8);
  return out;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const dec = new TextDecoder();

Deno.test("FrameDemuxer reassembles frames fed one byte at a time", () => {
  const bytes = cat(frame(1, "hello\n"), frame(2, "oops\n"), frame(1, ""), frame(1, "x"));
  const d = new FrameDemuxer();
  const got: string[] = [];
  for (const b of bytes) {
    for (const f of d.push(new Uint8Array([b]))) got.push(`${f.stream}:${dec.decode(f.data)}`);
  }
  assert.deepEqual(got, ["1:hello\n", "2:oops\n", "1:", "1:x"]);
  assert.equal(d.pending, 0);
});

Deno.test("FrameDemuxer splits several frames in one chunk and keeps a partial header", () => {
  const bytes = cat(frame(1, "a"), frame(2, "bb"), frame(1, "ccc"));
  const d = new FrameDemuxer();
  const first = d.push(bytes.subarray(0, 9 + 8 + 2 + 3)); // two frames + 3 bytes of a header
  assert.deepEqual(first.map((f) => dec.decode(f.data)), ["a", "bb"]);
  assert.equal(d.pending, 3);
  const rest = d.push(bytes.subarray(22));
  assert.deepEqual(rest.map((f) => [f.stream, dec.decode(f.data)]), [[1, "ccc"]]);
});

Deno.test("FrameDemuxer reads a big-endian 32-bit length", () => {
  const big = "z".repeat(70_000);
  const d = new FrameDemuxer();
  const bytes = frame(2, big);
  assert.equal(d.push(bytes.subarray(0, 40_000)).length, 0);
  const [f] = d.push(bytes.subarray(40_000));
  assert.equal(f?.data.length, 70_000);
  assert.equal(f?.stream, 2);
});

Deno.test("demuxFrames fails when the stream ends inside a frame", async () => {
  const bytes = frame(1, "truncated");
  const body = ReadableStream.from([bytes.subarray(0, 12)]);
  await assert.rejects(async () => {
    for await (const _ of demuxFrames(body)) { /* drain */ }
  }, SyntaxError);
});

Deno.test("demuxFrames cancels the source when the consumer stops early", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(frame(1, "line\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const f of demuxFrames(body)) {
    assert.equal(dec.decode(f.data), "line\n");
    break;
  }
  assert.equal(cancelled, true);
});
