import assert from "node:assert/strict";
import { makeConfig, makePlugin, makeTask } from "../../../tests/support/factories.ts";
import { buildLogging } from "./logging.ts";

const task = makeTask({ stdoutPath: "/a/alloc/logs/.web.stdout.fifo" });

Deno.test("nomad logging is k8s-file into the stdout FIFO", () => {
  assert.deepEqual(buildLogging(task, makeConfig(), makePlugin()).log_configuration, {
    driver: "k8s-file",
    path: "/a/alloc/logs/.web.stdout.fifo",
  });
});

Deno.test("journald logging passes options and no path", () => {
  const config = makeConfig({ logging: { driver: "journald", options: { tag: "web" } } });
  assert.deepEqual(buildLogging(task, config, makePlugin()).log_configuration, {
    driver: "journald",
    options: { tag: "web" },
  });
});

Deno.test("the task logging block replaces the plugin default", () => {
  const plugin = makePlugin({ logging: { driver: "journald", options: { tag: "p" } } });
  assert.equal(buildLogging(task, makeConfig(), plugin).log_configuration?.driver, "journald");
  const config = makeConfig({ logging: { driver: "nomad", options: {} } });
  assert.deepEqual(buildLogging(task, config, plugin).log_configuration, {
    driver: "k8s-file",
    path: task.stdoutPath,
  });
});

Deno.test("disable_log_collection leaves k8s-file without a path", () => {
  const plugin = makePlugin({ disableLogCollection: true });
  assert.deepEqual(buildLogging(task, makeConfig(), plugin).log_configuration, {
    driver: "k8s-file",
  });
});
