import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makeTask } from "../../../tests/support/factories.ts";
import { buildPorts } from "./ports.ts";

const resources = {
  ...makeTask().resources,
  ports: [
    { label: "redis", value: 25000, to: 8888, hostIp: "127.0.0.1" },
    { label: "other", value: 25001, to: 0, hostIp: "" },
  ],
};

Deno.test("each ports label is published for tcp and udp, to or value inside", () => {
  const { mappings, env } = buildPorts(resources, makeConfig({ ports: ["redis", "other"] }));
  assert.deepEqual(mappings, [
    { host_ip: "127.0.0.1", host_port: 25000, container_port: 8888, protocol: "tcp" },
    { host_ip: "127.0.0.1", host_port: 25000, container_port: 8888, protocol: "udp" },
    { host_port: 25001, container_port: 25001, protocol: "tcp" },
    { host_port: 25001, container_port: 25001, protocol: "udp" },
  ]);
  assert.deepEqual(env, {});
});

Deno.test("an unknown ports label is an error", () => {
  assert.throws(
    () => buildPorts(resources, makeConfig({ ports: ["missing"] })),
    (e: unknown) =>
      e instanceof ConfigError && e.field === "ports" && e.value === "missing" &&
      e.message.includes('Port "missing" not found, check network stanza'),
  );
});

Deno.test("ports without group ports is an error", () => {
  assert.throws(
    () => buildPorts(makeTask().resources, makeConfig({ ports: ["x"] })),
    /No ports defined in network stanza/,
  );
});

Deno.test("ports together with port_map is an error", () => {
  assert.throws(
    () => buildPorts(resources, makeConfig({ ports: ["redis"], portMap: { redis: 6379 } })),
    (e: unknown) =>
      e instanceof ConfigError && e.field === "port_map" &&
      e.message.includes("Invalid port declaration; use of port_map and ports"),
  );
});

Deno.test("legacy port_map maps task network ports and sets NOMAD_PORT_<label>", () => {
  const legacy = {
    ...makeTask().resources,
    legacyNetworkIp: "127.0.0.1",
    legacyNetworkPorts: [
      { label: "main", value: 23000, to: 0, hostIp: "" },
      { label: "REDIS", value: 23001, to: 0, hostIp: "" },
      { label: "plain", value: 23002, to: 0, hostIp: "" },
    ],
  };
  const { mappings, env } = buildPorts(
    legacy,
    makeConfig({ portMap: { main: 8888, REDIS: 6379 } }),
  );
  assert.deepEqual(env, { NOMAD_PORT_main: "8888", NOMAD_PORT_REDIS: "6379" });
  assert.deepEqual(
    mappings.filter((m) => m.protocol === "tcp").map((m) => [m.host_port, m.container_port]),
    [[23000, 8888], [23001, 6379], [23002, 23002]],
  );
  assert.equal(mappings.length, 6);
  assert.ok(mappings.every((m) => m.host_ip === "127.0.0.1"));
  assert.throws(
    () => buildPorts(makeTask().resources, makeConfig({ portMap: { main: 1 } })),
    /no network interface is available/,
  );
});
