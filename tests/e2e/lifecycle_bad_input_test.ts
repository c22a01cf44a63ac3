/** Bad task input: a clear gRPC error naming the option and value, and no container left. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN, type TaskOptions } from "../support/harness/mod.ts";
import type { Harness } from "../support/harness/mod.ts";
import { assertGrpcError, nameOf, podman, shTask, TEST_IMAGE, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

/** Starts a task that must fail; checks the error and that nothing is left behind. */
async function assertRejected(
  h: Harness,
  task: TaskOptions,
  patterns: RegExp[],
  prepare?: (taskDir: string) => void,
): Promise<void> {
  const t = await h.task(task);
  prepare?.(`${t.alloc.allocDir}/${task.name ?? "task"}`);
  await assertGrpcError(h.start(t), ...patterns);
  assert.equal(
    await podman.containers.exists(nameOf(t)),
    false,
    `container ${nameOf(t)} left behind`,
  );
  const left = await podman.containers.list({
    all: true,
    filters: { label: [`io.nomad-driver-podman.alloc_id=${t.alloc.allocId}`] },
  });
  assert.deepEqual(left.map((c) => c.names), [], "containers of the allocation left behind");
}

const LOOP = "while :; do sleep 1; done";

Deno.test({
  ...opts,
  name: "bad input: config values (memory_swap, extra_hosts, security_opt, cpu_cfs_period)",
  fn: () =>
    withHarness(async (h) => {
      await assertRejected(h, { config: shTask(LOOP, `memory_swap = "12x"`) }, [
        /memory_swap/,
        /12x/,
      ]);
      await assertRejected(h, { config: shTask(LOOP, `extra_hosts = ["example.com"]`) }, [
        /extra_hosts/,
        /example\.com/,
      ]);
      await assertRejected(h, { config: shTask(LOOP, `security_opt = ["bogus=1"]`) }, [
        /security_opt/,
        /bogus/,
      ]);
      await assertRejected(h, { config: shTask(LOOP, `cpu_cfs_period = 5000000`) }, [
        /cpu_cfs_period/,
        /5000000/,
      ]);
    }),
});

Deno.test({
  ...opts,
  name: "bad input: ports (unknown label; ports together with port_map)",
  fn: () =>
    withHarness(async (h) => {
      await assertRejected(h, { config: shTask(LOOP, `ports = ["nope"]`) }, [/ports/, /nope/]);
      await assertRejected(
        h,
        {
          config: shTask(LOOP, `ports = ["http"]\nport_map { http = 80 }`),
          ports: [{ label: "http", value: 23456, to: 80 }],
          legacyPorts: [{ label: "http", value: 23457 }],
        },
        [/ports/, /port_map/],
      );
    }),
});

Deno.test({
  ...opts,
  name: "bad input: network, image",
  fn: () =>
    withHarness(async (h) => {
      await assertRejected(h, { config: shTask(LOOP, `network_mode = "ndp-no-such-net"`) }, [
        /network_mode/,
        /ndp-no-such-net/,
      ]);
      await assertRejected(
        h,
        { config: `image = "localhost/ndp/no-such-image:latest"\ncommand = "true"` },
        [/image/, /localhost\/ndp\/no-such-image/],
      );
      assert.ok(TEST_IMAGE);
    }),
});

Deno.test({
  ...opts,
  name: "bad input: volumes outside the alloc dir with volumes disabled (absolute, ../, symlink)",
  fn: () =>
    withHarness(async (h) => {
      await assertRejected(h, { config: shTask(LOOP, `volumes = ["/etc:/host-etc"]`) }, [
        /volumes/,
        /\/etc/,
      ]);
      await assertRejected(h, { config: shTask(LOOP, `volumes = ["../../../../etc:/host-etc"]`) }, [
        /volumes/,
        /\.\.\/\.\.\/\.\.\/\.\.\/etc/,
      ]);
      await assertRejected(
        h,
        { config: shTask(LOOP, `volumes = ["local/escape:/host-etc"]`) },
        [/volumes/, /local\/escape/],
        (taskDir) => Deno.symlinkSync("/etc", `${taskDir}/local/escape`),
      );
      // Inside the alloc dir is fine even with volumes disabled.
      const t = await h.task({ config: shTask("exit 0", `volumes = ["local:/inside"]`) });
      await h.start(t);
    }, "volumes { enabled = false }"),
});
