/**
 * `log_configuration`: Nomad's `nomad` driver is Podman's `k8s-file` written
 * straight into Nomad's stdout FIFO; `journald` is streamed by the driver.
 *
 * @module
 */

import type { LoggingConfig, PluginConfig, TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import type { SpecGenerator } from "./types.ts";

/** The log setup in force: the task's `logging` block replaces the plugin default. */
export function effectiveLogging(
  config: Pick<TaskConfig, "logging">,
  plugin: Pick<PluginConfig, "logging">,
): LoggingConfig {
  return config.logging ?? plugin.logging;
}

/** Builds `log_configuration`. */
export function buildLogging(
  task: Pick<NomadTask, "stdoutPath">,
  config: Pick<TaskConfig, "logging">,
  plugin: Pick<PluginConfig, "logging" | "disableLogCollection">,
): SpecGenerator {
  const logging = effectiveLogging(config, plugin);
  const options = Object.keys(logging.options).length > 0 ? { ...logging.options } : undefined;
  if (logging.driver === "journald") {
    return { log_configuration: { driver: "journald", ...(options ? { options } : {}) } };
  }
  // conmon writes both streams, k8s-file framed, into the stdout FIFO; with
  // log collection disabled Podman keeps its own k8s-file and Nomad sees nothing.
  return {
    log_configuration: {
      driver: "k8s-file",
      ...(plugin.disableLogCollection ? {} : { path: task.stdoutPath }),
      ...(options ? { options } : {}),
    },
  };
}
