/**
 * TaskEvents through the plugin: image pull progress reaches Nomad before the
 * task starts, and multi-socket fingerprints name each socket.
 */
import assert from "node:assert/strict";
import {
  defaultPluginConfig,
  Harness,
  NEEDS_PODMAN,
  PODMAN_SOCKET,
  REGISTRY,
  REGISTRY_PASSWORD,
  REGISTRY_USER,
} from "../support/harness/mod.ts";
import { assertHclogLines } from "./_hclog.ts";

const REGISTRY_IMAGE = `${REGISTRY}/ndp/busybox:latest`;

async function untag(ref: string): Promise<void> {
  await new Deno.Command("bash", {
    args: ["scripts/test_env.sh", "podman", "rmi", "--ignore", ref],
    stdout: "null",
    stderr: "null",
  }).output();
}

Deno.test({
  name:
    "events: a registry pull sends Pulling, progress and Downloaded events before the task starts",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    await untag(REGISTRY_IMAGE);
    const h = await Harness.start();
    try {
      const events = h.client.taskEvents();
      const t = await h.task({
        config: `
          image = "${REGISTRY_IMAGE}"
          force_pull = true
          command = "true"
          auth {
            username = "${REGISTRY_USER}"
            password = "${REGISTRY_PASSWORD}"
          }`,
      });
      await h.start(t);
      const inspect = await h.client.inspectTask(t.id);
      const startedAt = Number(
        (inspect.task as { started_at: { seconds: number } }).started_at.seconds,
      );
      await events.waitFor((e) => /^Downloaded image/.test(String(e.message)), 5000);
      events.cancel();
      const mine = events.messages.filter((e) =>
        e.alloc_id === t.alloc.allocId && e.task_name === "task"
      );
      const messages = mine.map((e) => String(e.message));
      assert.ok(messages.some((m) => m.startsWith("Pulling image")), messages.join("\n"));
      const progress = mine.filter((e) => /pull progress/.test(String(e.message)));
      assert.ok(progress.length >= 1, `no progress event in:\n${messages.join("\n")}`);
      const firstProgress = Number((progress[0]!.timestamp as { seconds: number }).seconds);
      assert.ok(firstProgress <= startedAt, "progress arrived after the task started");
      // The password never reaches the plugin's log or the task handle.
      assert.ok(!h.plugin.stderrLines.join("\n").includes(REGISTRY_PASSWORD));
      await h.client.waitTask(t.id, 30_000);
    } finally {
      await h.close();
      await untag(REGISTRY_IMAGE);
    }
    assertHclogLines(h.plugin.stderrLines);
  },
});

Deno.test({
  name: "events: two sockets give per-socket attributes; a socket with spaces is sanitised",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const h = await Harness.start({
      pluginConfig: `
        socket {
          name = "podmanSock"
          socket_path = "unix://${PODMAN_SOCKET}"
        }
        socket {
          name = "a socket with spaces"
          socket_path = "unix://${PODMAN_SOCKET}"
        }`,
    });
    try {
      const fp = h.client.fingerprint();
      const first = await fp.waitFor(() => true, 10_000);
      fp.cancel();
      assert.equal(first.health, 2, String(first.health_description));
      const attrs = first.attributes as Record<string, Record<string, unknown>>;
      assert.equal(attrs["driver.podman.socketName"]?.string_val, "podmanSock");
      assert.equal(attrs["driver.podman.defaultPodman"]?.bool_val, true);
      assert.equal(
        attrs["driver.podman.a_socket_with_spaces.socketName"]?.string_val,
        "a socket with spaces",
      );
      assert.equal(attrs["driver.podman.a_socket_with_spaces.defaultPodman"]?.bool_val, false);
      // A task that keeps the default `socket` runs on the first block.
      const t = await h.task({
        config: `image = "localhost/ndp/busybox:latest"\ncommand = "true"`,
      });
      await h.start(t);
      const r = await h.client.waitTask(t.id, 30_000);
      assert.equal((r.result as { exit_code: number }).exit_code, 0);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "events: a task on an unknown socket fails naming the socket",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const h = await Harness.start({ pluginConfig: defaultPluginConfig() });
    try {
      const t = await h.task({ config: `image = "localhost/ndp/busybox:latest"\nsocket = "nope"` });
      await assert.rejects(h.start(t), /socket.*"nope"|"nope".*socket/i);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "events: ten concurrent StartTasks of an image not yet present cause one pull",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    await untag(REGISTRY_IMAGE);
    const h = await Harness.start();
    try {
      const tasks = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        h.task({
          name: `t${i}`,
          config: `
            image = "${REGISTRY_IMAGE}"
            command = "true"
            auth {
              username = "${REGISTRY_USER}"
              password = "${REGISTRY_PASSWORD}"
            }`,
        })));
      await Promise.all(tasks.map((t) => h.start(t)));
      for (const t of tasks) {
        const r = await h.client.waitTask(t.id, 30_000);
        assert.equal((r.result as { exit_code: number }).exit_code, 0);
      }
      const pulls = h.plugin.stderrLines.filter((l) => {
        const e = JSON.parse(l) as Record<string, unknown>;
        return e["@message"] === "pulled image";
      });
      assert.equal(pulls.length, 1, pulls.join("\n"));
    } finally {
      await h.close();
      await untag(REGISTRY_IMAGE);
    }
  },
});
