/**
 * TEST SIDE: emulates what a Nomad agent does with a plugin's hclspec —
 * parse the operator's HCL, decode it against the Spec like hcldec (defaults,
 * type conversion, required/unknown checks, `${VAR}` interpolation), and
 * serialise the result as cty msgpack (PROTOCOL.md §5).
 *
 * HCL input is the BODY of the `config { ... }` block (its contents, not the
 * block itself). It is parsed with `@cdktf/hcl2json` (HashiCorp's HCL2 parser
 * compiled to wasm: it reads its `main.wasm.gz` from the npm cache, so it
 * needs `--allow-read`), then treated like Nomad's jobspec step: an attribute
 * written as an object literal (`x = { ... }`) becomes a one-element list,
 * and the map is decoded with HCL JSON-syntax semantics.
 *
 * Known limits: numbers pass through the parser's JSON output, so integers
 * beyond 2^53 lose precision; only `${name}` interpolations (no functions or
 * `%{}` directives) are evaluated; set element order is insertion order.
 *
 * @module
 */

import { parse } from "@cdktf/hcl2json";
import { canonicalKey, ConvertError, convertValue } from "../../../src/hclspec/convert.ts";
import { evalLiteral } from "../../../src/hclspec/literal.ts";
import type { Spec } from "../../../src/hclspec/spec.ts";
import { parseTypeExpr } from "../../../src/hclspec/types.ts";
import {
  CtyNumber,
  type CtyObject,
  type CtyValue,
  isCtyObject,
  isFloat64Exact,
} from "../../../src/hclspec/value.ts";

/** A decode failure, as the agent would report it ("Unsupported argument", ...). */
export class HclDecodeError extends Error {
  /** Dotted path of the offending attribute or block (may be "" for the body). */
  readonly field: string;
  constructor(field: string, message: string) {
    super(field === "" ? message : `${field}: ${message}`);
    this.name = "HclDecodeError";
    this.field = field;
  }
}

/** Options of the encoders. */
export interface EncodeOptions {
  /** Variables for `${NAME}` interpolation (Nomad passes the task env). */
  variables?: Record<string, string>;
}

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Parses the contents of a `config { ... }` block, decodes them against
 * `spec` like Nomad, and returns the cty msgpack bytes.
 */
export async function encodeHclConfig(
  hcl: string,
  spec: Spec,
  opts: EncodeOptions = {},
): Promise<Uint8Array> {
  let parsed: Record<string, unknown>;
  try {
    parsed = await parse("config.hcl", `config {\n${hcl}\n}\n`) as Record<string, unknown>;
  } catch (e) {
    throw new HclDecodeError("", `HCL parse error: ${(e as Error).message}`);
  }
  const blocks = parsed.config;
  const body = Array.isArray(blocks) && isJsonObject(blocks[0]) ? blocks[0] : {};
  return encodeJsonConfig(wrapObjectAttributes(body as JsonObject), spec, opts);
}

/**
 * Decodes a JSON-shaped config map (what Nomad holds after its jobspec step,
 * or a job submitted as JSON) against `spec` and returns cty msgpack bytes.
 */
export function encodeJsonConfig(
  value: unknown,
  spec: Spec,
  opts: EncodeOptions = {},
): Uint8Array {
  return encodeCtyMsgpack(decodeJsonConfig(value, spec, opts));
}

/** Like {@link encodeJsonConfig} but returns the decoded cty value. */
export function decodeJsonConfig(value: unknown, spec: Spec, opts: EncodeOptions = {}): CtyValue {
  const body = value ?? {};
  if (!isJsonObject(body)) throw new HclDecodeError("", "config body must be an object");
  return new Decoder(opts.variables ?? {}).body(body, spec, "");
}

/** Jobspec step: `x = { ... }` (a plain object value) becomes `[{ ... }]`; recurse into blocks. */
export function wrapObjectAttributes(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) {
    if (isJsonObject(v)) out[k] = [v];
    else if (Array.isArray(v) && v.length > 0 && v.every(isJsonObject)) {
      out[k] = v.map((b) => wrapObjectAttributes(b as JsonObject));
    } else out[k] = v;
  }
  return out;
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** hcldec over an HCL JSON body. */
class Decoder {
  constructor(readonly vars: Record<string, string>) {}

  /** Decodes a body: rejects properties the spec does not name, then evaluates. */
  body(body: JsonObject, spec: Spec, path: string): CtyValue {
    const schema = new Set<string>();
    collectNames(spec, undefined, schema);
    for (const key of Object.keys(body)) {
      if (key.startsWith("//")) continue; // JSON-syntax comment
      if (!schema.has(key)) {
        throw new HclDecodeError(
          join(path, key),
          `Unsupported argument; An argument named "${key}" is not expected here.`,
        );
      }
    }
    return this.spec(spec, body, undefined, path);
  }

  spec(spec: Spec, body: JsonObject, implied: string | undefined, path: string): CtyValue {
    if (spec.object) {
      const out: CtyObject = {};
      for (const [k, child] of Object.entries(spec.object.attributes ?? {})) {
        out[k] = this.spec(child, body, k, path);
      }
      return out;
    }
    if (spec.array) {
      return (spec.array.values ?? []).map((s) => this.spec(s, body, undefined, path));
    }
    if (spec.default) {
      const { primary, default: fallback } = spec.default;
      if (!primary || !fallback) throw new HclDecodeError(path, "default spec is incomplete");
      const v = this.spec(primary, body, undefined, path);
      return v !== null ? v : this.spec(fallback, body, undefined, path);
    }
    if (spec.literal) return evalLiteral(spec.literal.value ?? "");
    if (spec.Attr) {
      const name = nameOf(spec.Attr.name, implied, path, "Attr");
      const at = join(path, name);
      const raw = body[name];
      if (raw === undefined) {
        if (spec.Attr.required) {
          throw new HclDecodeError(
            at,
            `Missing required argument; The argument "${name}" is required.`,
          );
        }
        return null;
      }
      return this.convert(this.value(raw, at), spec.Attr.type, at);
    }
    if (spec.block_value) {
      const b = spec.block_value;
      const name = nameOf(b.name, implied, path, "block_value");
      const at = join(path, name);
      const blocks = blockBodies(body[name], at);
      if (blocks.length === 0) {
        if (b.required) {
          throw new HclDecodeError(
            at,
            `Missing ${name} block; A block of type "${name}" is required.`,
          );
        }
        return null;
      }
      if (blocks.length > 1) throw new HclDecodeError(at, `Duplicate ${name} block`);
      return this.body(blocks[0], need(b.nested, at), at);
    }
    if (spec.block_list || spec.block_set) {
      const b = (spec.block_list ?? spec.block_set)!;
      const name = nameOf(b.name, implied, path, "block_list");
      const at = join(path, name);
      const blocks = blockBodies(body[name], at);
      const min = Number(b.min_items ?? 0);
      const max = Number(b.max_items ?? 0);
      if (blocks.length < min) throw new HclDecodeError(at, `Insufficient ${name} blocks`);
      if (max > 0 && blocks.length > max) throw new HclDecodeError(at, `Too many ${name} blocks`);
      const out = blocks.map((blk, i) => this.body(blk, need(b.nested, at), join(at, i)));
      if (spec.block_list) return out;
      const seen = new Set<string>();
      return out.filter((v) => !seen.has(canonicalKey(v)) && !!seen.add(canonicalKey(v)));
    }
    if (spec.block_attrs) {
      const b = spec.block_attrs;
      const name = nameOf(b.name, implied, path, "block_attrs");
      const at = join(path, name);
      const blocks = blockBodies(body[name], at);
      if (blocks.length === 0) {
        if (b.required) throw new HclDecodeError(at, `Missing ${name} block`);
        return null;
      }
      if (blocks.length > 1) throw new HclDecodeError(at, `Duplicate ${name} block`);
      const out: CtyObject = {};
      for (const [k, raw] of Object.entries(blocks[0])) {
        out[k] = this.convert(this.value(raw, join(at, k)), b.type, join(at, k));
      }
      return out;
    }
    if (spec.block_map) {
      const b = spec.block_map;
      const name = nameOf(b.name, implied, path, "block_map");
      const at = join(path, name);
      const labels = b.labels ?? [];
      if (labels.length === 0) throw new HclDecodeError(at, "block_map needs labels");
      const raw = body[name];
      if (raw === undefined || raw === null) return {};
      return this.labelLevel(raw, labels.length, need(b.nested, at), at);
    }
    throw new HclDecodeError(path, "empty spec");
  }

  labelLevel(raw: Json, depth: number, nested: Spec, path: string): CtyValue {
    if (depth === 0) {
      const blocks = blockBodies(raw, path);
      if (blocks.length !== 1) throw new HclDecodeError(path, "Duplicate block");
      return this.body(blocks[0], nested, path);
    }
    const levels = Array.isArray(raw) ? raw : [raw];
    const out: CtyObject = {};
    for (const level of levels) {
      if (!isJsonObject(level)) {
        throw new HclDecodeError(
          path,
          "Incorrect JSON value type; a block label object is required",
        );
      }
      for (const [label, v] of Object.entries(level)) {
        if (Object.hasOwn(out, label)) {
          throw new HclDecodeError(join(path, label), "Duplicate block");
        }
        out[label] = this.labelLevel(v, depth - 1, nested, join(path, label));
      }
    }
    return out;
  }

  convert(v: CtyValue, type: string | undefined, path: string): CtyValue {
    if (!type) throw new HclDecodeError(path, "spec has no type");
    try {
      return convertValue(v, parseTypeExpr(type));
    } catch (e) {
      if (e instanceof ConvertError) {
        throw new HclDecodeError(
          e.path ? join(path, e.path) : path,
          `Incorrect attribute value type; ${e.message}`,
        );
      }
      throw e;
    }
  }

  /** A JSON value as an HCL JSON expression: strings are templates. */
  value(raw: Json, path: string): CtyValue {
    if (raw === null || typeof raw === "boolean") return raw;
    if (typeof raw === "number") return CtyNumber.fromNumber(raw);
    if (typeof raw === "bigint") return CtyNumber.fromBigInt(raw);
    if (typeof raw === "string") return this.template(raw, path);
    if (Array.isArray(raw)) return raw.map((e, i) => this.value(e, join(path, i)));
    const out: CtyObject = {};
    for (const [k, v] of Object.entries(raw)) out[k] = this.value(v, join(path, k));
    return out;
  }

  template(s: string, path: string): string {
    let out = "";
    let i = 0;
    while (i < s.length) {
      if (s.startsWith("$${", i) || s.startsWith("%%{", i)) {
        out += s[i] + "{";
        i += 3;
      } else if (s.startsWith("${", i)) {
        const end = s.indexOf("}", i);
        if (end < 0) {
          throw new HclDecodeError(path, `Unterminated template string in ${JSON.stringify(s)}`);
        }
        const expr = s.slice(i + 2, end).replace(/^~|~$/g, "").trim();
        if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(expr)) {
          throw new HclDecodeError(path, `unsupported template expression ${JSON.stringify(expr)}`);
        }
        if (!Object.hasOwn(this.vars, expr)) {
          throw new HclDecodeError(path, `Unknown variable; There is no variable named "${expr}".`);
        }
        out += this.vars[expr];
        i = end + 1;
      } else if (s.startsWith("%{", i)) {
        throw new HclDecodeError(path, "template directives are not supported");
      } else {
        out += s[i++];
      }
    }
    return out;
  }
}

function nameOf(
  name: string | undefined,
  implied: string | undefined,
  path: string,
  kind: string,
): string {
  const n = name || implied;
  if (!n) throw new HclDecodeError(path, `${kind} has no name (Nomad rejects the spec)`);
  return n;
}

function need(nested: Spec | undefined, path: string): Spec {
  if (!nested) throw new HclDecodeError(path, "block spec has no nested spec");
  return nested;
}

/** HCL JSON: a block property holds one body object or an array of them. */
function blockBodies(raw: Json | undefined, path: string): JsonObject[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((b, i) => {
    if (!isJsonObject(b)) {
      throw new HclDecodeError(
        join(path, i),
        "Incorrect JSON value type; a block body object is required",
      );
    }
    return b;
  });
}

/** hcldec ImpliedSchema: the attribute and block names a spec reads from one body. */
function collectNames(spec: Spec, implied: string | undefined, out: Set<string>): void {
  if (spec.object) {
    for (const [k, c] of Object.entries(spec.object.attributes ?? {})) collectNames(c, k, out);
    return;
  }
  if (spec.array) {
    for (const c of spec.array.values ?? []) collectNames(c, undefined, out);
    return;
  }
  if (spec.default) {
    if (spec.default.primary) collectNames(spec.default.primary, undefined, out);
    if (spec.default.default) collectNames(spec.default.default, undefined, out);
    return;
  }
  const named = spec.Attr ?? spec.block_value ?? spec.block_attrs ?? spec.block_list ??
    spec.block_set ?? spec.block_map;
  const n = named?.name || implied;
  if (named && n) out.add(n);
}

// ---------------------------------------------------------------------------
// cty msgpack encoding
// ---------------------------------------------------------------------------

const utf8 = new TextEncoder();

/** Serialises a cty value like `cty/msgpack.Marshal` with the value's own type. */
export function encodeCtyMsgpack(v: CtyValue): Uint8Array {
  const out: number[] = [];
  writeValue(out, v);
  return new Uint8Array(out);
}

function writeBig(out: number[], n: bigint, bytes: number): void {
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((n >> BigInt(i * 8)) & 0xffn));
}

function writeInt(out: number[], n: bigint): void {
  if (n >= 0n) {
    if (n <= 0x7fn) out.push(Number(n));
    else if (n <= 0xffn) out.push(0xcc, Number(n));
    else if (n <= 0xffffn) (out.push(0xcd), writeBig(out, n, 2));
    else if (n <= 0xffffffffn) (out.push(0xce), writeBig(out, n, 4));
    else (out.push(0xcf), writeBig(out, n, 8));
    return;
  }
  const u = (bits: number) => BigInt.asUintN(bits, n);
  if (n >= -32n) out.push(Number(u(8)));
  else if (n >= -128n) out.push(0xd0, Number(u(8)));
  else if (n >= -32768n) (out.push(0xd1), writeBig(out, u(16), 2));
  else if (n >= -2147483648n) (out.push(0xd2), writeBig(out, u(32), 4));
  else (out.push(0xd3), writeBig(out, u(64), 8));
}

function writeFloat64(out: number[], d: number): void {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, d);
  out.push(0xcb);
  for (let i = 0; i < 8; i++) out.push(dv.getUint8(i));
}

function writeString(out: number[], s: string): void {
  const b = utf8.encode(s);
  const n = b.length;
  if (n < 32) out.push(0xa0 | n);
  else if (n <= 0xff) out.push(0xd9, n);
  else if (n <= 0xffff) out.push(0xda, n >> 8, n & 0xff);
  else (out.push(0xdb), writeBig(out, BigInt(n), 4));
  for (const x of b) out.push(x);
}

function writeLength(out: number[], n: number, fix: number, c16: number, c32: number): void {
  if (n < 16) out.push(fix | n);
  else if (n <= 0xffff) out.push(c16, n >> 8, n & 0xff);
  else (out.push(c32), writeBig(out, BigInt(n), 4));
}

function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function writeNumber(out: number[], n: CtyNumber): void {
  if (n.infinity !== undefined) return writeFloat64(out, n.infinity * Infinity);
  if (n.isInteger()) {
    const b = BigInt(n.text);
    if (b >= INT64_MIN && b <= INT64_MAX) return writeInt(out, b);
  }
  if (isFloat64Exact(n)) return writeFloat64(out, n.toNumber());
  writeString(out, n.text);
}

function writeValue(out: number[], v: CtyValue): void {
  if (v === null) out.push(0xc0);
  else if (v === true) out.push(0xc3);
  else if (v === false) out.push(0xc2);
  else if (typeof v === "string") writeString(out, v);
  else if (v instanceof CtyNumber) writeNumber(out, v);
  else if (Array.isArray(v)) {
    writeLength(out, v.length, 0x90, 0xdc, 0xdd);
    for (const e of v) writeValue(out, e);
  } else if (isCtyObject(v)) {
    const keys = Object.keys(v).sort(compareBytes);
    writeLength(out, keys.length, 0x80, 0xde, 0xdf);
    for (const k of keys) {
      writeString(out, k);
      writeValue(out, v[k]);
    }
  }
}
