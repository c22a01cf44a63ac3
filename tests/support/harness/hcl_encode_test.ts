import assert from "node:assert/strict";
import { decode } from "@msgpack/msgpack";
import {
  decodeJsonConfig,
  encodeCtyMsgpack,
  encodeHclConfig,
  encodeJsonConfig,
  HclDecodeError,
} from "./hcl_encode.ts";
import {
  array,
  attr,
  attrDefault,
  block,
  blockAttrs,
  blockList,
  blockMap,
  blockSet,
  defaulted,
  literal,
  obj,
} from "../../../src/hclspec/spec.ts";
import { CtyNumber } from "../../../src/hclspec/value.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const n = (s: string) => CtyNumber.parse(s) as CtyNumber;

function assertDecodeError(fn: () => unknown, field: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HclDecodeError, String(e));
    assert.equal(e.field, field);
    assert.match(e.message, re);
    return true;
  });
}

async function assertRejects(p: Promise<unknown>, field: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HclDecodeError, String(e));
    assert.equal(e.field, field);
    assert.match(e.message, re);
    return true;
  });
}

Deno.test("PROTOCOL.md example: default bool on an empty config", async () => {
  const spec = obj({ enabled: defaulted(attr("enabled", "bool"), literal("true")) });
  const bytes = await encodeHclConfig("", spec);
  assert.equal(hex(bytes), "81 a7 65 6e 61 62 6c 65 64 c3");
  assert.equal(hex(encodeJsonConfig({}, spec)), "81 a7 65 6e 61 62 6c 65 64 c3");
});

Deno.test("cty msgpack number encodings", () => {
  const cases: [string, string][] = [
    ["0", "00"],
    ["127", "7f"],
    ["128", "cc 80"],
    ["65535", "cd ff ff"],
    ["65536", "ce 00 01 00 00"],
    ["4294967296", "cf 00 00 00 01 00 00 00 00"],
    ["-1", "ff"],
    ["-32", "e0"],
    ["-33", "d0 df"],
    ["-200", "d1 ff 38"],
    ["-40000", "d2 ff ff 63 c0"],
    ["-3000000000", "d3 ff ff ff ff 4d 2f a2 00"],
    ["1.5", "cb 3f f8 00 00 00 00 00 00"],
    ["0.1", "a3 30 2e 31"],
    ["1e30", "bf 31" + " 30".repeat(30)], // 31-char fixstr
    ["9223372036854775808", "cb 43 e0 00 00 00 00 00 00"], // 2^63: exact float64
  ];
  for (const [text, want] of cases) assert.equal(hex(encodeCtyMsgpack(n(text))), want, text);
  assert.equal(hex(encodeCtyMsgpack(CtyNumber.fromNumber(Infinity))), "cb 7f f0 00 00 00 00 00 00");
});

Deno.test("cty msgpack: nil, strings, arrays, byte-sorted keys", () => {
  assert.equal(hex(encodeCtyMsgpack(null)), "c0");
  assert.equal(hex(encodeCtyMsgpack([true, false, "é"])), "93 c3 c2 a2 c3 a9");
  const m = encodeCtyMsgpack({ b: null, B: "x", a: n("1"), "é": n("2") });
  assert.deepEqual(Object.keys(decode(m) as object), ["B", "a", "b", "é"]);
  const long = "x".repeat(40);
  assert.equal(hex(encodeCtyMsgpack(long)).slice(0, 5), "d9 28");
  const arr = encodeCtyMsgpack(Array.from({ length: 20 }, () => null));
  assert.equal(hex(arr.subarray(0, 3)), "dc 00 14");
});

Deno.test("every spec property is present, absent ones nil", async () => {
  const spec = obj({ a: attr("a", "string"), b: block("b", obj({ c: attr("c", "number") })) });
  const bytes = await encodeHclConfig('a = "x"', spec);
  assert.deepEqual(decode(bytes), { a: "x", b: null });
});

Deno.test("attribute type conversion per cty rules", async () => {
  const spec = obj({
    s: attr("s", "string"),
    b: attr("b", "bool"),
    l: attr("l", "list(string)"),
    num: attr("num", "number"),
    st: attr("st", "set(string)"),
    m: attr("m", "map(number)"),
    o: attr("o", "object({x = string, y = bool})"),
    any: attr("any", "any"),
    lm: attr("lm", "list(map(string))"),
  });
  const bytes = await encodeHclConfig(
    `
    s = 5
    b = "true"
    l = [1, 2]
    num = "0.1"
    st = ["a", "b", "a"]
    any = ["a", 1]
    lm { k = 1 }
    `,
    spec,
  );
  assert.deepEqual(decode(bytes), {
    s: "5",
    b: true,
    l: ["1", "2"],
    num: "0.1",
    st: ["a", "b"],
    m: null,
    o: null,
    any: ["a", 1],
    lm: [{ k: "1" }],
  });
  // An object literal in HCL arrives as a one-element list, so object(...) needs JSON input.
  await assertRejects(encodeHclConfig("o = { x = 1, y = false }", spec), "o", /object/);
  assert.deepEqual(
    (decode(encodeJsonConfig({ o: { x: 1, y: "false" } }, spec)) as Record<string, unknown>).o,
    { x: "1", y: false },
  );
});

Deno.test("object literal attributes arrive as one-element lists (jobspec step)", async () => {
  const spec = obj({ labels: attr("labels", "list(map(string))"), m: attr("m", "map(string)") });
  const a = await encodeHclConfig('labels = { a = "b" }', spec);
  const b = await encodeHclConfig('labels {\n a = "b"\n}', spec);
  assert.deepEqual(decode(a), { labels: [{ a: "b" }], m: null });
  assert.deepEqual(a, b);
  // map(string) rejects the HCL form but takes a plain JSON object.
  await assertRejects(encodeHclConfig('m = { a = "b" }', spec), "m", /map\(string\) required/);
  assert.deepEqual(decode(encodeJsonConfig({ m: { a: "b" } }, spec)), {
    labels: null,
    m: { a: "b" },
  });
});

Deno.test("block_attrs takes attribute, block and plain-object forms", async () => {
  const spec = obj({ o: blockAttrs("o", "string") });
  for (const hcl of ['o = { a = "b" }', 'o {\n a = "b"\n}']) {
    assert.deepEqual(decode(await encodeHclConfig(hcl, spec)), { o: { a: "b" } });
  }
  assert.deepEqual(decode(encodeJsonConfig({ o: { a: 1 } }, spec)), { o: { a: "1" } });
  assertDecodeError(() => encodeJsonConfig({ o: [{}, {}] }, spec), "o", /Duplicate o block/);
});

Deno.test("blocks: value, list (min/max), set, map, array, literal, default", async () => {
  const spec = obj({
    one: block("one", obj({ x: attrDefault("x", "string", "dx") })),
    many: blockList("many", obj({ n: attr("n", "string", true) }), 1, 2),
    set: blockSet("set", obj({ v: attr("v", "number") })),
    named: blockMap("named", ["kind", "id"], obj({ v: attr("v", "bool") })),
    tup: array([attr("p", "string"), literal('"lit"')]),
    d: defaulted(attr("d", "list(string)"), literal("[]")),
  });
  const bytes = await encodeHclConfig(
    `
    one {}
    many { n = "a" }
    many { n = "b" }
    set { v = 1 }
    set { v = 1 }
    named "k" "i1" { v = true }
    named "k" "i2" { v = false }
    p = "pv"
    `,
    spec,
  );
  assert.deepEqual(decode(bytes), {
    one: { x: "dx" },
    many: [{ n: "a" }, { n: "b" }],
    set: [{ v: 1 }],
    named: { k: { i1: { v: true }, i2: { v: false } } },
    tup: ["pv", "lit"],
    d: [],
  });
  await assertRejects(encodeHclConfig("p = 1", spec), "many", /Insufficient many blocks/);
  await assertRejects(
    encodeHclConfig('many { n = "a" }\nmany { n = "b" }\nmany { n = "c" }', spec),
    "many",
    /Too many many blocks/,
  );
  await assertRejects(
    encodeHclConfig('many { n = "a" }\none {}\none {}', spec),
    "one",
    /Duplicate one block/,
  );
  await assertRejects(encodeHclConfig("many {}", spec), "many[0].n", /"n" is required/);
});

Deno.test("unknown keys are rejected, naming the key", async () => {
  const spec = obj({ a: attr("a", "string"), b: block("b", obj({ c: attr("c", "string") })) });
  await assertRejects(encodeHclConfig('nope = "x"', spec), "nope", /argument named "nope"/);
  await assertRejects(encodeHclConfig("b {\n zz = 1\n}", spec), "b.zz", /argument named "zz"/);
  assertDecodeError(() => encodeJsonConfig({ extra: 1 }, spec), "extra", /"extra"/);
});

Deno.test("required attributes are enforced", async () => {
  const spec = obj({ image: attr("image", "string", true) });
  await assertRejects(encodeHclConfig("", spec), "image", /Missing required argument/);
});

Deno.test("wrong types are rejected, naming the attribute", async () => {
  const spec = obj({ flag: attr("flag", "bool") });
  await assertRejects(encodeHclConfig('flag = "maybe"', spec), "flag", /a bool is required/);
});

Deno.test("${VAR} interpolation from variables", async () => {
  const spec = obj({ v: attr("v", "list(string)") });
  const vars = { NOMAD_TASK_DIR: "/alloc/t/local", "attr.kernel.name": "linux" };
  const bytes = await encodeHclConfig(
    'v = ["${NOMAD_TASK_DIR}/x", "${attr.kernel.name}", "$${LITERAL}", NOMAD_TASK_DIR]',
    spec,
    { variables: vars },
  );
  assert.deepEqual(decode(bytes), {
    v: ["/alloc/t/local/x", "linux", "${LITERAL}", "/alloc/t/local"],
  });
  await assertRejects(encodeHclConfig('v = ["${NOPE}"]', spec), "v[0]", /no variable named "NOPE"/);
});

Deno.test("HCL syntax errors surface as HclDecodeError", async () => {
  await assertRejects(encodeHclConfig("a = ", obj({ a: attr("a", "string") })), "", /parse error/);
});

Deno.test("decodeJsonConfig keeps exact numbers", () => {
  const v = decodeJsonConfig(
    { x: 12, y: "1e30" },
    obj({ x: attr("x", "number"), y: attr("y", "number") }),
  );
  assert.deepEqual(v, { x: n("12"), y: n("1e30") });
});
