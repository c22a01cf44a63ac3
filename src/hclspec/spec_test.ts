import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { PLUGIN_CONFIG_SPEC } from "../config/mod.ts";
import { TASK_CONFIG_SPEC } from "../config/mod.ts";
import {
  attr,
  attrDefault,
  block,
  blockAttrs,
  blockList,
  blockMap,
  defaulted,
  hclSource,
  literal,
  obj,
  type Spec,
} from "./spec.ts";
import { SpecError, specProblems, validateSpec } from "./validate.ts";
import { impliedType } from "./implied_type.ts";
import { T } from "./types.ts";

const PROTO = new URL("../../proto/plugins/shared/hclspec/hcl_spec.proto", import.meta.url);

Deno.test("plugin and task specs obey the converter rules", () => {
  validateSpec(PLUGIN_CONFIG_SPEC);
  validateSpec(TASK_CONFIG_SPEC);
});

Deno.test("builders produce the protobufjs keepCase shape", () => {
  assert.deepEqual(attr("a", "string", true), {
    Attr: { name: "a", type: "string", required: true },
  });
  assert.deepEqual(
    defaulted(attr("enabled", "bool"), literal("true")),
    {
      default: {
        primary: { Attr: { name: "enabled", type: "bool", required: false } },
        default: { literal: { value: "true" } },
      },
    },
  );
  assert.deepEqual(blockList("s", obj({}), 1, 2), {
    block_list: { name: "s", min_items: 1, max_items: 2, nested: { object: { attributes: {} } } },
  });
  assert.deepEqual(blockAttrs("l", "string"), {
    block_attrs: { name: "l", type: "string", required: false },
  });
  assert.deepEqual(block("b", obj({}), true).block_value?.required, true);
  assert.deepEqual(blockMap("m", ["x"], obj({})).block_map?.labels, ["x"]);
});

Deno.test("hclSource writes HCL literal text", () => {
  assert.equal(hclSource(true), "true");
  assert.equal(hclSource(5), "5");
  assert.equal(hclSource("z"), '"z"');
  assert.equal(hclSource("${x}"), '"$${x}"');
  assert.equal(hclSource([]), "[]");
  assert.equal(hclSource({}), "{}");
  assert.equal(hclSource({ a: ["b", 1] }), '{"a" = ["b", 1]}');
  assert.deepEqual(attrDefault("p", "string", "60s").default?.default, {
    literal: { value: '"60s"' },
  });
});

/** Drops protobuf default values so a decoded message compares with the built one. */
function stripDefaults(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(stripDefaults);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) {
      const s = stripDefaults(e);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return v === false || v === 0 || v === "" ? undefined : v;
}

Deno.test("specs round-trip through the real hcl_spec.proto (keepCase)", async () => {
  const root = await new protobuf.Root().load(PROTO.pathname, { keepCase: true });
  const SpecType = root.lookupType("hashicorp.nomad.plugins.shared.hclspec.Spec");
  for (const spec of [PLUGIN_CONFIG_SPEC, TASK_CONFIG_SPEC]) {
    assert.equal(SpecType.verify(spec), null);
    const wire = SpecType.encode(SpecType.fromObject(spec)).finish();
    const back = SpecType.toObject(SpecType.decode(wire), { longs: Number });
    assert.deepEqual(stripDefaults(back), stripDefaults(spec));
  }
});

Deno.test("validateSpec rejects what Nomad's converter rejects", () => {
  const cases: [string, Spec, RegExp][] = [
    [
      "Attr under default without name",
      obj({ x: defaulted({ Attr: { type: "bool" } }, literal("true")) }),
      /x\(primary\): Attr has no name/,
    ],
    ["Attr without type", obj({ x: { Attr: { name: "x" } } }), /x: Attr needs a type/],
    ["Attr with empty type", obj({ x: { Attr: { name: "x", type: "" } } }), /needs a type/],
    ["bad type expression", obj({ x: attr("x", "list(strin)") }), /unknown type "strin"/],
    [
      "block_attrs without type",
      obj({ x: { block_attrs: { name: "x" } } }),
      /block_attrs needs a type/,
    ],
    ["block without nested", obj({ x: { block_value: { name: "x" } } }), /needs a nested spec/],
    ["block_map without labels", obj({ m: blockMap("m", [], obj({})) }), /needs a label/],
    ["two kinds", { Attr: { name: "a", type: "string" }, literal: { value: "1" } }, /exactly one/],
    ["empty spec", obj({ x: {} }), /exactly one/],
    [
      "bad literal",
      obj({ x: defaulted(attr("x", "string"), literal("z")) }),
      /unknown variable "z"/,
    ],
    [
      "literal of the wrong type",
      obj({ x: defaulted(attr("x", "bool"), literal('"maybe"')) }),
      /does not fit/,
    ],
    [
      "array child without name",
      { array: { values: [{ Attr: { type: "string" } }] } },
      /has no name/,
    ],
    [
      "min > max",
      obj({ s: blockList("s", obj({}), 3, 1) }),
      /min_items 3 > max_items 1/,
    ],
  ];
  for (const [what, spec, re] of cases) {
    assert.throws(() => validateSpec(spec), (e: unknown) => {
      assert.ok(e instanceof SpecError, what);
      assert.match(e.message, re, what);
      return true;
    });
  }
  // A name implied by the parent object is fine.
  assert.deepEqual(specProblems(obj({ x: { Attr: { type: "string" } } })), []);
});

Deno.test("impliedType follows hcldec", () => {
  assert.deepEqual(
    impliedType(obj({
      a: attr("a", "list(map(string))"),
      b: block("b", obj({ c: attrDefault("c", "bool", true) })),
      l: blockList("l", obj({ n: attr("n", "number") })),
      m: blockAttrs("m", "number"),
      k: blockMap("k", ["x", "y"], obj({})),
    })),
    T.object({
      a: T.list(T.map(T.string)),
      b: T.object({ c: T.bool }),
      l: T.list(T.object({ n: T.number })),
      m: T.map(T.number),
      k: T.map(T.map(T.object({}))),
    }),
  );
});
