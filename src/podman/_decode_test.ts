import assert from "node:assert/strict";
import {
  decodeContainerInspect,
  decodeContainerStats,
  decodeEvent,
  decodeImageInspect,
  decodeInfo,
  decodeStatsSample,
  entrypoint,
  signalName,
} from "./_decode.ts";

const FIX = new URL("../../tests/support/fixtures/podman/", import.meta.url);

function fixture(name: string): unknown {
  return JSON.parse(Deno.readTextFileSync(new URL(name, FIX)));
}

function lines(name: string): string[] {
  return Deno.readTextFileSync(new URL(name, FIX)).split("\n").filter((l) => l.trim() !== "");
}

Deno.test("decodeContainerInspect reads a Podman 4.3.1 running container", () => {
  const c = decodeContainerInspect(fixture("container_inspect_running_v4.3.1.json"));
  assert.equal(c.name, "probe1");
  assert.equal(c.state.status, "running");
  assert.equal(c.state.running, true);
  assert.equal(c.state.oomKilled, false);
  assert.ok(c.state.pid > 0);
  assert.ok(c.state.startedAt instanceof Date);
  assert.equal(c.state.finishedAt, undefined, "Go zero time becomes undefined");
  assert.deepEqual(c.config.entrypoint, [], "4.x empty-string entrypoint");
  assert.equal(c.config.stopSignal, "SIGTERM", "4.x numeric stop signal 15");
  assert.deepEqual(c.config.labels, { a: "b" });
  assert.equal(c.network.ipAddress, "10.88.0.5");
  assert.equal(c.network.networks.podman?.ipAddress, "10.88.0.5");
});

Deno.test("decodeContainerInspect reads a Podman 4.3.1 exited container", () => {
  const c = decodeContainerInspect(fixture("container_inspect_exited_v4.3.1.json"));
  assert.equal(c.state.status, "exited");
  assert.equal(c.state.exitCode, 3);
  assert.ok(c.state.finishedAt instanceof Date);
});

Deno.test("decodeContainerInspect reads Podman 5 shapes (array entrypoint, named signal, OOM)", () => {
  const c = decodeContainerInspect(fixture("container_inspect_oom_v5.json"));
  assert.deepEqual(c.config.entrypoint, ["/bin/sh", "-c"]);
  assert.equal(c.config.stopSignal, "SIGTERM");
  assert.equal(c.state.oomKilled, true);
  assert.equal(c.state.exitCode, 137);
  assert.equal(c.network.ipAddress, "");
  assert.equal(c.network.networks.podman?.ipAddress, "10.88.0.7");
  assert.equal(c.network.networks.podman?.globalIPv6Address, "fd00::7");
});

Deno.test("entrypoint and signalName accept both Podman 4 and 5 forms", () => {
  assert.deepEqual(entrypoint("/bin/sh -c"), ["/bin/sh", "-c"]);
  assert.deepEqual(entrypoint(["/a b", "c"]), ["/a b", "c"]);
  assert.deepEqual(entrypoint(null), []);
  assert.equal(signalName(9), "SIGKILL");
  assert.equal(signalName("15"), "SIGTERM");
  assert.equal(signalName("int"), "SIGINT");
  assert.equal(signalName(0), "");
});

Deno.test("decodeContainerInspect tolerates a body that is not an object", () => {
  const c = decodeContainerInspect(null);
  assert.equal(c.id, "");
  assert.equal(c.state.running, false);
  assert.deepEqual(c.network.networks, {});
});

Deno.test("decodeInfo reads Podman 4.3.1 and Podman 5 info", () => {
  const v4 = decodeInfo(fixture("info_v4.3.1.json"));
  assert.equal(v4.hasHost, true);
  assert.equal(v4.rootless, false);
  assert.equal(v4.cgroupVersion, "v1");
  assert.equal(v4.cgroupManager, "cgroupfs");
  assert.equal(v4.seccompEnabled, true);
  assert.equal(v4.ociRuntimePath, "/usr/bin/runc");
  assert.equal(v4.remoteSocketPath, "unix:///tmp/ndp-dev-pd/podman.sock");
  assert.equal(v4.version, "4.3.1");
  assert.match(v4.capabilities, /CAP_CHOWN/);
  assert.ok(v4.cpus > 0 && v4.memTotal > 0);
  const v5 = decodeInfo(fixture("info_v5.json"));
  assert.equal(v5.cgroupVersion, "v2");
  assert.equal(v5.rootless, true);
  assert.equal(v5.ociRuntimePath, undefined);
  assert.equal(v5.version, "5.0.3");
  assert.equal(decodeInfo({}).hasHost, false);
});

Deno.test("decodeEvent keeps the exact nanosecond time and the exit code", () => {
  const [start, died] = lines("events_v4.3.1.jsonl").map((l) => decodeEvent(JSON.parse(l), l));
  assert.equal(start?.action, "start");
  assert.equal(died?.action, "died");
  assert.equal(died?.type, "container");
  assert.equal(died?.name, "probe2");
  assert.equal(died?.exitCode, 3);
  assert.equal(died?.timeNano, 1795872763864671326n);
  const [oom, died5] = lines("events_v5.jsonl").map((l) => decodeEvent(JSON.parse(l), l));
  assert.equal(oom?.action, "oom");
  assert.equal(oom?.exitCode, undefined);
  assert.equal(oom?.attributes["com.example/team"], "core");
  assert.equal(died5?.exitCode, 137);
  assert.equal(died5?.timeNano, 1714000001987654321n);
});

Deno.test("decodeStatsSample reads libpod batch stats of Podman 4.3.1", () => {
  const body = fixture("containers_stats_v4.3.1.json") as { Stats: unknown[] };
  const s = decodeStatsSample(body.Stats[0]);
  assert.equal(s.name, "probe1");
  assert.equal(s.cpuNano, 40328588);
  assert.equal(s.cpuSystemNano, 19856869);
  assert.equal(s.cpuUserNano, 40328588 - 19856869);
  assert.equal(s.memUsage, 626688);
  assert.equal(s.memLimit, 25276059648);
  assert.equal(s.pids, 1);
});

Deno.test("decodeContainerStats reads the Docker-shaped one-shot stats", () => {
  const s = decodeContainerStats(fixture("container_stats_v4.3.1.json"));
  assert.equal(s.cpu.totalNano, 40328588);
  assert.equal(s.cpu.kernelNano, 19856869);
  assert.equal(s.cpu.userNano, 20471719);
  assert.equal(s.cpu.onlineCpus, 2);
  assert.equal(s.cpu.throttling.periods, 0);
  assert.equal(s.memory.usage, 626688);
  assert.equal(s.memory.rss, undefined, "4.3.1 on cgroup v1 reports no memory detail");
});

Deno.test("decodeImageInspect reads id, platform and tags", () => {
  const i = decodeImageInspect(fixture("image_inspect_v4.3.1.json"));
  assert.match(i.id, /^[0-9a-f]{64}$/);
  assert.equal(i.os, "linux");
  assert.equal(i.architecture, "amd64");
  assert.equal(i.variant, "");
  assert.deepEqual(i.repoTags, ["localhost/ndp/busybox:latest"]);
});
