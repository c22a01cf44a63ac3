import assert from "node:assert/strict";
import { durationField, parseGoDuration } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import { sizeField } from "./size.ts";
import { checkSecurityOpt, checkUserns, isIpAddress } from "./validators.ts";

Deno.test("Go durations", () => {
  const ok: [string, number][] = [
    ["0", 0],
    ["300ms", 300],
    ["1h2m3.5s", 3_723_500],
    ["5us", 0.005],
    ["5µs", 0.005],
    ["1500ns", 0.0015],
    ["1.5h", 5_400_000],
    [".5s", 500],
    ["-2m", -120_000],
    ["+3s", 3000],
  ];
  for (const [s, ms] of ok) assert.equal(parseGoDuration(s), ms, s);
  for (const s of ["", "5", "5 parsecs", "1d", "s", "1h 2m", "-", "1.2.3s"]) {
    assert.equal(parseGoDuration(s), undefined, s);
  }
  assert.throws(
    () => durationField("x.y", "1d"),
    (e: unknown) => e instanceof ConfigError && e.field === "x.y" && e.message.includes('"1d"'),
  );
});

Deno.test("sizes", () => {
  assert.equal(sizeField("f", "10b"), 10);
  assert.equal(sizeField("f", "2k"), 2048);
  assert.equal(sizeField("f", "2KB"), 2048);
  assert.equal(sizeField("f", "3m"), 3 * 1024 ** 2);
  assert.equal(sizeField("f", "1g"), 1024 ** 3);
  assert.equal(sizeField("f", "1Gb"), 1024 ** 3);
  assert.equal(sizeField("f", "7", { allowBare: true }), 7);
  assert.equal(sizeField("f", "-1", { allowUnlimited: true }), -1);
  for (const bad of ["7", "-1", "12x", "1.5g", "", "g", "1tb"]) {
    assert.throws(
      () => sizeField("memory_swap", bad),
      (e: unknown) =>
        e instanceof ConfigError && e.field === "memory_swap" &&
        e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

Deno.test("ConfigError carries field and value", () => {
  const e = new ConfigError("socket[1].socket_path", "ftp://x", "bad scheme");
  assert.equal(e.field, "socket[1].socket_path");
  assert.equal(e.value, "ftp://x");
  assert.equal(e.name, "ConfigError");
  assert.ok(e instanceof Error);
  assert.match(e.message, /socket\[1\]\.socket_path.*"ftp:\/\/x".*bad scheme/);
  assert.match(new ConfigError("a", undefined, "r").message, /<missing>/);
  assert.match(new ConfigError("a", 5n, "r").message, /= 5:/);
});

Deno.test("validators", () => {
  assert.ok(isIpAddress("10.0.0.1"));
  assert.ok(isIpAddress("::1"));
  assert.ok(!isIpAddress("fe80::1%eth0"));
  assert.ok(!isIpAddress("10.0.0.256"));
  assert.ok(!isIpAddress("10.0.0.0/8"));
  checkSecurityOpt("s", "label:type:svirt_t");
  checkSecurityOpt("s", "unmask=/proc/a:/proc/b");
  assert.throws(() => checkSecurityOpt("s", "no-new-privileges=true"), ConfigError);
  assert.throws(() => checkSecurityOpt("s", "bogus=1"), ConfigError);
  checkUserns("u", "auto:uidmapping=0:1000:1");
  assert.throws(() => checkUserns("u", "auto:uidmapping=0:1000"), ConfigError);
  assert.throws(() => checkUserns("u", "keep-id:size=1"), ConfigError);
});
