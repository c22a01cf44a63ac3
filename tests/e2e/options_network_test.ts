/** Network options: ports, port_map, network_mode forms, dns, extra_hosts, ipc_mode. */
import assert from "node:assert/strict";
import { FifoReader, NEEDS_PODMAN } from "../support/harness/mod.ts";
import { nameOf, runScript, startAndInspect, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

type Bindings = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

Deno.test({
  ...opts,
  name: "options: ports publish tcp+udp; port_map from legacy ports; network override",
  fn: () =>
    withHarness(async (h) => {
      const p = await startAndInspect(h, `ports = ["http"]`, {
        ports: [{ label: "http", value: 23456, to: 8080 }],
      });
      const b = p.hc.PortBindings as Bindings;
      assert.deepEqual(b["8080/tcp"], [{ HostIp: "127.0.0.1", HostPort: "23456" }]);
      assert.deepEqual(b["8080/udp"], [{ HostIp: "127.0.0.1", HostPort: "23456" }]);
      const pm = await startAndInspect(h, `port_map { web = 80 }`, {
        name: "legacy",
        legacyPorts: [{ label: "web", value: 23458 }],
      });
      const lb = pm.hc.PortBindings as Bindings;
      assert.equal(lb["80/tcp"]?.[0]?.HostPort, "23458");
      const res = await h.client.inspectTask(pm.t.id);
      const net = res.network_override as Record<string, unknown> | undefined;
      assert.equal((net?.port_map as Record<string, number>).web, 80);
      assert.match(String(net?.addr), /^\d+\.\d+\.\d+\.\d+$/);
    }),
});

Deno.test({
  ...opts,
  name: "options: network_mode host, none, bridge, container:, task:",
  fn: async () => {
    const readers: FifoReader[] = [];
    try {
      await withHarness(async (h) => {
        const host = await startAndInspect(h, `network_mode = "host"`, { name: "host" });
        assert.equal(host.hc.NetworkMode, "host");
        const none = await runScript(
          h,
          "ls /sys/class/net",
          `network_mode = "none"`,
          { name: "none" },
        );
        assert.deepEqual(none.lines, ["lo"]);
        const bridge = await startAndInspect(h, `network_mode = "bridge"`, { name: "bridge" });
        assert.equal(bridge.hc.NetworkMode, "bridge");
        const main = await startAndInspect(h, "", { name: "main" });
        // Podman refuses to remove a container others depend on: dependents go first.
        const sharing = [main.t];
        try {
          // A second task of the same allocation needs its own fifos.
          for (const s of ["stdout", "stderr"]) {
            const path = `${main.t.alloc.allocDir}/alloc/logs/.side.${s}.fifo`;
            await new Deno.Command("mkfifo", { args: [path] }).output();
            readers.push(new FifoReader(path));
          }
          const side = await startAndInspect(h, `network_mode = "task:main"`, {
            name: "side",
            alloc: main.t.alloc,
          });
          sharing.push(side.t);
          assert.equal(side.hc.NetworkMode, `container:${main.raw.Id}`);
          const byId = await startAndInspect(h, `network_mode = "container:${nameOf(main.t)}"`, {
            name: "byid",
          });
          sharing.push(byId.t);
          assert.equal(byId.hc.NetworkMode, `container:${main.raw.Id}`);
        } finally {
          for (const t of sharing.reverse()) await h.client.destroyTask(t.id, true);
          // Before the harness removes the alloc dir: a reader still waiting in
          // open() on a deleted fifo could never be woken.
          for (const r of readers.splice(0)) await r.close();
        }
      });
    } finally {
      for (const r of readers) await r.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "options: dns from Nomad, extra_hosts, ipc_mode host",
  fn: () =>
    withHarness(async (h) => {
      const dns = await runScript(
        h,
        "cat /etc/resolv.conf; grep myhost /etc/hosts",
        `extra_hosts = ["myhost:10.1.2.3"]`,
        {
          dns: { servers: ["10.9.8.7"], searches: ["example.internal"], options: ["ndots:3"] },
        },
      );
      const text = dns.lines.join("\n");
      assert.match(text, /nameserver 10\.9\.8\.7/);
      assert.match(text, /search example\.internal/);
      assert.match(text, /ndots:3/);
      assert.match(text, /10\.1\.2\.3\s+myhost/);
      // Podman 4.3 inspect reports "shareable" for a host IPC namespace: compare the namespaces.
      const ipc = await runScript(h, "readlink /proc/self/ns/ipc", `ipc_mode = "host"`, {
        name: "ipc",
      });
      const hostNs = await new Deno.Command("readlink", { args: ["/proc/self/ns/ipc"] }).output();
      assert.deepEqual(ipc.lines, [new TextDecoder().decode(hostNs.stdout).trim()]);
      const priv = await runScript(h, "readlink /proc/self/ns/ipc", "", { name: "ipcpriv" });
      assert.notDeepEqual(priv.lines, ipc.lines);
    }),
});
