import assert from "node:assert/strict";
import { jsonLines, textLines } from "./_json_lines.ts";
import { PodmanResponseError } from "./errors.ts";

const enc = new TextEncoder();
const origin = { method: "GET", path: "/v4.3.1/libpod/events" };

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

Deno.test("jsonLines joins lines split across chunks, including a split UTF-8 character", async () => {
  const text = '{"a":1}\n{"b":"é"}\n\n{"c":3}';
  const bytes = enc.encode(text);
  const chunks = [...bytes].map((b) => new Uint8Array([b])); // one byte each
  const got = await collect(jsonLines(ReadableStream.from(chunks), origin));
  assert.deepEqual(got, [{ a: 1 }, { b: "é" }, { c: 3 }]);
});

Deno.test("jsonLines throws PodmanResponseError on a truncated line", async () => {
  const body = ReadableStream.from([enc.encode('{"ok":true}\n{"Stats":[{"CPU"')]);
  const got: unknown[] = [];
  await assert.rejects(async () => {
    for await (const v of jsonLines(body, origin)) got.push(v);
  }, (e: unknown) => e instanceof PodmanResponseError && e.path === origin.path);
  assert.deepEqual(got, [{ ok: true }]);
});

Deno.test("textLines cancels the source on early break", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(enc.encode("x\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const line of textLines(body)) {
    assert.equal(line, "x");
    break;
  }
  assert.equal(cancelled, true);
});
