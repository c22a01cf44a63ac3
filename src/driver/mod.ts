/**
 * The public face of src/driver/: what other folders may import.
 *
 * @module
 */
export { DRIVER_NAME, PLUGIN_API_VERSIONS, PLUGIN_VERSION } from "./about.ts";
export { PodmanDriver } from "./driver.ts";
export { DRIVER_STATE_VERSION, DriverStateError } from "./driver_state.ts";
export {
  InvalidRequestError,
  NotConfiguredError,
  NotImplementedError,
  RecoverableError,
  TaskExistsError,
  TaskNotFoundError,
} from "./errors.ts";
export { type FingerprintReport } from "./fingerprint.ts";
export {
  type AllocatedPort,
  type NetworkIsolation,
  type NomadTask,
  type TaskDevice,
  type TaskDns,
  type TaskMount,
} from "./task_request.ts";
export {
  type AgentConfig,
  type DriverNetwork,
  type ExecInput,
  type ExitResult,
  type StatsSample,
  type TaskEvent,
  type TaskState,
} from "./types.ts";
export { type NodeTopology, type TopologyCore, totalComputeMhz } from "./topology.ts";
export { pluginConfigFrom } from "./plugin_config_source.ts";
