/**
 * Pure builders from a Nomad task and its decoded `config {}` to the libpod
 * `SpecGenerator` JSON sent to `POST /libpod/containers/create`, and the
 * post-create check that Podman kept what we asked for.
 *
 * @example
 * ```ts
 * const network = customNetworkToCheck(input); // must exist: ask Podman first
 * const spec = buildContainerSpec(input);
 * // ... create, start, inspect ...
 * const problems = verifyContainer(spec, inspect);
 * ```
 *
 * @module
 */

import { buildDevices } from "./devices.ts";
import { buildDns, buildExtraHosts } from "./dns.ts";
import { buildEnv, buildLabels } from "./env_labels.ts";
import { buildHealthcheck } from "./healthcheck.ts";
import { buildIpc } from "./ipc.ts";
import { buildLogging } from "./logging.ts";
import { buildMounts } from "./mounts.ts";
import { buildNetwork, chooseNetwork } from "./network.ts";
import { buildPorts, PUBLISHING_MODES } from "./ports.ts";
import { buildProcess } from "./process.ts";
import { buildResources } from "./resources.ts";
import { buildSecurity } from "./security.ts";
import type { SpecGenerator, SpecInput } from "./types.ts";
import { buildUserns } from "./userns.ts";

export type * from "./types.ts";
export { containerName, taskReference } from "./naming.ts";
export { NOMAD_LABEL_PREFIX, OWNER_LABELS } from "./env_labels.ts";
export { effectiveLogging } from "./logging.ts";
export { isNoHealthcheck, needsImageHealthcheck } from "./healthcheck.ts";
export { type InspectView, type VerificationProblem, verifyContainer } from "./verify.ts";

/**
 * The custom Podman network `network_mode` names, if any: the caller must
 * check it exists (`GET /libpod/networks/{name}/exists`) before creating.
 */
export function customNetworkToCheck(input: SpecInput): string | undefined {
  return chooseNetwork(input.task, input.config, input.plugin, input.host).customNetwork;
}

/**
 * Builds the whole create body. Throws `ConfigError` (from
 * `src/config/errors.ts`) naming the option and value for invalid input.
 */
export function buildContainerSpec(input: SpecInput): SpecGenerator {
  const { task, config, plugin, host } = input;
  const network = chooseNetwork(task, config, plugin, host);
  const ports = buildPorts(task.resources, config);
  // With the group netns (or host/none/container modes) the namespace owner
  // publishes ports, and Podman refuses port mappings there.
  const publish = PUBLISHING_MODES.has(network.netns.nsmode) && ports.mappings.length > 0;
  return Object.assign(
    {},
    buildProcess(task, config, input.imageId),
    buildEnv(task, ports.env),
    buildLabels(task, config, plugin),
    buildLogging(task, config, plugin),
    buildMounts(task, config, plugin, input.realPath),
    buildDevices(task, config),
    buildResources(task.resources, config, host),
    buildSecurity(config, host),
    buildUserns(config.userns),
    buildIpc(config, task.allocId),
    buildNetwork(network, config),
    publish ? { portmappings: ports.mappings } : {},
    buildDns(task, plugin),
    buildExtraHosts(config),
    buildHealthcheck(config, input.imageHealthcheck),
  );
}
