import assert from "node:assert/strict";
import {
  handshakeLine,
  hasMagicCookie,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
  negotiateProtocolVersion,
} from "./handshake.ts";

Deno.test("hasMagicCookie() accepts only Nomad's cookie", () => {
  assert.equal(
    hasMagicCookie((k) => k === MAGIC_COOKIE_KEY ? MAGIC_COOKIE_VALUE : undefined),
    true,
  );
  assert.equal(hasMagicCookie(() => undefined), false);
  assert.equal(hasMagicCookie(() => "nope"), false);
});

Deno.test("negotiateProtocolVersion() picks 2 from Nomad's offer and rejects others", () => {
  assert.equal(negotiateProtocolVersion("2"), 2);
  assert.equal(negotiateProtocolVersion("1, 2,3"), 2);
  assert.equal(negotiateProtocolVersion(undefined), 2);
  assert.throws(() => negotiateProtocolVersion("1,3"), /PLUGIN_PROTOCOL_VERSIONS="1,3"/);
});

Deno.test("handshakeLine() has six fields and an empty certificate", () => {
  const line = handshakeLine(2, "/tmp/plugin123/plugin.sock");
  assert.equal(line, "1|2|unix|/tmp/plugin123/plugin.sock|grpc|\n");
  assert.equal(line.trimEnd().split("|").length, 6);
});
