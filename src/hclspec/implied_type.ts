/**
 * The type a spec decodes to (hcldec's `ImpliedType`), used to decode the
 * cty msgpack Nomad sends back without hand-writing a second schema.
 *
 * @module
 */

import { evalLiteral } from "./literal.ts";
import type { Spec } from "./spec.ts";
import { type CtyType, parseTypeExpr, T } from "./types.ts";
import { CtyNumber, type CtyValue, isCtyObject } from "./value.ts";

/** Thrown for a spec node whose type cannot be derived. */
export class SpecTypeError extends Error {
  /** Dotted path of the spec node. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super(`spec ${path || "<root>"}: ${reason}`);
    this.name = "SpecTypeError";
    this.path = path;
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** The type of a literal value (cty's own type of it). */
export function typeOfValue(v: CtyValue): CtyType {
  if (v === null) return T.any;
  if (typeof v === "boolean") return T.bool;
  if (typeof v === "string") return T.string;
  if (v instanceof CtyNumber) return T.number;
  if (Array.isArray(v)) return T.tuple(v.map(typeOfValue));
  if (isCtyObject(v)) {
    const attrs: Record<string, CtyType> = {};
    for (const [k, e] of Object.entries(v)) attrs[k] = typeOfValue(e);
    return T.object(attrs);
  }
  return T.any;
}

/** Derives the result type of `spec` (block_value → object, block_list → list, ...). */
export function impliedType(spec: Spec, path = ""): CtyType {
  if (spec.object) {
    const attrs: Record<string, CtyType> = {};
    for (const [k, s] of Object.entries(spec.object.attributes ?? {})) {
      attrs[k] = impliedType(s, join(path, k));
    }
    return T.object(attrs);
  }
  if (spec.array) {
    return T.tuple((spec.array.values ?? []).map((s, i) => impliedType(s, `${path}[${i}]`)));
  }
  if (spec.Attr) return parseType(spec.Attr.type, path);
  if (spec.block_value) return nested(spec.block_value.nested, path);
  if (spec.block_attrs) return T.map(parseType(spec.block_attrs.type, path));
  if (spec.block_list) return T.list(nested(spec.block_list.nested, path));
  if (spec.block_set) return T.set(nested(spec.block_set.nested, path));
  if (spec.block_map) {
    let t = nested(spec.block_map.nested, path);
    for (let i = 0; i < (spec.block_map.labels ?? []).length; i++) t = T.map(t);
    return t;
  }
  if (spec.default) {
    if (!spec.default.primary) throw new SpecTypeError(path, "default without primary");
    return impliedType(spec.default.primary, path);
  }
  if (spec.literal) return typeOfValue(evalLiteral(spec.literal.value ?? ""));
  throw new SpecTypeError(path, "empty spec (no oneof member set)");
}

function nested(spec: Spec | undefined, path: string): CtyType {
  if (!spec) throw new SpecTypeError(path, "block without nested spec");
  return impliedType(spec, path);
}

function parseType(type: string | undefined, path: string): CtyType {
  if (!type) throw new SpecTypeError(path, "missing type");
  return parseTypeExpr(type);
}
