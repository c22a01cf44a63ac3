/**
 * cty-style type conversion of {@link CtyValue}s (the "unsafe" conversions
 * hcldec applies to attributes): number/bool → string, decimal string →
 * number, "true"/"false" → bool, tuple → list/set, object → map/object.
 *
 * @module
 */

import type { CtyType } from "./types.ts";
import { typeToString } from "./types.ts";
import { CtyNumber, type CtyObject, type CtyValue, isCtyObject } from "./value.ts";

/** Thrown when a value cannot be converted to the wanted type. */
export class ConvertError extends Error {
  /** Dotted path of the offending value, relative to the converted value. */
  readonly path: string;
  constructor(path: string, reason: string) {
    super(path === "" ? reason : `${path}: ${reason}`);
    this.name = "ConvertError";
    this.path = path;
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

function describe(v: CtyValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "string";
  if (v instanceof CtyNumber) return "number";
  if (Array.isArray(v)) return "tuple";
  return "object";
}

/**
 * Converts `v` to type `t` like cty's convert package; throws {@link ConvertError}.
 * Longer than 60 lines on purpose: one case per cty type kind, as cty's own
 * conversion table.
 * With `partialObjects`, object attributes missing from `v` are left out
 * instead of failing (used to check literal defaults, which hcldec does not convert).
 */
export function convertValue(
  v: CtyValue,
  t: CtyType,
  path = "",
  partialObjects = false,
): CtyValue {
  const conv = (e: CtyValue, et: CtyType, p: string) => convertValue(e, et, p, partialObjects);
  if (v === null || t.kind === "any") return v;
  switch (t.kind) {
    case "string":
      if (typeof v === "string") return v;
      if (typeof v === "boolean") return v ? "true" : "false";
      if (v instanceof CtyNumber) return v.text;
      throw new ConvertError(path, `string required, got ${describe(v)}`);
    case "number":
      if (v instanceof CtyNumber) return v;
      if (typeof v === "string") {
        const n = CtyNumber.parse(v);
        if (n) return n;
        throw new ConvertError(path, `a number is required, got ${JSON.stringify(v)}`);
      }
      throw new ConvertError(path, `number required, got ${describe(v)}`);
    case "bool":
      if (typeof v === "boolean") return v;
      if (v === "true") return true;
      if (v === "false") return false;
      if (typeof v === "string") {
        throw new ConvertError(path, `a bool is required, got ${JSON.stringify(v)}`);
      }
      throw new ConvertError(path, `bool required, got ${describe(v)}`);
    case "list":
    case "set": {
      if (!Array.isArray(v)) {
        throw new ConvertError(path, `${typeToString(t)} required, got ${describe(v)}`);
      }
      const out = v.map((e, i) => conv(e, t.elem, join(path, i)));
      if (t.kind === "set") {
        const seen = new Set<string>();
        return out.filter((e) => {
          const k = canonicalKey(e);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
      }
      return out;
    }
    case "tuple": {
      if (!Array.isArray(v) || v.length !== t.elems.length) {
        throw new ConvertError(path, `${typeToString(t)} required, got ${describe(v)}`);
      }
      return v.map((e, i) => conv(e, t.elems[i], join(path, i)));
    }
    case "map": {
      if (!isCtyObject(v)) {
        throw new ConvertError(path, `${typeToString(t)} required, got ${describe(v)}`);
      }
      const out: CtyObject = {};
      for (const [k, e] of Object.entries(v)) out[k] = conv(e, t.elem, join(path, k));
      return out;
    }
    case "object": {
      if (!isCtyObject(v)) {
        throw new ConvertError(path, `${typeToString(t)} required, got ${describe(v)}`);
      }
      const out: CtyObject = {};
      for (const [k, at] of Object.entries(t.attrs)) {
        if (!Object.hasOwn(v, k)) {
          if (partialObjects) continue;
          throw new ConvertError(path, `attribute "${k}" is required`);
        }
        out[k] = conv(v[k], at, join(path, k));
      }
      return out;
    }
  }
}

/** A stable text key of a value (for set de-duplication). */
export function canonicalKey(v: CtyValue): string {
  if (v instanceof CtyNumber) return `n:${v.text}`;
  if (Array.isArray(v)) return `[${v.map(canonicalKey).join(",")}]`;
  if (isCtyObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalKey(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
