/**
 * `netns`, `Networks` and static addresses from the group network namespace
 * and `network_mode`.
 *
 * @module
 */

import { isIP } from "node:net";
import { ConfigError } from "../../config/mod.ts";
import type { PluginConfig, TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import { taskReference } from "./naming.ts";
import type { Namespace, PerNetworkOptions, SpecGenerator, SpecHost } from "./types.ts";

/** Podman's default bridge network. */
export const DEFAULT_NETWORK = "podman";
const SIMPLE_MODES = new Set(["bridge", "host", "none", "slirp4netns", "pasta"]);
/** Modes whose options follow a colon (`slirp4netns:allow_host_loopback=true`). */
const MODES_WITH_OPTIONS = new Set(["slirp4netns", "pasta"]);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** The network namespace chosen for a task. */
export interface NetworkChoice {
  netns: Namespace;
  /** Set when `network_mode` names a custom Podman network (its existence is the caller's check). */
  customNetwork?: string;
  /** `slirp4netns:`/`pasta:` options. */
  modeOptions?: string[];
}

function apiMajor(apiVersion: string): number {
  const major = Number.parseInt(apiVersion.replace(/^v/, "").split(".")[0], 10);
  return Number.isFinite(major) ? major : 0;
}

/** The mode used when `network_mode` is empty. */
export function defaultNetworkMode(
  plugin: Pick<PluginConfig, "networking">,
  host: Pick<SpecHost, "rootless" | "apiVersion">,
): string {
  if (!host.rootless) return "bridge";
  if (plugin.networking.defaultRootlessMode !== "") return plugin.networking.defaultRootlessMode;
  return apiMajor(host.apiVersion) >= 5 ? "pasta" : "slirp4netns";
}

/** Parses a non-empty `network_mode`. */
export function parseNetworkMode(mode: string, allocId: string): NetworkChoice {
  if (SIMPLE_MODES.has(mode)) return { netns: { nsmode: mode } };
  const colon = mode.indexOf(":");
  const head = colon < 0 ? mode : mode.slice(0, colon);
  const rest = colon < 0 ? "" : mode.slice(colon + 1);
  if (MODES_WITH_OPTIONS.has(head)) {
    return { netns: { nsmode: head }, modeOptions: rest.split(",").filter((o) => o !== "") };
  }
  if (head === "task" && rest !== "") {
    return { netns: { nsmode: "container", value: taskReference(mode, allocId) } };
  }
  if (head === "container" && rest !== "") return { netns: { nsmode: "container", value: rest } };
  if (head === "ns" && rest.startsWith("/")) return { netns: { nsmode: "path", value: rest } };
  if (colon >= 0 || mode.includes("/")) {
    throw new ConfigError(
      "network_mode",
      mode,
      "must be bridge, host, none, slirp4netns, pasta, container:<id>, ns:<path>, task:<name> or a network name",
    );
  }
  return { netns: { nsmode: "bridge" }, customNetwork: mode };
}

/** The namespace for the task: Nomad's group netns wins over `network_mode`. */
export function chooseNetwork(
  task: Pick<NomadTask, "allocId" | "networkIsolation">,
  config: Pick<TaskConfig, "networkMode">,
  plugin: Pick<PluginConfig, "networking">,
  host: Pick<SpecHost, "rootless" | "apiVersion">,
): NetworkChoice {
  const path = task.networkIsolation?.path ?? "";
  if (path !== "") return { netns: { nsmode: "path", value: path } };
  const mode = config.networkMode || defaultNetworkMode(plugin, host);
  return parseNetworkMode(mode, task.allocId);
}

function staticOptions(
  config: Pick<TaskConfig, "ipv4Address" | "ipv6Address" | "staticIps" | "staticMac">,
): PerNetworkOptions | undefined {
  const ips: string[] = [];
  const add = (field: string, value: string, family: 0 | 4 | 6) => {
    const got = isIP(value);
    if (got === 0 || (family !== 0 && got !== family)) {
      throw new ConfigError(field, value, `not an IPv${family || "4/IPv6"} address`);
    }
    ips.push(value);
  };
  if (config.ipv4Address !== "") add("ipv4_address", config.ipv4Address, 4);
  if (config.ipv6Address !== "") add("ipv6_address", config.ipv6Address, 6);
  for (const ip of config.staticIps) add("static_ips", ip, 0);
  if (config.staticMac !== "" && !MAC.test(config.staticMac)) {
    throw new ConfigError("static_mac", config.staticMac, "not a MAC address (xx:xx:xx:xx:xx:xx)");
  }
  if (ips.length === 0 && config.staticMac === "") return undefined;
  return {
    ...(ips.length ? { static_ips: ips } : {}),
    ...(config.staticMac ? { static_mac: config.staticMac.toLowerCase() } : {}),
  };
}

/** Builds `netns`, `network_options` and `Networks`. */
export function buildNetwork(
  choice: NetworkChoice,
  config: Parameters<typeof staticOptions>[0],
): SpecGenerator {
  const spec: SpecGenerator = { netns: choice.netns };
  if (choice.modeOptions && choice.modeOptions.length > 0) {
    spec.network_options = { [choice.netns.nsmode]: choice.modeOptions };
  }
  const statics = staticOptions(config);
  if (statics && choice.netns.nsmode !== "bridge") {
    const field = config.ipv4Address
      ? "ipv4_address"
      : config.ipv6Address
      ? "ipv6_address"
      : config.staticIps.length
      ? "static_ips"
      : "static_mac";
    const why = choice.netns.nsmode === "path" && choice.netns.value
      ? "the task joins the group network namespace"
      : `network mode is ${choice.netns.nsmode}`;
    throw new ConfigError(field, config[fieldKey(field)], `only valid in bridge mode (${why})`);
  }
  if (choice.customNetwork !== undefined || statics) {
    spec.Networks = { [choice.customNetwork ?? DEFAULT_NETWORK]: statics ?? {} };
  }
  return spec;
}

function fieldKey(field: string): "ipv4Address" | "ipv6Address" | "staticIps" | "staticMac" {
  switch (field) {
    case "ipv4_address":
      return "ipv4Address";
    case "ipv6_address":
      return "ipv6Address";
    case "static_ips":
      return "staticIps";
    default:
      return "staticMac";
  }
}
