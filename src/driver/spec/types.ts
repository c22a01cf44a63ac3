/**
 * The inputs of the spec builders; the create body they build (libpod's
 * `SpecGenerator`) is Podman's type, in src/podman/types.ts.
 *
 * @module
 */

import type { PluginConfig, TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import type { HostFacts } from "../host_facts.ts";

/** The create body's types: Podman's, re-exported for the spec builders. */
export type {
  Device,
  HealthConfigSpec,
  IdMap,
  IdMappings,
  LogConfiguration,
  Mount,
  Namespace,
  PerNetworkOptions,
  PortMapping,
  ResourceLimits,
  Rlimit,
  SpecGenerator,
} from "../../podman/mod.ts";

/** The image's HEALTHCHECK, in nanoseconds (0: Podman's default). */
export interface ImageHealthcheck {
  test: string[];
  intervalNs: number;
  timeoutNs: number;
  startPeriodNs: number;
  retries: number;
}

/** The host facts the spec builders read: a view of the one {@link HostFacts}. */
export type SpecHost = Pick<
  HostFacts,
  "rootless" | "cgroupVersion" | "cgroupManager" | "apiVersion" | "numCpus" | "appArmorEnabled"
>;

/** Resolves symlinks of an existing path (`Deno.realPathSync` by default). */
export type RealPath = (path: string) => string;

/** Everything the spec builders read. */
export interface SpecInput {
  task: NomadTask;
  config: TaskConfig;
  plugin: PluginConfig;
  host: SpecHost;
  /** The resolved image ID (not the name). */
  imageId: string;
  /** Injectable for tests; defaults to `Deno.realPathSync`. */
  realPath?: RealPath;
  /** The image's HEALTHCHECK, needed only when `healthchecks` adjusts it without `cmd`. */
  imageHealthcheck?: ImageHealthcheck | undefined;
}
