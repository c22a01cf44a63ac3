/**
 * Typed access to a decoded config object, with dotted-path error reporting.
 *
 * @module
 */

import { joinPath, type Plain, type PlainObject } from "./cty_msgpack.ts";
import { ConfigError } from "./errors.ts";

function isObject(v: Plain): v is PlainObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A decoded object plus its path, with typed getters that throw {@link ConfigError}. */
export class Fields {
  constructor(readonly obj: PlainObject, readonly path: string) {}

  /** Dotted path of `key` below this object. */
  at(key: string | number): string {
    return joinPath(this.path, key);
  }

  /** The raw value (null when absent). */
  raw(key: string): Plain {
    return this.obj[key] ?? null;
  }

  /** A string option, or undefined when null. */
  str(key: string): string | undefined {
    const v = this.raw(key);
    if (v === null) return undefined;
    if (typeof v !== "string") throw new ConfigError(this.at(key), v, "expected a string");
    return v;
  }

  /** A bool option, or undefined when null. */
  bool(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === null) return undefined;
    if (typeof v !== "boolean") throw new ConfigError(this.at(key), v, "expected a bool");
    return v;
  }

  /** A whole-number option, or undefined when null. */
  int(key: string): number | undefined {
    const v = this.raw(key);
    if (v === null) return undefined;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) {
      throw new ConfigError(this.at(key), v, "expected a whole number");
    }
    return v;
  }

  /** A whole-number option within [min, max], or undefined when null. */
  intIn(key: string, min: number, max: number): number | undefined {
    const v = this.int(key);
    if (v !== undefined && (v < min || v > max)) {
      throw new ConfigError(this.at(key), v, `must be between ${min} and ${max}`);
    }
    return v;
  }

  /** A list of strings; null → []. */
  strList(key: string): string[] {
    const v = this.raw(key);
    if (v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(this.at(key), v, "expected a list of strings");
    return v.map((e, i) => {
      if (typeof e !== "string") {
        throw new ConfigError(this.at(key) + `[${i}]`, e, "expected a string");
      }
      return e;
    });
  }

  /** A nested object (block), or undefined when null. */
  sub(key: string): Fields | undefined {
    const v = this.raw(key);
    if (v === null) return undefined;
    if (!isObject(v)) throw new ConfigError(this.at(key), v, "expected a block");
    return new Fields(v, this.at(key));
  }

  /** A list of nested objects (block list); null → []. */
  subList(key: string): Fields[] {
    const v = this.raw(key);
    if (v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(this.at(key), v, "expected a list of blocks");
    return v.map((e, i) => {
      const p = `${this.at(key)}[${i}]`;
      if (!isObject(e)) throw new ConfigError(p, e, "expected a block");
      return new Fields(e, p);
    });
  }

  /**
   * A map option declared as `list(map(T))` (or `map(T)`/`block_attrs`): the
   * list's maps are merged, later keys win. null → {}.
   */
  mergedMap<V>(key: string, elem: (v: Plain, path: string) => V): Record<string, V> {
    const v = this.raw(key);
    const out: Record<string, V> = {};
    if (v === null) return out;
    const maps = Array.isArray(v) ? v : [v];
    maps.forEach((m, i) => {
      const p = Array.isArray(v) ? `${this.at(key)}[${i}]` : this.at(key);
      if (m === null) return;
      if (!isObject(m)) throw new ConfigError(p, m, "expected a map");
      for (const [k, e] of Object.entries(m)) {
        if (e === null) continue;
        out[k] = elem(e, joinPath(this.at(key), k));
      }
    });
    return out;
  }
}

/** Element reader for {@link Fields.mergedMap}: strings. */
export function asString(v: Plain, path: string): string {
  if (typeof v !== "string") throw new ConfigError(path, v, "expected a string");
  return v;
}
