/**
 * Memory size options (`memory_reservation`, `memory_swap`, `shm_size`).
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

const UNIT_BYTES: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** Options of {@link sizeField}. */
export interface SizeOptions {
  /** Accept `-1` (unlimited), returned as -1. */
  allowUnlimited?: boolean;
  /** Accept a bare integer as bytes (otherwise a unit is required). */
  allowBare?: boolean;
}

/**
 * Parses `<int><unit>` (units b, k, m, g, kb, mb, gb; case-insensitive) into
 * bytes; throws {@link ConfigError} naming `field` and the text.
 */
export function sizeField(field: string, text: string, opts: SizeOptions = {}): number {
  const t = text.trim();
  if (opts.allowUnlimited && t === "-1") return -1;
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(t);
  const unit = m?.[2].toLowerCase();
  if (!m || unit === undefined || !(unit in UNIT_BYTES) || (unit === "" && !opts.allowBare)) {
    const forms = `<integer><unit> with unit b, k, m or g${opts.allowBare ? ", bare bytes" : ""}${
      opts.allowUnlimited ? ", or -1 for unlimited" : ""
    }`;
    throw new ConfigError(field, text, `not a size (${forms})`);
  }
  const bytes = Number(m[1]) * UNIT_BYTES[unit];
  if (!Number.isSafeInteger(bytes)) throw new ConfigError(field, text, "size is too large");
  return bytes;
}
