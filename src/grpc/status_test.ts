/** gRPC status mapping of hostile-input errors. */
import assert from "node:assert/strict";
import { MAX_STATUS_MESSAGE, statusMessage, toGrpcError } from "./status.ts";
import { DriverStateError } from "../driver/mod.ts";

Deno.test("status messages are clipped and well-formed (grpc-js throws on lone surrogates)", () => {
  const long = statusMessage("z".repeat(1 << 20));
  assert.ok(long.length < MAX_STATUS_MESSAGE + 40);
  assert.ok(statusMessage("bad \ud800 key").isWellFormed());
  assert.equal(toGrpcError(new Error("a\udc00")).details, "a\ufffd");
});

Deno.test("an undecodable driver state is INVALID_ARGUMENT", () => {
  assert.equal(toGrpcError(new DriverStateError("nope")).code, 3);
});
