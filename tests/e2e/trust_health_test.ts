/**
 * Issue 12 (trust): healthchecks. `healthchecks { disable = true }` creates
 * no check whatever the image says; overrides reach Podman; on this host
 * (no systemd) a TaskEvent says Podman cannot run the checks, the driver runs
 * them, and health changes show as TaskEvents and InspectTask attributes.
 */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import { inspectRaw, nameOf, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const HEALTH_IMAGE = Deno.env.get("NDP_TEST_HEALTH_IMAGE") ?? "localhost/ndp/busybox-health:latest";

function task(extra = ""): string {
  return `image = "${HEALTH_IMAGE}"\ncommand = "sh"\nargs = ["-c", "echo ready; sleep 300"]\n${extra}`;
}

interface Hc {
  Test?: string[];
  Interval?: number;
  Retries?: number;
}

async function healthOf(name: string): Promise<{ config: Hc | undefined; status: string }> {
  const raw = await inspectRaw(name);
  const config = (raw?.Config as { Healthcheck?: Hc } | undefined)?.Healthcheck;
  const state = raw?.State as { Health?: { Status?: string }; Healthcheck?: { Status?: string } };
  return { config, status: state?.Health?.Status ?? state?.Healthcheck?.Status ?? "" };
}

function mine(e: ProtoMessage, allocId: string): boolean {
  return e.alloc_id === allocId && /^Healthcheck/.test(String(e.message));
}

Deno.test({
  ...opts,
  name: "trust health: healthchecks { disable = true } leaves the container without a healthcheck",
  fn: () =>
    withHarness(async (h) => {
      const events = h.client.taskEvents();
      const t = await h.task({ config: task("healthchecks {\n disable = true\n}") });
      await h.start(t);
      const { config, status } = await healthOf(nameOf(t));
      // Podman 4.3 keeps the "NONE" marker (as `podman run --no-healthcheck`): no check exists.
      assert.ok(!config || config.Test?.[0] === "NONE", JSON.stringify(config));
      assert.equal(status, "");
      await new Promise((r) => setTimeout(r, 7000));
      events.cancel();
      assert.deepEqual(events.messages.filter((e) => mine(e, t.alloc.allocId)), []);
      const attrs = ((await h.client.inspectTask(t.id)).driver as ProtoMessage)?.attributes as
        | Record<string, string>
        | undefined;
      assert.equal(attrs?.health_status, undefined);
    }),
});

Deno.test({
  ...opts,
  name: "trust health: overrides (cmd, interval, retries) reach Podman's healthcheck",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: task(`healthchecks {\n cmd = "true"\n interval = "1s"\n retries = 5\n}`),
      });
      await h.start(t);
      const { config } = await healthOf(nameOf(t));
      assert.deepEqual(config?.Test, ["CMD-SHELL", "true"]);
      assert.equal(config?.Interval, 1_000_000_000);
      assert.equal(config?.Retries, 5);
    }),
});

Deno.test({
  ...opts,
  name:
    "trust health: without systemd a TaskEvent explains it; health changes are TaskEvents and attributes",
  fn: () =>
    withHarness(async (h) => {
      const events = h.client.taskEvents();
      const t = await h.task({ config: task() });
      await h.start(t);
      const limit = await events.waitFor(
        (e) => mine(e, t.alloc.allocId) && /systemd/.test(String(e.message)),
        20_000,
      );
      assert.match(String(limit.message), /cannot run this container's healthcheck/);
      await events.waitFor(
        (e) => mine(e, t.alloc.allocId) && /Healthcheck: unhealthy/.test(String(e.message)),
        20_000,
      );
      let attrs = ((await h.client.inspectTask(t.id)).driver as ProtoMessage).attributes as Record<
        string,
        string
      >;
      assert.equal(attrs.health_status, "unhealthy");
      assert.equal(attrs.health_checked_by, "driver");
      const r = await h.client.execTask(t.id, ["touch", "/tmp/healthy"], 10_000);
      assert.equal(Number((r.result as ProtoMessage | undefined)?.exit_code ?? 0), 0);
      await events.waitFor(
        (e) => mine(e, t.alloc.allocId) && /Healthcheck: healthy/.test(String(e.message)),
        20_000,
      );
      events.cancel();
      attrs = ((await h.client.inspectTask(t.id)).driver as ProtoMessage).attributes as Record<
        string,
        string
      >;
      assert.equal(attrs.health_status, "healthy");
      assert.equal((await healthOf(nameOf(t))).status, "healthy");
      // The systemd explanation is given once.
      assert.equal(
        events.messages.filter((e) => mine(e, t.alloc.allocId) && /systemd/.test(String(e.message)))
          .length,
        1,
      );
    }),
});
