import assert from "node:assert/strict";
import { checkLayers, formatViolations } from "../../scripts/check_layers.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "ndp-layers-" });
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
  return root;
}

Deno.test("check_layers: a clean tree passes", async () => {
  const root = await tree({
    "src/common/mod.ts": "export const x = 1;\n",
    "src/podman/mod.ts": 'import { x } from "../common/mod.ts";\nexport const p = x;\n',
    "src/driver/mod.ts": 'export { p } from "../podman/mod.ts";\n',
    "src/driver/inner.ts": 'import { p } from "./mod.ts";\nexport const q = p;\n',
  });
  try {
    assert.deepEqual(await checkLayers(root), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("check_layers: wrong-way, private, non-mod and src→tests imports are listed", async () => {
  const root = await tree({
    "src/driver/mod.ts": "export type T = number;\n",
    "src/driver/types.ts": "export type S = number;\n",
    "src/grpc/mod.ts": "export const g = 1;\n",
    "src/podman/_address.ts": "export const a = 1;\n",
    "src/podman/mod.ts": 'import type { T } from "../driver/mod.ts";\nexport type U = T;\n',
    "src/stats/source.ts": 'import type { S } from "../driver/types.ts";\nexport type V = S;\n',
    "src/driver/start.ts": [
      'import { g } from "../grpc/mod.ts";',
      'import { a } from "../podman/_address.ts";',
      'import { h } from "../../tests/support/mod.ts";',
      "export const s = g + a + h;",
      "",
    ].join("\n"),
    "src/common/mod.ts": 'import { g } from "../grpc/mod.ts";\nexport const c = g;\n',
  });
  try {
    const out = formatViolations(await checkLayers(root));
    const lines = out.split("\n");
    const expect = [
      "src/common/mod.ts:1 → src/grpc/mod.ts (src/common imports no other folder)",
      "src/driver/start.ts:1 → src/grpc/mod.ts (driver must not import grpc",
      "src/driver/start.ts:2 → src/podman/_address.ts (_address.ts is private to src/podman/",
      "src/driver/start.ts:3 → tests/support/mod.ts (non-test files in src/ must not import tests/)",
      "src/podman/mod.ts:1 → src/driver/mod.ts (podman must not import driver",
      "src/stats/source.ts:1 → src/driver/types.ts (stats must not import driver",
      "src/stats/source.ts:1 → src/driver/types.ts (cross-folder import must go through src/driver/mod.ts)",
    ];
    for (const e of expect) {
      assert.ok(lines.some((l) => l.startsWith(e)), `missing "${e}" in:\n${out}`);
    }
    assert.equal(lines.length, expect.length, out);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("check_layers: the script exits 1 and prints the list on a wrong import", async () => {
  const root = await tree({
    "src/driver/mod.ts": "export const d = 1;\n",
    "src/logs/mod.ts": 'import { d } from "../driver/mod.ts";\nexport const l = d;\n',
  });
  try {
    const script = new URL("../../scripts/check_layers.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", `--allow-read=${root}`, script, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.match(stderr, /layer check failed: 1 import\(s\)/);
    assert.match(
      stderr,
      /src\/logs\/mod\.ts:1 → src\/driver\/mod\.ts \(logs must not import driver/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
