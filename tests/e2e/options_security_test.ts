/** Security and device options: caps, privileged, devices, sysctl, security_opt, tmpfs, volumes. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { runScript, startAndInspect, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

/** CapEff bitmask of PID 1 inside the container. */
const CAPEFF = "grep CapEff /proc/self/status | awk '{print $2}'";
const CAP_NET_ADMIN = 12n;
const CAP_CHOWN = 0n;

function hasCap(hex: string, cap: bigint): boolean {
  return ((BigInt(`0x${hex}`) >> cap) & 1n) === 1n;
}

Deno.test({
  ...opts,
  name: "options: cap_add, cap_drop, privileged",
  fn: () =>
    withHarness(async (h) => {
      const add = await runScript(h, CAPEFF, `cap_add = ["NET_ADMIN"]\ncap_drop = ["CHOWN"]`);
      assert.ok(hasCap(add.lines[0]!, CAP_NET_ADMIN), `CapEff ${add.lines[0]}`);
      assert.ok(!hasCap(add.lines[0]!, CAP_CHOWN), `CapEff ${add.lines[0]}`);
      const plain = await runScript(h, CAPEFF, "", { name: "plain" });
      assert.ok(!hasCap(plain.lines[0]!, CAP_NET_ADMIN));
      const priv = await startAndInspect(h, "privileged = true", { name: "priv" });
      assert.equal(priv.hc.Privileged, true);
    }),
});

Deno.test({
  ...opts,
  name: "options: devices (/dev/net/tun), sysctl, security_opt no-new-privileges",
  fn: () =>
    withHarness(async (h) => {
      const dev = await runScript(h, "ls -l /dev/net/tun | cut -c1", `devices = ["/dev/net/tun"]`);
      assert.deepEqual(dev.lines, ["c"]);
      const sys = await runScript(
        h,
        "cat /proc/sys/net/core/somaxconn",
        `sysctl = { "net.core.somaxconn" = "1234" }`,
        {
          name: "sysctl",
        },
      );
      assert.deepEqual(sys.lines, ["1234"]);
      const nnp = await runScript(
        h,
        "grep NoNewPrivs /proc/self/status | awk '{print $2}'",
        `security_opt = ["no-new-privileges"]`,
        {
          name: "nnp",
        },
      );
      assert.deepEqual(nnp.lines, ["1"]);
    }),
});

Deno.test({
  ...opts,
  name: "options: tmpfs, volumes (inside the alloc dir and, when enabled, outside)",
  fn: () =>
    withHarness(async (h) => {
      const tmp = await runScript(
        h,
        "grep ' /scratch ' /proc/mounts | awk '{print $3}'",
        `tmpfs = ["/scratch:size=1m"]`,
      );
      assert.deepEqual(tmp.lines, ["tmpfs"]);
      const outside = Deno.makeTempDirSync({ prefix: "ndp-vol-" });
      try {
        Deno.writeTextFileSync(`${outside}/in.txt`, "from-host");
        const vol = await runScript(
          h,
          "cat /hostdir/in.txt; echo; echo back > /hostdir/out.txt; cat /ro/x 2>&1 >/dev/null; touch /ro/y 2>/dev/null || echo ro-ok",
          `volumes = ["${outside}:/hostdir", "local:/ro:ro"]`,
          { name: "vol" },
        );
        assert.equal(vol.lines[0], "from-host");
        assert.ok(vol.lines.includes("ro-ok"), vol.lines.join("|"));
        assert.equal(Deno.readTextFileSync(`${outside}/out.txt`), "back\n");
      } finally {
        Deno.removeSync(outside, { recursive: true });
      }
    }),
});
