/**
 * Decoding of the cty msgpack Nomad sends (`SetConfigRequest.msgpack_config`,
 * `TaskConfig.msgpack_driver_config`), PROTOCOL.md §5.3.
 *
 * Decoding is schema-driven: the expected type is derived from the same
 * {@link Spec} we hand to Nomad ({@link impliedType}), so unknown keys,
 * wrong types and cty's text-encoded numbers are all handled in one place.
 *
 * @module
 */

import { decode, ExtData } from "@msgpack/msgpack";
import { impliedType } from "../hclspec/mod.ts";
import type { Spec } from "../hclspec/mod.ts";
import type { CtyType } from "../hclspec/mod.ts";
import { typeToString } from "../hclspec/mod.ts";
import { CtyNumber } from "../hclspec/mod.ts";
import { ConfigError } from "./errors.ts";

/** A decoded configuration value: plain JSON-like data. */
export type Plain = null | boolean | number | string | Plain[] | PlainObject;

/** A decoded map or object. */
export interface PlainObject {
  [key: string]: Plain;
}

/** Joins a dotted config path. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Decodes raw msgpack bytes (int64/uint64 as bigint). Empty input decodes to
 * null. Throws {@link ConfigError} (field `<config>`) for malformed msgpack.
 */
export function decodeMsgpackRaw(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  try {
    return decode(bytes, { useBigInt64: true });
  } catch (e) {
    throw new ConfigError("<config>", `${bytes.length} bytes`, `malformed msgpack: ${e}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    !(v instanceof Uint8Array) && !(v instanceof ExtData) && !(v instanceof Date);
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "list";
  if (v instanceof Uint8Array) return "binary";
  if (typeof v === "bigint") return "number";
  if (isRecord(v)) return "map";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function numberFrom(raw: unknown, path: string): number {
  if (typeof raw === "number") return raw;
  if (typeof raw === "bigint") return Number(raw);
  if (typeof raw === "string") {
    // cty writes non-float64-exact numbers as their decimal text.
    if (raw === "+Inf" || raw === "Inf") return Infinity;
    if (raw === "-Inf") return -Infinity;
    const n = CtyNumber.parse(raw);
    if (n) return n.toNumber();
  }
  throw new ConfigError(path, raw, `expected a number, got ${kindOf(raw)}`);
}

/**
 * Converts a raw decoded msgpack value to plain data of type `type`.
 * Throws {@link ConfigError} naming `path` on unknown values, wrong types and
 * unknown object keys.
 */
export function decodeCtyValue(raw: unknown, type: CtyType, path: string): Plain {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) {
    throw new ConfigError(path, `<ext ${raw.type}>`, "value is unknown (cty unknown value)");
  }
  switch (type.kind) {
    case "string":
      if (typeof raw === "string") return raw;
      throw new ConfigError(path, raw, `expected a string, got ${kindOf(raw)}`);
    case "number":
      return numberFrom(raw, path);
    case "bool":
      if (typeof raw === "boolean") return raw;
      throw new ConfigError(path, raw, `expected a bool, got ${kindOf(raw)}`);
    case "any":
      return decodeAny(raw, path);
    case "list":
    case "set":
      if (!Array.isArray(raw)) {
        throw new ConfigError(path, raw, `expected ${typeToString(type)}, got ${kindOf(raw)}`);
      }
      return raw.map((e, i) => decodeCtyValue(e, type.elem, joinPath(path, i)));
    case "tuple":
      if (!Array.isArray(raw) || raw.length !== type.elems.length) {
        throw new ConfigError(path, raw, `expected ${typeToString(type)}, got ${kindOf(raw)}`);
      }
      return raw.map((e, i) => decodeCtyValue(e, type.elems[i], joinPath(path, i)));
    case "map": {
      if (!isRecord(raw)) {
        throw new ConfigError(path, raw, `expected ${typeToString(type)}, got ${kindOf(raw)}`);
      }
      const out: PlainObject = {};
      for (const [k, v] of Object.entries(raw)) {
        out[k] = decodeCtyValue(v, type.elem, joinPath(path, k));
      }
      return out;
    }
    case "object": {
      if (!isRecord(raw)) {
        throw new ConfigError(path || "<config>", raw, `expected a map, got ${kindOf(raw)}`);
      }
      const out: PlainObject = {};
      for (const [k, v] of Object.entries(raw)) {
        if (!Object.hasOwn(type.attrs, k)) {
          throw new ConfigError(joinPath(path, k), v, "unknown option");
        }
      }
      for (const [k, t] of Object.entries(type.attrs)) {
        out[k] = decodeCtyValue(raw[k], t, joinPath(path, k));
      }
      return out;
    }
  }
}

function decodeAny(raw: unknown, path: string): Plain {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) {
    throw new ConfigError(path, `<ext ${raw.type}>`, "value is unknown (cty unknown value)");
  }
  if (typeof raw === "string" || typeof raw === "boolean" || typeof raw === "number") return raw;
  if (typeof raw === "bigint") return Number(raw);
  if (Array.isArray(raw)) return raw.map((e, i) => decodeAny(e, joinPath(path, i)));
  if (isRecord(raw)) {
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(raw)) out[k] = decodeAny(v, joinPath(path, k));
    return out;
  }
  throw new ConfigError(path, raw, `unsupported msgpack value (${kindOf(raw)})`);
}

/**
 * Decodes cty msgpack bytes against the type `spec` implies. The spec must
 * be an `object` spec; the result has every attribute (null when absent).
 * Empty bytes decode to an object of nulls.
 */
export function decodeWithSpec(bytes: Uint8Array, spec: Spec): PlainObject {
  const type = impliedType(spec);
  if (type.kind !== "object") throw new TypeError("decodeWithSpec needs an object spec");
  const raw = decodeMsgpackRaw(bytes);
  const out = decodeCtyValue(raw ?? {}, type, "");
  return out as PlainObject;
}
