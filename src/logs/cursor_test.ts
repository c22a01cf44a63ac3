import assert from "node:assert/strict";
import { LogCursor, splitTimestamp } from "./cursor.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("splitTimestamp: strips the RFC3339 prefix, keeps the message bytes", () => {
  const p = splitTimestamp(enc.encode("2026-11-28T13:44:35Z   sp  \n"));
  assert.ok(p);
  assert.equal(p.second, Date.parse("2026-11-28T13:44:35Z") / 1000);
  assert.equal(dec.decode(p.message), "  sp  \n");
  const off = splitTimestamp(enc.encode("2026-11-28T14:44:35.123456789+01:00 x"));
  assert.equal(off?.second, Date.parse("2026-11-28T13:44:35Z") / 1000);
  assert.equal(splitTimestamp(enc.encode("hello world")), undefined);
  assert.equal(dec.decode(splitTimestamp(enc.encode("2026-11-28T13:44:35Z "))!.message), "");
});

Deno.test("LogCursor: a resumed request skips exactly what was written", () => {
  const c = new LogCursor();
  assert.equal(c.since, undefined);
  const written: string[] = [];
  const run = (lines: [number, string][], stopAfter = Infinity) => {
    c.beginRequest();
    let n = 0;
    for (const [s, text] of lines) {
      if (n++ >= stopAfter) return;
      if (c.isNew(s)) written.push(text);
      c.advance(s);
    }
  };
  const journal: [number, string][] = [[10, "a"], [11, "b"], [11, "c"], [11, "d"], [12, "e"]];
  run(journal, 3); // breaks after "c"
  assert.deepEqual(c.since, new Date(11_000));
  // Podman replays from second 11 (inclusive).
  run(journal.filter(([s]) => s >= 11));
  assert.deepEqual(written, ["a", "b", "c", "d", "e"]);
  run(journal.filter(([s]) => s >= 12)); // nothing new
  assert.deepEqual(written, ["a", "b", "c", "d", "e"]);
});

Deno.test("LogCursor: since skips older lines, keeps all of its own second", () => {
  const c = new LogCursor(new Date(11_500));
  c.beginRequest();
  assert.equal(c.isNew(10), false);
  assert.equal(c.isNew(11), true);
  c.advance(11);
  assert.equal(c.isNew(11), true);
});
