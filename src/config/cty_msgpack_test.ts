import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { T } from "../hclspec/mod.ts";
import { attr, blockList, obj } from "../hclspec/mod.ts";
import { decodeCtyValue, decodeMsgpackRaw, decodeWithSpec } from "./cty_msgpack.ts";
import { ConfigError } from "./errors.ts";

function assertConfigError(fn: () => unknown, field: string, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.field, field);
    assert.ok(e.message.includes(field));
    if (re) assert.match(e.message, re);
    return true;
  });
}

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("cty numbers: ints, float64 and decimal text", () => {
  assert.equal(decodeCtyValue(decodeMsgpackRaw(bytes(0xd1, 0xff, 0x38)), T.number, "n"), -200);
  assert.equal(
    decodeCtyValue(decodeMsgpackRaw(bytes(0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0)), T.number, "n"),
    1.5,
  );
  assert.equal(decodeCtyValue("0.1", T.number, "n"), 0.1);
  assert.equal(decodeCtyValue("12", T.number, "n"), 12);
  assert.equal(decodeCtyValue("1" + "0".repeat(30), T.number, "n"), 1e30);
  assert.equal(decodeCtyValue("-Inf", T.number, "n"), -Infinity);
  // uint64 beyond 2^53 comes back as a bigint and still converts.
  const big = decodeMsgpackRaw(bytes(0xcf, 0, 0x20, 0, 0, 0, 0, 0, 1));
  assert.equal(typeof big, "bigint");
  assert.equal(
    decodeCtyValue(big, T.number, "n"),
    9007199254740992, /* nearest float64 to 2^53 + 1 */
  );
  assertConfigError(() => decodeCtyValue("twelve", T.number, "cpu"), "cpu", /twelve/);
});

Deno.test("nil is null; types are checked and name the field", () => {
  assert.equal(decodeCtyValue(null, T.string, "a"), null);
  assertConfigError(() => decodeCtyValue(true, T.string, "auth.username"), "auth.username", /true/);
  assertConfigError(() => decodeCtyValue("yes", T.bool, "tty"), "tty", /"yes"/);
  assertConfigError(() => decodeCtyValue("x", T.list(T.string), "args"), "args");
  assertConfigError(() => decodeCtyValue([1], T.list(T.string), "args"), "args[0]");
  assertConfigError(() => decodeCtyValue({ a: 1 }, T.map(T.string), "labels"), "labels.a");
  assert.deepEqual(decodeCtyValue(["a", 1, { b: 2n }], T.any, "e"), ["a", 1, { b: 2 }]);
});

Deno.test("unknown values (ext types) are errors", () => {
  assertConfigError(
    () =>
      decodeWithSpec(bytes(0x81, 0xa1, 0x61, 0xd4, 0x00, 0x00), obj({ a: attr("a", "string") })),
    "a",
    /unknown/,
  );
  assertConfigError(
    () => decodeWithSpec(bytes(0x81, 0xa1, 0x61, 0xd4, 0x0c, 0x00), obj({ a: attr("a", "any") })),
    "a",
    /unknown/,
  );
});

Deno.test("decodeWithSpec: object keys checked, missing keys null, block list paths", () => {
  const spec = obj({
    a: attr("a", "string"),
    s: blockList("s", obj({ name: attr("name", "string"), path: attr("path", "string") })),
  });
  assert.deepEqual(decodeWithSpec(encode({ a: "x" }), spec), { a: "x", s: null });
  assertConfigError(() => decodeWithSpec(encode({ a: "x", zz: 1 }), spec), "zz", /unknown option/);
  assertConfigError(
    () => decodeWithSpec(encode({ s: [{ name: "a", path: "/a" }, { name: "b", path: 5 }] }), spec),
    "s[1].path",
  );
  assertConfigError(() => decodeWithSpec(encode([1, 2]), spec), "<config>");
  assertConfigError(() => decodeWithSpec(bytes(0xc1), spec), "<config>", /malformed/);
  assert.deepEqual(decodeWithSpec(new Uint8Array(), spec), { a: null, s: null });
});
