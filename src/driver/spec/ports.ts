/**
 * `portmappings` from `ports` (group network ports) or the deprecated
 * `port_map` (task-level `resources.network` ports).
 *
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import type { TaskConfig } from "../../config/mod.ts";
import type { AllocatedPort, TaskResources } from "../task_request.ts";
import type { PortMapping } from "./types.ts";

/** Network modes in which Podman publishes ports. */
export const PUBLISHING_MODES: ReadonlySet<string> = new Set(["bridge", "slirp4netns", "pasta"]);

/** Port mappings plus the env the legacy `port_map` adds. */
export interface PortsResult {
  mappings: PortMapping[];
  /** `NOMAD_PORT_<label>` → container port, for `port_map`. */
  env: Record<string, string>;
}

function both(hostIp: string, hostPort: number, containerPort: number): PortMapping[] {
  const base = { ...(hostIp ? { host_ip: hostIp } : {}), host_port: hostPort };
  return [
    { ...base, container_port: containerPort, protocol: "tcp" },
    { ...base, container_port: containerPort, protocol: "udp" },
  ];
}

/**
 * Resolves `ports` / `port_map` against the allocated ports. Every port is
 * published for tcp and udp. Errors are raised even when the mappings are
 * not sent (see {@link PUBLISHING_MODES}).
 */
export function buildPorts(
  resources: Pick<TaskResources, "ports" | "legacyNetworkPorts" | "legacyNetworkIp">,
  config: Pick<TaskConfig, "ports" | "portMap">,
): PortsResult {
  const portMapLabels = Object.keys(config.portMap);
  if (config.ports.length > 0 && portMapLabels.length > 0) {
    throw new ConfigError(
      "port_map",
      config.portMap,
      "Invalid port declaration; use of port_map and ports",
    );
  }
  const mappings: PortMapping[] = [];
  const env: Record<string, string> = {};
  if (config.ports.length > 0) {
    if (resources.ports.length === 0) {
      throw new ConfigError("ports", config.ports, "No ports defined in network stanza");
    }
    const byLabel = new Map<string, AllocatedPort>(resources.ports.map((p) => [p.label, p]));
    for (const label of config.ports) {
      const port = byLabel.get(label);
      if (!port) {
        throw new ConfigError("ports", label, `Port "${label}" not found, check network stanza`);
      }
      mappings.push(...both(port.hostIp, port.value, port.to || port.value));
    }
  } else if (portMapLabels.length > 0) {
    if (resources.legacyNetworkPorts.length === 0) {
      throw new ConfigError(
        "port_map",
        config.portMap,
        "Trying to map ports but no network interface is available",
      );
    }
    for (const port of resources.legacyNetworkPorts) {
      const mapped = config.portMap[port.label];
      const containerPort = mapped ?? (port.to || port.value);
      mappings.push(...both(resources.legacyNetworkIp, port.value, containerPort));
    }
    for (const [label, containerPort] of Object.entries(config.portMap)) {
      env[`NOMAD_PORT_${label}`] = String(containerPort);
    }
  }
  return { mappings, env };
}
