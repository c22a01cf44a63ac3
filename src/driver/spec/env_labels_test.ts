import assert from "node:assert/strict";
import { makeConfig, makePlugin, makeTask } from "../../../tests/support/factories.ts";
import { buildEnv, buildLabels, extraLabels, globMatch, OWNER_LABELS } from "./env_labels.ts";

Deno.test("env is Nomad's env map as-is, plus extra entries", () => {
  const spec = buildEnv(makeTask({ env: { A: "1", NOMAD_TASK_NAME: "web" } }), {
    NOMAD_PORT_http: "80",
  });
  assert.deepEqual(spec.env, { A: "1", NOMAD_TASK_NAME: "web", NOMAD_PORT_http: "80" });
});

Deno.test("globMatch supports * anywhere", () => {
  assert.ok(globMatch("task*", "task_name"));
  assert.ok(globMatch("*", "anything"));
  assert.ok(globMatch("*_name", "node_name"));
  assert.ok(globMatch("t*k*e", "task_group_name"));
  assert.ok(!globMatch("task*", "job_name"));
  assert.ok(!globMatch("job_name", "job_names"));
  assert.ok(!globMatch("a*a", "a"));
});

Deno.test("extra_labels task* selects task_name and task_group_name plus alloc_id", () => {
  const labels = extraLabels(makeTask(), ["task*"]);
  assert.deepEqual(labels, {
    "com.hashicorp.nomad.task_name": "web",
    "com.hashicorp.nomad.task_group_name": "frontend",
    "com.hashicorp.nomad.alloc_id": makeTask().allocId,
  });
  assert.deepEqual(extraLabels(makeTask(), []), {});
  assert.equal(Object.keys(extraLabels(makeTask(), ["*"])).length, 8);
  assert.deepEqual(extraLabels(makeTask(), ["com.hashicorp.nomad.job_id"]), {
    "com.hashicorp.nomad.job_id": "shop-id",
    "com.hashicorp.nomad.alloc_id": makeTask().allocId,
  });
});

Deno.test("labels merge job labels, extra labels and ownership labels, which win", () => {
  const task = makeTask();
  const spec = buildLabels(
    task,
    makeConfig({ labels: { team: "a", [OWNER_LABELS.taskId]: "spoofed" } }),
    makePlugin({ extraLabels: ["job_name"] }),
  );
  assert.deepEqual(spec.labels, {
    team: "a",
    "com.hashicorp.nomad.job_name": "shop",
    "com.hashicorp.nomad.alloc_id": task.allocId,
    "io.nomad-driver-podman.managed": "true",
    "io.nomad-driver-podman.task_id": task.id,
    "io.nomad-driver-podman.alloc_id": task.allocId,
    "io.nomad-driver-podman.task_name": "web",
  });
});
