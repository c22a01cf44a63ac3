import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import {
  clientConstructor,
  decodeMessage,
  encodeMessage,
  loadProtoRoot,
  lookupMessageType,
  lookupService,
  parseProtoFiles,
  type ProtoMessage,
  ProtoSchemaError,
  serviceDefinition,
} from "./proto_root.ts";
import { PROTO_FILES } from "./_gen/protos.ts";

const DRIVERS = "hashicorp.nomad.plugins.drivers.proto";

function roundTrip(typeName: string, value: ProtoMessage): ProtoMessage {
  const type = lookupMessageType(typeName);
  return decodeMessage(type, encodeMessage(type, value));
}

function field(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const key of path) {
    assert.ok(cur !== null && typeof cur === "object", `expected an object before ${key}`);
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

Deno.test("loadProtoRoot is cached and resolves every service", () => {
  const root = loadProtoRoot();
  assert.equal(loadProtoRoot(), root);
  assert.equal(root.files.length, Object.keys(PROTO_FILES).length);
  for (
    const name of [
      "hashicorp.nomad.plugins.base.proto.BasePlugin",
      `${DRIVERS}.Driver`,
      "plugin.GRPCController",
      "plugin.GRPCStdio",
      "plugin.GRPCBroker",
      "grpc.health.v1.Health",
    ]
  ) {
    assert.ok(lookupService(name).methodsArray.length > 0, name);
  }
});

Deno.test("keepCase: proto field names are kept", () => {
  const t = lookupMessageType("hashicorp.nomad.plugins.base.proto.PluginInfoResponse");
  assert.ok(t.fields["plugin_api_versions"]);
  const res = lookupMessageType(`${DRIVERS}.LinuxResources`);
  assert.ok(res.fields["PercentTicks"]);
});

Deno.test("map fields stay maps", () => {
  const t = lookupMessageType(`${DRIVERS}.TaskConfig`);
  const env = t.fields["env"];
  assert.ok(env.map, "TaskConfig.env is a map");
  assert.equal(env.repeated, false);
});

Deno.test("StartTaskRequest round trip: maps, int64, bytes, defaults", () => {
  const out = roundTrip(`${DRIVERS}.StartTaskRequest`, {
    task: {
      id: "alloc/web/abc",
      env: { A: "1", "B.C": "x=y" },
      msgpack_driver_config: new Uint8Array([0x81, 0xa1, 0x61, 0x01]),
      resources: {
        linux_resources: { memory_limit_bytes: 2 ** 40 + 3, cpu_quota: -1 },
        allocated_resources: { memory: { memory_mb: 256 } },
      },
      mounts: [{ task_path: "/data", host_path: "/srv", readonly: true }],
    },
  });
  assert.deepEqual(field(out, "task", "env"), { A: "1", "B.C": "x=y" });
  assert.equal(field(out, "task", "id"), "alloc/web/abc");
  assert.equal(
    field(out, "task", "resources", "linux_resources", "memory_limit_bytes"),
    2 ** 40 + 3,
  );
  assert.equal(field(out, "task", "resources", "linux_resources", "cpu_quota"), -1);
  assert.equal(field(out, "task", "resources", "allocated_resources", "memory", "memory_mb"), 256);
  const cfg = field(out, "task", "msgpack_driver_config");
  assert.ok(cfg instanceof Uint8Array);
  assert.deepEqual([...cfg], [0x81, 0xa1, 0x61, 0x01]);
  // Scalars default to zero values, repeated to [], maps to {}, messages to null.
  assert.equal(field(out, "task", "user"), "");
  assert.deepEqual(field(out, "task", "device_env"), {});
  assert.deepEqual(field(out, "task", "devices"), []);
  assert.equal(field(out, "task", "dns"), null);
  assert.deepEqual(field(out, "task", "mounts"), [
    {
      task_path: "/data",
      host_path: "/srv",
      readonly: true,
      propagation_mode: "",
      selinux_label: "",
      request_name: "",
    },
  ]);
});

Deno.test("Spec round trip keeps nested oneofs and field names Attr/default", () => {
  const spec = {
    object: {
      attributes: {
        image: { Attr: { name: "image", type: "string", required: true } },
        count: {
          default: {
            primary: { Attr: { name: "count", type: "number" } },
            default: { literal: { value: "5" } },
          },
        },
        volumes: { block_list: { name: "volumes", max_items: 3, nested: { Attr: { name: "v" } } } },
      },
    },
  };
  const out = roundTrip("hashicorp.nomad.plugins.shared.hclspec.Spec", spec);
  const attrs = field(out, "object", "attributes") as Record<string, ProtoMessage>;
  assert.deepEqual(Object.keys(attrs).sort(), ["count", "image", "volumes"]);
  assert.deepEqual(attrs.image, { Attr: { name: "image", type: "string", required: true } });
  assert.equal(field(attrs.count, "default", "default", "literal", "value"), "5");
  assert.equal(field(attrs.count, "default", "primary", "Attr", "required"), false);
  assert.equal(field(attrs.volumes, "block_list", "max_items"), 3);
  // Only the set oneof member is present; no virtual `block` property.
  assert.deepEqual(Object.keys(attrs.image), ["Attr"]);
  assert.equal(field(out, "block"), undefined);
});

Deno.test("FingerprintResponse round trip: Attribute map with oneof values, enum as number", () => {
  const out = roundTrip(`${DRIVERS}.FingerprintResponse`, {
    attributes: {
      "driver.podman": { bool_val: true },
      "driver.podman.version": { string_val: "4.3.1" },
      "driver.podman.x": { int_val: -7, unit: "MB" },
      "driver.podman.f": { float_val: 1.5 },
    },
    health: "HEALTHY",
    health_description: "ready",
  });
  assert.deepEqual(out, {
    attributes: {
      "driver.podman": { bool_val: true, unit: "" },
      "driver.podman.version": { string_val: "4.3.1", unit: "" },
      "driver.podman.x": { int_val: -7, unit: "MB" },
      "driver.podman.f": { float_val: 1.5, unit: "" },
    },
    health: 2,
    health_description: "ready",
    err: "",
  });
});

Deno.test("Timestamp and Duration are plain {seconds, nanos}", () => {
  const ts = roundTrip("google.protobuf.Timestamp", { seconds: 1767225600, nanos: 123456789 });
  assert.deepEqual(ts, { seconds: 1767225600, nanos: 123456789 });
  const ev = roundTrip(`${DRIVERS}.DriverTaskEvent`, {
    task_id: "t1",
    timestamp: { seconds: 1700000000, nanos: 5 },
    annotations: { k: "v" },
  });
  assert.deepEqual(field(ev, "timestamp"), { seconds: 1700000000, nanos: 5 });
  const stop = roundTrip(`${DRIVERS}.StopTaskRequest`, {
    task_id: "t1",
    timeout: { seconds: 5, nanos: 0 },
    signal: "SIGTERM",
  });
  assert.deepEqual(stop, { task_id: "t1", timeout: { seconds: 5, nanos: 0 }, signal: "SIGTERM" });
});

Deno.test("uint64 and negative int64 survive", () => {
  const out = roundTrip(`${DRIVERS}.ExitResult`, { exit_code: -1, signal: 9, oom_killed: true });
  assert.deepEqual(out, { exit_code: -1, signal: 9, oom_killed: true });
  const info = roundTrip(`${DRIVERS}.TaskHandle`, { version: 1, config: null, state: 1 });
  assert.equal(info.version, 1);
  assert.equal(info.config, null);
});

Deno.test("serviceDefinition: paths, stream flags, Buffer (de)serialisers", () => {
  const def = serviceDefinition(`${DRIVERS}.Driver`);
  assert.equal(Object.keys(def).length, 18);
  assert.equal(def.StartTask.path, `/${DRIVERS}.Driver/StartTask`);
  assert.deepEqual([def.StartTask.requestStream, def.StartTask.responseStream], [false, false]);
  assert.deepEqual([def.Fingerprint.requestStream, def.Fingerprint.responseStream], [false, true]);
  assert.deepEqual(
    [def.ExecTaskStreaming.requestStream, def.ExecTaskStreaming.responseStream],
    [true, true],
  );
  const ser = def.WaitTask.responseSerialize({ result: { exit_code: 3 }, err: "" });
  assert.ok(Buffer.isBuffer(ser));
  assert.deepEqual(def.WaitTask.responseDeserialize(ser), {
    result: { exit_code: 3, signal: 0, oom_killed: false },
    err: "",
  });
  const health = serviceDefinition("grpc.health.v1.Health");
  assert.equal(health.Check.path, "/grpc.health.v1.Health/Check");
  const ctrl = serviceDefinition("plugin.GRPCController");
  assert.equal(ctrl.Shutdown.path, "/plugin.GRPCController/Shutdown");
});

Deno.test("clientConstructor builds a grpc-js client class", () => {
  const Ctor = clientConstructor("hashicorp.nomad.plugins.base.proto.BasePlugin");
  assert.equal(Ctor.serviceName, "hashicorp.nomad.plugins.base.proto.BasePlugin");
  const client = new Ctor("unix:///nonexistent.sock", grpc.credentials.createInsecure());
  assert.equal(typeof (client as unknown as Record<string, unknown>)["PluginInfo"], "function");
  client.close();
});

Deno.test("missing import and unknown names raise ProtoSchemaError", () => {
  assert.throws(
    () => parseProtoFiles({ "a.proto": 'syntax = "proto3"; import "b.proto"; message A {}' }),
    (err: unknown) => err instanceof ProtoSchemaError && err.subject === "a.proto",
  );
  assert.throws(() => lookupMessageType("nope.Nope"), ProtoSchemaError);
  assert.throws(() => lookupService(`${DRIVERS}.TaskConfig`), ProtoSchemaError);
});

Deno.test("generated protos.ts is up to date with proto/ (gen:proto --check)", async () => {
  const root = new URL("../../", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=gen", "--no-prompt", "scripts/gen_proto.ts", "--check"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const msg = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `gen_proto --check failed: ${msg}`);
});
