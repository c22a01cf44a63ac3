import assert from "node:assert/strict";
import { evalLiteral, LiteralError } from "./literal.ts";
import { convertValue } from "./convert.ts";
import { parseTypeExpr, T, TypeExprError, typeToString } from "./types.ts";
import { CtyNumber, exactDecimalOfDouble, isFloat64Exact, normalizeDecimal } from "./value.ts";

const num = (s: string) => CtyNumber.parse(s) as CtyNumber;

Deno.test("normalizeDecimal writes plain decimal text", () => {
  assert.equal(normalizeDecimal("1e30"), "1" + "0".repeat(30));
  assert.equal(normalizeDecimal("0.100"), "0.1");
  assert.equal(normalizeDecimal("-012.50"), "-12.5");
  assert.equal(normalizeDecimal("1.5e-3"), "0.0015");
  assert.equal(normalizeDecimal("-0"), "0");
  assert.equal(normalizeDecimal("1e+29"), "1" + "0".repeat(29));
  assert.equal(normalizeDecimal("abc"), undefined);
  assert.equal(normalizeDecimal("."), undefined);
  assert.equal(normalizeDecimal(""), undefined);
});

Deno.test("float64 exactness", () => {
  assert.equal(exactDecimalOfDouble(1.5), "1.5");
  assert.equal(
    exactDecimalOfDouble(0.1),
    "0.1000000000000000055511151231257827021181583404541015625",
  );
  assert.ok(isFloat64Exact(num("1.5")));
  assert.ok(isFloat64Exact(num("-0.25")));
  assert.ok(!isFloat64Exact(num("0.1")));
  assert.ok(!isFloat64Exact(num("1e30")));
  assert.ok(isFloat64Exact(num("1e22")));
});

Deno.test("type expressions parse", () => {
  for (const s of ["string", "number", "bool", "any", "list(map(string))", "set(number)"]) {
    assert.equal(typeToString(parseTypeExpr(s)), s);
  }
  assert.deepEqual(
    parseTypeExpr("object({a = string, b = list(number)})"),
    T.object({ a: T.string, b: T.list(T.number) }),
  );
  assert.deepEqual(parseTypeExpr("tuple([string, bool])"), T.tuple([T.string, T.bool]));
  assert.throws(() => parseTypeExpr("list(string"), TypeExprError);
  assert.throws(() => parseTypeExpr("map"), TypeExprError);
  assert.throws(() => parseTypeExpr(""), TypeExprError);
});

Deno.test("literals evaluate like HCL expressions", () => {
  assert.equal(evalLiteral("true"), true);
  assert.equal(evalLiteral(" null "), null);
  assert.deepEqual(evalLiteral("5"), num("5"));
  assert.deepEqual(evalLiteral("-1.5"), num("-1.5"));
  assert.equal(evalLiteral('"z"'), "z");
  assert.equal(evalLiteral('"a\\n\\"b\\" $${x}"'), 'a\n"b" ${x}');
  assert.deepEqual(evalLiteral("[]"), []);
  assert.deepEqual(evalLiteral("{}"), {});
  assert.deepEqual(evalLiteral('["a", "b",]'), ["a", "b"]);
  assert.deepEqual(evalLiteral('{\n enabled = true\n "x.y": 1\n}'), {
    enabled: true,
    "x.y": num("1"),
  });
  for (const bad of ["z", '"${x}"', "max(1, 2)", "[1", '"open', "{a 1}", ""]) {
    assert.throws(() => evalLiteral(bad), LiteralError, bad);
  }
});

Deno.test("cty conversions", () => {
  assert.deepEqual(convertValue([num("1"), num("2")], T.list(T.string)), ["1", "2"]);
  assert.equal(convertValue("true", T.bool), true);
  assert.equal(convertValue(true, T.string), "true");
  assert.equal(convertValue(num("1e3"), T.string), "1000");
  assert.deepEqual(convertValue("12", T.number), num("12"));
  assert.deepEqual(convertValue([{ a: num("1") }], T.list(T.map(T.string))), [{ a: "1" }]);
  assert.deepEqual(convertValue(["a", "a", "b"], T.set(T.string)), ["a", "b"]);
  assert.equal(convertValue(null, T.string), null);
  assert.throws(() => convertValue("maybe", T.bool), /a bool is required/);
  assert.throws(() => convertValue("x", T.number), /a number is required/);
  assert.throws(() => convertValue({ a: "b" }, T.list(T.map(T.string))), /required/);
  assert.throws(() => convertValue(["a", ["b"]], T.list(T.string)), /\[1\]: string required/);
});
