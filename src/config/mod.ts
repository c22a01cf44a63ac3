/**
 * Plugin and task configuration: schemas handed to Nomad and decoders of
 * the cty msgpack it sends back.
 *
 * `PluginConfig.sockets[0]` is always the default socket; resolve a task's
 * `socket` with {@link findSocket}.
 *
 * @module
 */

export type * from "./types.ts";
export { ConfigError } from "./errors.ts";
export {
  decodeCtyValue,
  decodeMsgpackRaw,
  decodeWithSpec,
  type Plain,
  type PlainObject,
} from "./cty_msgpack.ts";
export { durationField, parseGoDuration } from "./duration.ts";
export { sizeField, type SizeOptions } from "./size.ts";
export {
  decodePluginConfig,
  DEFAULT_SOCKET_NAME,
  defaultPluginConfig,
  defaultSocketPath,
  findSocket,
  PLUGIN_CONFIG_SPEC,
  type PluginConfigOptions,
} from "./plugin_config.ts";
export {
  decodeTaskConfig,
  DEFAULT_CPU_CFS_PERIOD,
  defaultTaskConfig,
  TASK_CONFIG_SPEC,
  type TaskConfigOptions,
} from "./task_config.ts";
export { normalizeCap, RUNTIME_OPTIONS } from "./plugin_config.ts";
export {
  type LoggingConfig,
  type PluginConfig,
  type SocketConfig,
  type TaskAuth,
  type TaskConfig,
} from "./types.ts";
