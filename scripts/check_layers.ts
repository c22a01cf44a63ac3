// Layer check (read-only, no network): `deno run --allow-read=. scripts/check_layers.ts [root]`.
//
// Reads every .ts file under <root>/src (default: the current directory) and fails, listing
// `importer:line → imported (rule)`, when an import breaks one of the project's layer rules:
//   - driver must not import grpc; podman, stats and logs must not import driver;
//   - nothing in src/ below the plugin host imports src/plugin (src/main.ts may);
//   - a cross-folder import goes through the other folder's mod.ts (never a `_private.ts`
//     file, never another non-mod.ts file of that folder);
//   - src/common imports no other folder (every folder may import src/common/mod.ts);
//   - non-test files in src/ never import tests/.
// A "folder" is a top-level directory of src/ (src/driver/spec/ belongs to driver). Imports
// inside one folder are free. Generated code (src/grpc/_gen/) is not scanned as an importer.

export interface Violation {
  /** Importing file, relative to the root (forward slashes). */
  readonly file: string;
  readonly line: number;
  /** Imported file, relative to the root. */
  readonly imported: string;
  readonly rule: string;
}

/** Folder pairs (importer → imported) that are forbidden whatever file is imported. */
const FORBIDDEN: ReadonlyArray<readonly [string, string, string]> = [
  ["driver", "grpc", "driver must not import grpc (grpc translates for the driver)"],
  ["podman", "driver", "podman must not import driver (driver uses podman)"],
  ["stats", "driver", "stats must not import driver (driver uses stats)"],
  ["logs", "driver", "logs must not import driver (driver uses logs)"],
];

const IMPORT_RE =
  /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|^\s*export\s+\*\s+from\s*)["']([^"']+)["']/gm;

function isTestFile(path: string): boolean {
  return path.endsWith("_test.ts");
}

/** Normalises `a/b/../c/./d` to `a/c/d`; returns null when the path leaves the root. */
function normalise(path: string): string | null {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return null;
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join("/");
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** The top-level src folder of a root-relative path ("" for src/main.ts), or null if not in src. */
function srcFolder(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "src") return null;
  return parts.length > 2 ? parts[1] : "";
}

/** Every import specifier of a source text with its 1-based line. */
export function importsOf(text: string): Array<{ spec: string; line: number }> {
  const found: Array<{ spec: string; line: number }> = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1];
    const at = (m.index ?? 0) + m[0].lastIndexOf(spec);
    const line = text.slice(0, at).split("\n").length;
    found.push({ spec, line });
  }
  return found;
}

/** The rules for one import (file and imported are root-relative); empty when it is fine. */
export function checkImport(file: string, imported: string): string[] {
  const from = srcFolder(file);
  if (from === null) return [];
  const broken: string[] = [];
  if (imported.startsWith("tests/") && !isTestFile(file)) {
    broken.push("non-test files in src/ must not import tests/");
  }
  const to = srcFolder(imported);
  if (to === null || to === from) return broken;
  const base = imported.slice(imported.lastIndexOf("/") + 1);
  if (from === "common" && to !== "") {
    broken.push("src/common imports no other folder");
  }
  for (const [a, b, rule] of FORBIDDEN) {
    if (from === a && to === b) broken.push(rule);
  }
  if (to === "plugin" && from !== "") {
    broken.push("only src/main.ts imports src/plugin (nothing below the plugin host does)");
  }
  if (to !== "") {
    const isMod = imported === `src/${to}/mod.ts`;
    if (base.startsWith("_")) {
      broken.push(`${base} is private to src/${to}/ (import src/${to}/mod.ts)`);
    } else if (!isMod) {
      broken.push(`cross-folder import must go through src/${to}/mod.ts`);
    }
  }
  return broken;
}

async function* walk(dir: string, rel: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const childRel = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory) {
      if (childRel === "src/grpc/_gen") continue;
      yield* walk(`${dir}/${e.name}`, childRel);
    } else if (e.isFile && e.name.endsWith(".ts")) {
      yield childRel;
    }
  }
}

/** Checks every .ts file under <root>/src; returns the violations, sorted by file and line. */
export async function checkLayers(root: string): Promise<Violation[]> {
  const violations: Violation[] = [];
  for await (const file of walk(`${root}/src`, "src")) {
    const text = await Deno.readTextFile(`${root}/${file}`);
    for (const { spec, line } of importsOf(text)) {
      if (!spec.startsWith(".")) continue; // npm:, node:, bare import-map names
      const imported = normalise(`${dirname(file)}/${spec}`);
      if (imported === null) continue;
      for (const rule of checkImport(file, imported)) {
        violations.push({ file, line, imported, rule });
      }
    }
  }
  return violations;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line} → ${v.imported} (${v.rule})`).join("\n");
}

if (import.meta.main) {
  const root = Deno.args[0] ?? ".";
  const violations = await checkLayers(root);
  const text = violations.length > 0
    ? `layer check failed: ${violations.length} import(s) break a layer rule\n${
      formatViolations(violations)
    }\n`
    : "layer check: ok\n";
  const out = violations.length > 0 ? Deno.stderr : Deno.stdout;
  await out.write(new TextEncoder().encode(text));
  if (violations.length > 0) Deno.exit(1);
}
