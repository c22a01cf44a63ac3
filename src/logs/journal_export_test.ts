import assert from "node:assert/strict";
import { JournalExportError, JournalExportParser } from "./journal_export.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A binary field as journalctl writes it. */
function binary(key: string, value: Uint8Array): Uint8Array {
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(value.length), true);
  return concat(enc.encode(`${key}\n`), len, value, enc.encode("\n"));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const STREAM = concat(
  enc.encode("__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1796288414910993\nPRIORITY=6\n"),
  binary("MESSAGE", enc.encode("out1\n")),
  enc.encode("\n"),
  enc.encode("__REALTIME_TIMESTAMP=1796288415000000\nPRIORITY=3\n"),
  binary("MESSAGE", enc.encode("a\0b\n")),
  enc.encode("\n"),
  enc.encode("__REALTIME_TIMESTAMP=1796288416000000\nPRIORITY=6\nMESSAGE=partial\n"),
  enc.encode("CONTAINER_PARTIAL_MESSAGE=true\n\n"),
);

Deno.test("journal export: text and binary fields, priority, partial lines, time", () => {
  const entries = new JournalExportParser().push(STREAM);
  assert.deepEqual(
    entries.map((e) => [e.realtimeUs, e.priority, e.partial, dec.decode(e.message)]),
    [
      [1796288414910993, 6, false, "out1\n"],
      [1796288415000000, 3, false, "a\0b\n"],
      [1796288416000000, 6, true, "partial"],
    ],
  );
});

Deno.test("journal export: any split of the stream gives the same entries", () => {
  const whole = new JournalExportParser().push(STREAM);
  for (let cut = 1; cut < STREAM.length; cut++) {
    const p = new JournalExportParser();
    const got = [...p.push(STREAM.slice(0, cut)), ...p.push(STREAM.slice(cut))];
    assert.deepEqual(got, whole, `split at ${cut}`);
  }
  // Byte by byte.
  const p = new JournalExportParser();
  const got = [];
  for (let i = 0; i < STREAM.length; i++) got.push(...p.push(STREAM.subarray(i, i + 1)));
  assert.deepEqual(got, whole);
});

Deno.test("journal export: a binary field without its closing newline is refused", () => {
  const bad = concat(binary("MESSAGE", enc.encode("x")).slice(0, -1), enc.encode("Y\n\n"));
  assert.throws(() => new JournalExportParser().push(bad), JournalExportError);
});
