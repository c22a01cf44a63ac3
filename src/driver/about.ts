/**
 * Static facts about the plugin: identity, API versions, capabilities.
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };

/** The driver name jobs use (`driver = "podman"`). */
export const DRIVER_NAME = "podman";
/** Plugin version, from deno.json. */
export const PLUGIN_VERSION: string = denoJson.version;
/** Nomad plugin API versions we speak (Nomad accepts a 0.1.0 equivalent). */
export const PLUGIN_API_VERSIONS: readonly string[] = ["0.1.0"];

/** Filesystem isolation kinds (proto enum DriverCapabilities.FSIsolation). */
export const FsIsolation = { NONE: 0, CHROOT: 1, IMAGE: 2, UNVEIL: 3 } as const;
/** Network isolation modes (proto enum NetworkIsolationSpec.NetworkIsolationMode). */
export const NetIsolationMode = { HOST: 0, GROUP: 1, TASK: 2, NONE: 3 } as const;
/** Mount support (proto enum DriverCapabilities.MountConfigs). */
export const MountConfigs = { ANY_MOUNTS: 0, NO_MOUNTS: 1 } as const;

/** What this driver can do, as Nomad's DriverCapabilities. */
export interface Capabilities {
  sendSignals: boolean;
  exec: boolean;
  fsIsolation: number;
  networkIsolationModes: number[];
  mustCreateNetwork: boolean;
  mountConfigs: number;
  disableLogCollection: boolean;
  dynamicWorkloadUsers: boolean;
}

/**
 * The capabilities we declare. `disableLogCollection` follows the plugin
 * option so Nomad does not start logmon when we collect nothing.
 */
export function capabilities(disableLogCollection: boolean): Capabilities {
  return {
    sendSignals: true,
    exec: true,
    fsIsolation: FsIsolation.IMAGE,
    networkIsolationModes: [NetIsolationMode.HOST, NetIsolationMode.GROUP, NetIsolationMode.TASK],
    mustCreateNetwork: false,
    mountConfigs: MountConfigs.ANY_MOUNTS,
    disableLogCollection,
    dynamicWorkloadUsers: false,
  };
}
