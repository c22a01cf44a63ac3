import assert from "node:assert/strict";
import { buildFingerprint, fingerprintStream, type HostFacts, probeAll } from "./fingerprint.ts";

const facts: HostFacts = {
  apiVersion: "4.3.1",
  rootless: false,
  cgroupVersion: 1,
  cgroupManager: "cgroupfs",
  appArmorEnabled: false,
  selinuxEnabled: false,
  seccompEnabled: true,
  capabilities: "CAP_CHOWN,CAP_KILL",
  ociRuntimePath: "/usr/bin/runc",
  remoteSocketPath: "/run/x.sock",
  numCpus: 2,
  memTotal: 1,
};
const def = { name: "default", socketPath: "unix:///a" };
const other = { name: "a socket with spaces", socketPath: "unix:///b" };

Deno.test("buildFingerprint() reports all attributes of a healthy default socket", () => {
  const r = buildFingerprint([{ socket: def, ok: true, facts }]);
  assert.equal(r.health, "healthy");
  assert.equal(r.description, "All Podman sockets are responding.");
  assert.deepEqual(r.attributes["driver.podman"], { bool: true });
  assert.deepEqual(r.attributes["driver.podman.version"], { string: "4.3.1" });
  assert.deepEqual(r.attributes["driver.podman.rootless"], { bool: false });
  assert.deepEqual(r.attributes["driver.podman.defaultPodman"], { bool: true });
  assert.deepEqual(r.attributes["driver.podman.ociRuntime"], { string: "/usr/bin/runc" });
});

Deno.test("buildFingerprint() sanitises socket names and marks partial failure unhealthy", () => {
  const r = buildFingerprint([
    { socket: def, ok: false, error: "refused" },
    { socket: other, ok: true, facts },
  ]);
  assert.equal(r.health, "unhealthy");
  assert.match(r.description, /default \(unix:\/\/\/a\): refused/);
  assert.deepEqual(r.attributes["driver.podman.a_socket_with_spaces.socketName"], {
    string: "a socket with spaces",
  });
  assert.deepEqual(r.attributes["driver.podman.health"], { string: "unhealthy" });
});

Deno.test("buildFingerprint() is undetected when no socket answers", () => {
  const r = buildFingerprint([{ socket: def, ok: false, error: "no such file" }]);
  assert.equal(r.health, "undetected");
  assert.equal(r.attributes["driver.podman"], undefined);
});

Deno.test("probeAll() applies the deadline to a hung probe", async () => {
  const start = Date.now();
  const [r] = await probeAll([def], (_s, signal) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener("abort", () => reject(new Error("timed out")));
    }), 100);
  assert.equal(r?.ok, false);
  assert.ok(Date.now() - start < 1000);
});

Deno.test("fingerprintStream() sends at once and again on a health change", async () => {
  let healthy = true;
  const ctl = new AbortController();
  const seen: string[] = [];
  const stream = fingerprintStream({
    sockets: [def],
    probe: () => healthy ? Promise.resolve(facts) : Promise.reject(new Error("down")),
    signal: ctl.signal,
    checkEveryMs: 20,
    resendEveryMs: 60_000,
  });
  for await (const r of stream) {
    seen.push(r.health);
    if (seen.length === 1) healthy = false;
    if (seen.length === 2) healthy = true;
    if (seen.length === 3) ctl.abort();
  }
  assert.deepEqual(seen, ["healthy", "undetected", "healthy"]);
});
