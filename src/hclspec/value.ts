/**
 * A minimal cty value model: what an evaluated HCL expression or a decoded
 * hclspec yields before it is msgpack-encoded. Numbers are kept as exact
 * decimal text, like cty's arbitrary-precision numbers.
 *
 * @module
 */

/** An arbitrary-precision cty number, held as normalised decimal text (`-12.5`, `1000`). */
export class CtyNumber {
  /** Normalised plain decimal text: no exponent, no leading/trailing zeros, `0` for zero. */
  readonly text: string;
  /** `+Inf` / `-Inf` for infinities, else undefined. */
  readonly infinity: 1 | -1 | undefined;

  private constructor(text: string, infinity?: 1 | -1) {
    this.text = text;
    this.infinity = infinity;
  }

  /** From decimal source text (`12`, `-0.5`, `1e30`); undefined when it is not a number. */
  static parse(text: string): CtyNumber | undefined {
    const norm = normalizeDecimal(text);
    return norm === undefined ? undefined : new CtyNumber(norm);
  }

  /** From a JS number, using its shortest round-trip text (what a JSON parser saw). */
  static fromNumber(n: number): CtyNumber {
    if (n === Infinity) return new CtyNumber("+Inf", 1);
    if (n === -Infinity) return new CtyNumber("-Inf", -1);
    if (Number.isNaN(n)) throw new RangeError("NaN is not a cty number");
    return new CtyNumber(normalizeDecimal(String(n)) as string);
  }

  /** From a bigint. */
  static fromBigInt(n: bigint): CtyNumber {
    return new CtyNumber(n.toString());
  }

  /** Nearest JS number. */
  toNumber(): number {
    if (this.infinity !== undefined) return this.infinity * Infinity;
    return Number(this.text);
  }

  /** True when the value has no fractional part. */
  isInteger(): boolean {
    return this.infinity === undefined && !this.text.includes(".");
  }
}

/** A cty value: null, bool, string, number, list/set/tuple (array) or map/object (record). */
export type CtyValue = null | boolean | string | CtyNumber | CtyValue[] | CtyObject;

/** A cty map or object value. */
export interface CtyObject {
  [key: string]: CtyValue;
}

/** True for a map/object value (a plain record). */
export function isCtyObject(v: CtyValue): v is CtyObject {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof CtyNumber);
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const MAX_EXPONENT = 100_000;

/**
 * Normalises decimal text (with optional fraction and exponent) into plain
 * decimal notation, like Go's `big.Float.Text('f', -1)` on an exact value.
 * Returns undefined when `text` is not a decimal number.
 */
export function normalizeDecimal(text: string): string | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign, intPart, fracPart = "", expPart] = m;
  if (intPart === "" && fracPart === "") return undefined;
  let exp = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isFinite(exp) || Math.abs(exp) > MAX_EXPONENT) return undefined;
  let digits = (intPart + fracPart).replace(/^0+/, "");
  exp -= fracPart.length;
  if (digits === "") return "0";
  while (digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    exp++;
  }
  let out: string;
  if (exp >= 0) {
    out = digits + "0".repeat(exp);
  } else {
    const point = digits.length + exp;
    out = point > 0
      ? `${digits.slice(0, point)}.${digits.slice(point)}`
      : `0.${"0".repeat(-point)}${digits}`;
  }
  return sign === "-" ? `-${out}` : out;
}

/** The exact decimal expansion of a finite float64, normalised like {@link normalizeDecimal}. */
export function exactDecimalOfDouble(d: number): string {
  if (!Number.isFinite(d)) throw new RangeError(`${d} has no decimal expansion`);
  if (d === 0) return "0";
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, d);
  const bits = buf.getBigUint64(0);
  const neg = (bits >> 63n) === 1n;
  const rawExp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp2: number;
  if (rawExp === 0) {
    exp2 = -1074;
  } else {
    mant |= 1n << 52n;
    exp2 = rawExp - 1075;
  }
  let text: string;
  if (exp2 >= 0) {
    text = (mant << BigInt(exp2)).toString();
  } else {
    // mant / 2^k == mant * 5^k / 10^k
    const k = -exp2;
    const scaled = (mant * 5n ** BigInt(k)).toString();
    text = `${scaled}e-${k}`;
  }
  const norm = normalizeDecimal(text) as string;
  return neg ? `-${norm}` : norm;
}

/** True when the decimal value is exactly representable as a float64. */
export function isFloat64Exact(n: CtyNumber): boolean {
  if (n.infinity !== undefined) return true;
  const d = Number(n.text);
  if (!Number.isFinite(d)) return false;
  return exactDecimalOfDouble(d) === n.text;
}
