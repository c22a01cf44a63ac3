/** Config decoding under hostile input (issue 5 fuzz findings). */
import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { ConfigError } from "./errors.ts";
import { durationField, MAX_DURATION_MS } from "./duration.ts";
import { decodePluginConfig } from "./plugin_config.ts";
import { decodeTaskConfig, MAX_ARG_BYTES } from "./task_config.ts";

Deno.test("ConfigError clips a 1 MB value and a 1 MB key to a short message", () => {
  const e = new ConfigError("k".repeat(1 << 20), "v".repeat(1 << 20), "unknown option");
  assert.ok(e.message.length < 1000, `message is ${e.message.length} chars`);
  assert.match(e.message, /\(1048578 chars\)/);
  assert.match(e.message, /\(1048576 chars\)/);
});

Deno.test("ConfigError escapes control characters and lone surrogates in the field", () => {
  const e = new ConfigError("gc\u0000\ud800", 1, "unknown option");
  assert.ok(e.message.isWellFormed());
  assert.match(e.message, /gc\\u0000/);
});

Deno.test("durations: zero refused where a timer must tick, too long refused everywhere", () => {
  assert.equal(durationField("x", "0s"), 0);
  assert.throws(() => durationField("x", "0s", { positive: true }), /x.*positive/);
  assert.throws(() => durationField("x", "600h"), /too long/);
  assert.equal(durationField("x", "596h"), 596 * 3_600_000);
  assert.ok(596 * 3_600_000 <= MAX_DURATION_MS);
  assert.throws(() => durationField("x", "9".repeat(400) + "h"), ConfigError);
  assert.throws(
    () => decodePluginConfig(encode({ client_http_timeout: "0s" }), { uid: 0 }),
    /client_http_timeout/,
  );
  assert.throws(
    () => decodePluginConfig(encode({ dangling_containers: { period: "0s" } }), { uid: 0 }),
    /dangling_containers\.period/,
  );
});

Deno.test("exec arguments beyond Linux MAX_ARG_STRLEN are refused (runc create hangs on them)", () => {
  const big = "x".repeat(MAX_ARG_BYTES);
  assert.throws(() => decodeTaskConfig(encode({ image: "i", command: big })), /command/);
  assert.throws(() => decodeTaskConfig(encode({ image: "i", args: ["a", big] })), /args\[1\]/);
  assert.throws(
    () => decodeTaskConfig(encode({ image: "i", entrypoint: [big] })),
    /entrypoint\[0\]/,
  );
  const many = Array.from({ length: 10 }, () => "y".repeat(120_000));
  assert.throws(() => decodeTaskConfig(encode({ image: "i", args: many })), /args/);
  assert.equal(
    decodeTaskConfig(encode({ image: "i", command: "x".repeat(1000) })).command.length,
    1000,
  );
});
