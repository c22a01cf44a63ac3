/**
 * Checks a {@link Spec} against the rules Nomad's hclspec converter enforces
 * (PROTOCOL.md §5.1), so a bad schema fails our tests instead of the agent.
 *
 * @module
 */

import { convertValue } from "./convert.ts";
import { impliedType } from "./implied_type.ts";
import { evalLiteral } from "./literal.ts";
import { type Spec, specKinds } from "./spec.ts";
import { parseTypeExpr } from "./types.ts";
import type { CtyValue } from "./value.ts";

/** Thrown by {@link validateSpec}; lists every violation found. */
export class SpecError extends Error {
  /** One entry per violation: `path: reason`. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid hclspec:\n  ${problems.join("\n  ")}`);
    this.name = "SpecError";
    this.problems = problems;
  }
}

/** Returns every rule violation in `spec` (empty when it is valid). */
export function specProblems(spec: Spec): string[] {
  const problems: string[] = [];
  walk(spec, "", undefined, problems);
  return problems;
}

/** Throws {@link SpecError} when `spec` breaks a converter rule. */
export function validateSpec(spec: Spec): void {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new SpecError(problems);
}

/** One case per spec block kind (longer than 60 lines on purpose: it mirrors hcldec's spec table). */
function walk(spec: Spec, path: string, implied: string | undefined, out: string[]): void {
  const at = path || "<root>";
  const kinds = specKinds(spec);
  if (kinds.length !== 1) {
    out.push(`${at}: exactly one spec kind must be set, found [${kinds.join(", ")}]`);
    return;
  }
  const needName = (name: string | undefined, kind: string): void => {
    if (!name && !implied) out.push(`${at}: ${kind} has no name and no parent object supplies one`);
  };
  const needType = (type: string | undefined, kind: string): void => {
    if (!type) {
      out.push(`${at}: ${kind} needs a type`);
      return;
    }
    try {
      parseTypeExpr(type);
    } catch (e) {
      out.push(`${at}: ${(e as Error).message}`);
    }
  };
  const needNested = (nested: Spec | undefined, kind: string): void => {
    if (!nested) out.push(`${at}: ${kind} needs a nested spec`);
    else walk(nested, `${path}{}`, undefined, out);
  };

  const s = spec;
  if (s.object) {
    for (const [k, child] of Object.entries(s.object.attributes ?? {})) {
      walk(child, path === "" ? k : `${path}.${k}`, k, out);
    }
  } else if (s.array) {
    (s.array.values ?? []).forEach((child, i) => walk(child, `${path}[${i}]`, undefined, out));
  } else if (s.Attr) {
    needName(s.Attr.name, "Attr");
    needType(s.Attr.type, "Attr");
  } else if (s.block_value) {
    needName(s.block_value.name, "block_value");
    needNested(s.block_value.nested, "block_value");
  } else if (s.block_attrs) {
    needName(s.block_attrs.name, "block_attrs");
    needType(s.block_attrs.type, "block_attrs");
  } else if (s.block_list || s.block_set) {
    const kind = s.block_list ? "block_list" : "block_set";
    const b = s.block_list ?? s.block_set ?? {};
    needName(b.name, kind);
    needNested(b.nested, kind);
    const min = Number(b.min_items ?? 0);
    const max = Number(b.max_items ?? 0);
    if (max > 0 && min > max) out.push(`${at}: ${kind} min_items ${min} > max_items ${max}`);
  } else if (s.block_map) {
    needName(s.block_map.name, "block_map");
    if ((s.block_map.labels ?? []).length === 0) out.push(`${at}: block_map needs a label`);
    needNested(s.block_map.nested, "block_map");
  } else if (s.default) {
    const { primary, default: fallback } = s.default;
    if (!primary) out.push(`${at}: default needs a primary spec`);
    if (!fallback) out.push(`${at}: default needs a default spec`);
    if (primary) walk(primary, `${path}(primary)`, undefined, out);
    if (fallback) walk(fallback, `${path}(default)`, undefined, out);
    if (primary && fallback?.literal) checkDefaultType(primary, fallback, at, out);
  } else if (s.literal) {
    try {
      evalLiteral(s.literal.value ?? "");
    } catch (e) {
      out.push(`${at}: ${(e as Error).message}`);
    }
  }
}

/** A literal default must convert to the primary's type (object literals may omit attributes). */
function checkDefaultType(primary: Spec, fallback: Spec, at: string, out: string[]): void {
  let value: CtyValue;
  try {
    value = evalLiteral(fallback.literal?.value ?? "");
    convertValue(value, impliedType(primary), "", true);
  } catch (e) {
    out.push(`${at}: literal default does not fit the primary spec: ${(e as Error).message}`);
  }
}
