import assert from "node:assert/strict";
import {
  decodeDriverState,
  DRIVER_STATE_VERSION,
  type DriverState,
  encodeDriverState,
} from "./driver_state.ts";

const state: DriverState = {
  socket: "default",
  containerId: "abc123",
  containerName: "web-0000",
  imageId: "sha256:1",
  imageRef: "localhost/ndp/busybox:latest",
  startedAtMs: 1_700_000_000_123,
  network: { portMap: { http: 8080 }, ip: "10.88.0.2", autoAdvertise: true },
  logDriver: "journald",
  logCollectionDisabled: false,
};

Deno.test("driver state round-trips", () => {
  assert.deepEqual(decodeDriverState(encodeDriverState(state)), state);
});

Deno.test("driver state of version 1 without later fields still decodes", () => {
  const old = new TextEncoder().encode(JSON.stringify({ v: 1, containerId: "x" }));
  const s = decodeDriverState(old);
  assert.equal(s.containerId, "x");
  assert.equal(s.socket, "default");
  assert.equal(s.logDriver, "nomad");
  assert.equal(s.imageRef, "");
});

Deno.test("driver state version 2 carries the image reference (GC of recovered tasks)", () => {
  const bytes = encodeDriverState(state);
  const raw = JSON.parse(new TextDecoder().decode(bytes));
  assert.equal(raw.v, 2);
  assert.equal(raw.imageRef, "localhost/ndp/busybox:latest");
  const v1 = new TextEncoder().encode(JSON.stringify({ ...raw, v: 1, imageRef: undefined }));
  assert.equal(decodeDriverState(v1).imageId, "sha256:1");
});

Deno.test("driver state rejects garbage, unknown versions and a missing container", () => {
  assert.throws(() => decodeDriverState(new Uint8Array([0xff, 0x00])), /Cannot decode/);
  assert.throws(() => decodeDriverState(new TextEncoder().encode('{"v":99}')), /version 99/);
  assert.throws(() => decodeDriverState(new TextEncoder().encode('{"v":1}')), /containerId/);
});

Deno.test("driver state holds no secret fields", () => {
  const text = new TextDecoder().decode(encodeDriverState(state));
  assert.doesNotMatch(text, /password|secret|auth/i);
});

Deno.test("driver state: the handle's version stands in for a blob without its own", () => {
  const bare = new TextEncoder().encode(JSON.stringify({ containerId: "x" }));
  assert.throws(() => decodeDriverState(bare), /unknown version 0/);
  assert.equal(decodeDriverState(bare, DRIVER_STATE_VERSION).containerId, "x");
  assert.throws(() => decodeDriverState(bare, 99), /unknown version 99/);
  // The blob's own version wins over the handle's.
  assert.equal(decodeDriverState(encodeDriverState(state), 99).containerId, "abc123");
});
