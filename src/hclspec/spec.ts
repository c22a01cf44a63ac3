/**
 * hclspec `Spec` messages (`hashicorp.nomad.plugins.shared.hclspec.Spec`) and
 * builders for them.
 *
 * The interfaces mirror exactly what protobufjs produces/accepts for that
 * message with `keepCase: true`: the oneof members are optional properties
 * named as in the .proto (`object`, `array`, `Attr` (capitalised),
 * `block_value`, `block_attrs`, `block_list`, `block_set`, `block_map`,
 * `default`, `literal`), and exactly one of them is set on a valid Spec.
 *
 * The builders obey the converter rules of PROTOCOL.md §5.1: every `Attr`
 * and block carries its own `name` (so it also works under `default`),
 * `Attr`/`block_attrs` always have a `type`, and literals are HCL
 * expression source text.
 *
 * @module
 */

/** `Attr` (field 3): an attribute `name = value`, converted to `type`. */
export interface AttrSpec {
  name?: string;
  /** HCL type expression: `string`, `number`, `bool`, `any`, `list(T)`, ... */
  type?: string;
  required?: boolean;
}

/** `block_value` (field 4): at most one `name { ... }` block. */
export interface BlockSpec {
  name?: string;
  required?: boolean;
  nested?: Spec;
}

/** `block_attrs` (field 5): one block of free-form attributes → map(type). */
export interface BlockAttrsSpec {
  name?: string;
  type?: string;
  required?: boolean;
}

/** `block_list` (field 6) and `block_set` (field 7): repeated blocks. */
export interface BlockListSpec {
  name?: string;
  /** uint64 on the wire; protobufjs may hand back a Long-like object on decode. */
  min_items?: number;
  max_items?: number;
  nested?: Spec;
}

/** `block_set` has the same fields as `block_list`. */
export type BlockSetSpec = BlockListSpec;

/** `block_map` (field 8): labelled blocks, one map level per label. */
export interface BlockMapSpec {
  name?: string;
  labels?: string[];
  nested?: Spec;
}

/** `default` (field 9): `primary`, or `default` when primary is null. */
export interface DefaultSpec {
  primary?: Spec;
  default?: Spec;
}

/** `literal` (field 10): HCL expression source text, e.g. `"true"`, `"\"z\""`. */
export interface LiteralSpec {
  value?: string;
}

/** `object` (field 1): map key = output property name and implied HCL name. */
export interface ObjectSpec {
  attributes?: Record<string, Spec>;
}

/** `array` (field 2): tuple of nested results. */
export interface ArraySpec {
  values?: Spec[];
}

/** One hclspec node: exactly one of these properties is set. */
export interface Spec {
  object?: ObjectSpec;
  array?: ArraySpec;
  Attr?: AttrSpec;
  block_value?: BlockSpec;
  block_attrs?: BlockAttrsSpec;
  block_list?: BlockListSpec;
  block_set?: BlockSetSpec;
  block_map?: BlockMapSpec;
  default?: DefaultSpec;
  literal?: LiteralSpec;
}

/** The oneof member names of {@link Spec}, in field-number order. */
export const SPEC_KINDS = [
  "object",
  "array",
  "Attr",
  "block_value",
  "block_attrs",
  "block_list",
  "block_set",
  "block_map",
  "default",
  "literal",
] as const;

/** One of {@link SPEC_KINDS}. */
export type SpecKind = typeof SPEC_KINDS[number];

/** Returns which oneof members are set (a valid Spec has exactly one). */
export function specKinds(spec: Spec): SpecKind[] {
  return SPEC_KINDS.filter((k) => spec[k] !== undefined && spec[k] !== null);
}

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

/** `object`: the keys are the output names and the implied HCL names. */
export function obj(attributes: Record<string, Spec>): Spec {
  return { object: { attributes } };
}

/** `array`: a tuple of the nested results. */
export function array(values: Spec[]): Spec {
  return { array: { values } };
}

/** `Attr` with its own name (always set, so it is valid under `default`). */
export function attr(name: string, type: string, required = false): Spec {
  return { Attr: { name, type, required } };
}

/** `block_value`: at most one `name { ... }` block decoded with `nested`. */
export function block(name: string, nested: Spec, required = false): Spec {
  return { block_value: { name, required, nested } };
}

/** `block_attrs`: one `name { k = v }` block whose attributes form a map(type). */
export function blockAttrs(name: string, type: string, required = false): Spec {
  return { block_attrs: { name, type, required } };
}

/** `block_list`: repeated `name { }` blocks. `maxItems` 0 means unlimited. */
export function blockList(name: string, nested: Spec, minItems = 0, maxItems = 0): Spec {
  return { block_list: { name, min_items: minItems, max_items: maxItems, nested } };
}

/** `block_set`: repeated, de-duplicated blocks. */
export function blockSet(name: string, nested: Spec, minItems = 0, maxItems = 0): Spec {
  return { block_set: { name, min_items: minItems, max_items: maxItems, nested } };
}

/** `block_map`: labelled blocks `name "l1" "l2" { }`. */
export function blockMap(name: string, labels: string[], nested: Spec): Spec {
  return { block_map: { name, labels, nested } };
}

/** `default`: `primary`, or `fallback` when primary yields null. */
export function defaulted(primary: Spec, fallback: Spec): Spec {
  return { default: { primary, default: fallback } };
}

/** `literal`: HCL expression source text (`"true"`, `"5"`, `"\"z\""`, `"[]"`, `"{}"`). */
export function literal(source: string): Spec {
  return { literal: { value: source } };
}

/** HCL source text of a JS value (string, number, boolean, array, plain object). */
export function hclSource(value: HclLiteralInput): string {
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/([$%])\{/g, (_m, c: string) => `${c}${c}{`);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`hclSource: ${value} has no HCL literal`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(hclSource).join(", ")}]`;
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)} = ${hclSource(v)}`);
  return `{${parts.join(", ")}}`;
}

/** Values {@link hclSource} can write as an HCL literal. */
export type HclLiteralInput =
  | string
  | number
  | boolean
  | null
  | HclLiteralInput[]
  | { [key: string]: HclLiteralInput };

/** `Attr` of `type` with a literal default given as a JS value. */
export function attrDefault(name: string, type: string, value: HclLiteralInput): Spec {
  return defaulted(attr(name, type), literal(hclSource(value)));
}
