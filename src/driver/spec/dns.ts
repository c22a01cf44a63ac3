/**
 * `dns_server`/`dns_search`/`dns_option` and `hostadd`.
 *
 * @module
 */

import { isIP } from "node:net";
import { ConfigError } from "../../config/mod.ts";
import type { PluginConfig, TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import type { SpecGenerator } from "./types.ts";

/**
 * Builds DNS settings: the group's `network.dns` servers, else the plugin's
 * `dns_servers`; searches and options come from `network.dns`.
 */
export function buildDns(
  task: Pick<NomadTask, "dns">,
  plugin: Pick<PluginConfig, "dnsServers">,
): SpecGenerator {
  const spec: SpecGenerator = {};
  const fromTask = task.dns?.servers ?? [];
  const [field, servers] = fromTask.length > 0
    ? ["network.dns.servers", fromTask]
    : ["dns_servers", plugin.dnsServers];
  for (const server of servers) {
    if (isIP(server) === 0) throw new ConfigError(field, server, "not an IP address");
  }
  if (servers.length > 0) spec.dns_server = [...servers];
  if (task.dns && task.dns.searches.length > 0) spec.dns_search = [...task.dns.searches];
  if (task.dns && task.dns.options.length > 0) spec.dns_option = [...task.dns.options];
  return spec;
}

/** Builds `hostadd` from `extra_hosts` (`host:ip`). */
export function buildExtraHosts(config: Pick<TaskConfig, "extraHosts">): SpecGenerator {
  for (const entry of config.extraHosts) {
    const colon = entry.indexOf(":");
    if (colon <= 0 || colon === entry.length - 1) {
      throw new ConfigError(
        "extra_hosts",
        entry,
        `cannot use ${JSON.stringify(entry)} as extra_hosts (must be host:ip)`,
      );
    }
  }
  return config.extraHosts.length > 0 ? { hostadd: [...config.extraHosts] } : {};
}
