import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makePlugin, makeTask } from "../../../tests/support/factories.ts";
import { buildDns, buildExtraHosts } from "./dns.ts";

Deno.test("Nomad network.dns wins; plugin dns_servers are the fallback", () => {
  const dns = { servers: ["1.1.1.1"], searches: ["internal.corp"], options: ["ndots:2"] };
  assert.deepEqual(buildDns(makeTask({ dns }), makePlugin({ dnsServers: ["8.8.8.8"] })), {
    dns_server: ["1.1.1.1"],
    dns_search: ["internal.corp"],
    dns_option: ["ndots:2"],
  });
  assert.deepEqual(buildDns(makeTask(), makePlugin({ dnsServers: ["8.8.8.8", "::1"] })), {
    dns_server: ["8.8.8.8", "::1"],
  });
  assert.deepEqual(buildDns(makeTask(), makePlugin()), {});
});

Deno.test("DNS servers must be IPs", () => {
  assert.throws(
    () => buildDns(makeTask(), makePlugin({ dnsServers: ["dns.example"] })),
    (e: unknown) => e instanceof ConfigError && e.field === "dns_servers",
  );
  const dns = { servers: ["nope"], searches: [], options: [] };
  assert.throws(
    () => buildDns(makeTask({ dns }), makePlugin()),
    (e: unknown) => e instanceof ConfigError && e.field === "network.dns.servers",
  );
});

Deno.test("extra_hosts become hostadd; entries need host:ip", () => {
  const hosts = ["example.com:10.0.0.1", "v6.example:[::1]"];
  assert.deepEqual(buildExtraHosts(makeConfig({ extraHosts: hosts })), { hostadd: hosts });
  for (const bad of ["example.com", ":1.2.3.4", "host:"]) {
    assert.throws(
      () => buildExtraHosts(makeConfig({ extraHosts: [bad] })),
      (e: unknown) =>
        e instanceof ConfigError && e.field === "extra_hosts" &&
        e.message.includes(`cannot use "${bad}" as extra_hosts (must be host:ip)`),
    );
  }
});
