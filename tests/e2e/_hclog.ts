/** Checks that a plugin's stderr lines are hclog JSON objects Nomad can parse. */
import assert from "node:assert/strict";

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const LEVELS = new Set(["trace", "debug", "info", "warn", "error"]);

/** Asserts every line is one hclog JSON object with string @level/@message/@timestamp. */
export function assertHclogLines(lines: string[]): void {
  for (const line of lines) {
    if (line.trim() === "") continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      assert.fail(`stderr line is not JSON: ${line}`);
    }
    assert.ok(
      entry !== null && typeof entry === "object" && !Array.isArray(entry),
      `not an object: ${line}`,
    );
    const e = entry as Record<string, unknown>;
    assert.equal(typeof e["@level"], "string", `@level: ${line}`);
    assert.ok(LEVELS.has(String(e["@level"])), `@level value: ${line}`);
    assert.equal(typeof e["@message"], "string", `@message: ${line}`);
    assert.equal(typeof e["@module"], "string", `@module: ${line}`);
    assert.match(String(e["@timestamp"]), TIMESTAMP, `@timestamp: ${line}`);
  }
}
