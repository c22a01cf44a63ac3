import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makeHost, makePlugin, makeTask } from "../../../tests/support/factories.ts";
import { buildNetwork, chooseNetwork, defaultNetworkMode, parseNetworkMode } from "./network.ts";

const GROUP = { mode: "GROUP", path: "/var/run/netns/A", labels: {}, hostname: "" };

Deno.test("the group netns wins over network_mode", () => {
  const choice = chooseNetwork(
    makeTask({ networkIsolation: GROUP }),
    makeConfig({ networkMode: "host" }),
    makePlugin(),
    makeHost(),
  );
  assert.deepEqual(choice, { netns: { nsmode: "path", value: "/var/run/netns/A" } });
});

Deno.test("empty network_mode: bridge rootful; rootless default, slirp4netns <5, pasta >=5", () => {
  const plugin = makePlugin();
  assert.equal(defaultNetworkMode(plugin, makeHost()), "bridge");
  assert.equal(defaultNetworkMode(plugin, makeHost({ rootless: true })), "slirp4netns");
  assert.equal(
    defaultNetworkMode(plugin, makeHost({ rootless: true, apiVersion: "5.0.0" })),
    "pasta",
  );
  const custom = makePlugin({ networking: { defaultRootlessMode: "slirp4netns" } });
  assert.equal(
    defaultNetworkMode(custom, makeHost({ rootless: true, apiVersion: "5.2.1" })),
    "slirp4netns",
  );
  assert.equal(defaultNetworkMode(custom, makeHost()), "bridge");
});

Deno.test("network_mode forms", () => {
  for (const m of ["bridge", "host", "none", "slirp4netns", "pasta"]) {
    assert.deepEqual(parseNetworkMode(m, "A"), { netns: { nsmode: m } });
  }
  assert.deepEqual(parseNetworkMode("container:abc", "A"), {
    netns: { nsmode: "container", value: "abc" },
  });
  assert.deepEqual(parseNetworkMode("task:main", "A"), {
    netns: { nsmode: "container", value: "main-A" },
  });
  assert.deepEqual(parseNetworkMode("ns:/run/netns/x", "A"), {
    netns: { nsmode: "path", value: "/run/netns/x" },
  });
  assert.deepEqual(parseNetworkMode("slirp4netns:allow_host_loopback=true", "A"), {
    netns: { nsmode: "slirp4netns" },
    modeOptions: ["allow_host_loopback=true"],
  });
  assert.deepEqual(parseNetworkMode("mynet", "A"), {
    netns: { nsmode: "bridge" },
    customNetwork: "mynet",
  });
  for (const bad of ["task:", "container:", "ns:rel", "weird:x", "a/b"]) {
    assert.throws(
      () => parseNetworkMode(bad, "A"),
      (e: unknown) => e instanceof ConfigError && e.field === "network_mode" && e.value === bad,
    );
  }
});

Deno.test("custom network: Networks has the name; static IPs/MAC go under it", () => {
  const choice = parseNetworkMode("mynet", "A");
  assert.deepEqual(buildNetwork(choice, makeConfig()), {
    netns: { nsmode: "bridge" },
    Networks: { mynet: {} },
  });
  const spec = buildNetwork(
    choice,
    makeConfig({
      ipv4Address: "10.89.0.5",
      ipv6Address: "fd00::5",
      staticIps: ["10.89.0.6"],
      staticMac: "92:D0:C6:0A:29:33",
    }),
  );
  assert.deepEqual(spec.Networks, {
    mynet: {
      static_ips: ["10.89.0.5", "fd00::5", "10.89.0.6"],
      static_mac: "92:d0:c6:0a:29:33",
    },
  });
});

Deno.test("static IPs in default bridge mode go under Networks.podman", () => {
  const spec = buildNetwork(
    parseNetworkMode("bridge", "A"),
    makeConfig({ ipv4Address: "10.88.0.9" }),
  );
  assert.deepEqual(spec.Networks, { podman: { static_ips: ["10.88.0.9"] } });
  assert.equal(buildNetwork(parseNetworkMode("bridge", "A"), makeConfig()).Networks, undefined);
});

Deno.test("static addresses are refused outside bridge mode and when malformed", () => {
  const cases: [string, Parameters<typeof makeConfig>[0], string][] = [
    ["host", { ipv4Address: "10.0.0.1" }, "ipv4_address"],
    ["none", { staticMac: "92:d0:c6:0a:29:33" }, "static_mac"],
    ["bridge", { ipv4Address: "fd00::1" }, "ipv4_address"],
    ["bridge", { ipv6Address: "10.0.0.1" }, "ipv6_address"],
    ["bridge", { staticIps: ["nope"] }, "static_ips"],
    ["bridge", { staticMac: "zz" }, "static_mac"],
  ];
  for (const [mode, over, field] of cases) {
    assert.throws(
      () => buildNetwork(parseNetworkMode(mode, "A"), makeConfig(over)),
      (e: unknown) => e instanceof ConfigError && e.field === field,
      `${mode} ${field}`,
    );
  }
  assert.throws(
    () =>
      buildNetwork(
        { netns: { nsmode: "path", value: "/n" } },
        makeConfig({ ipv4Address: "1.2.3.4" }),
      ),
    /group network namespace/,
  );
});

Deno.test("slirp4netns options go to network_options", () => {
  const spec = buildNetwork(
    parseNetworkMode("slirp4netns:port_handler=slirp4netns", "A"),
    makeConfig(),
  );
  assert.deepEqual(spec.network_options, { slirp4netns: ["port_handler=slirp4netns"] });
});
