/**
 * hashicorp.nomad.plugins.base.proto.BasePlugin: identity, config schema and
 * SetConfig. Translation only; the driver keeps the configuration.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import type { ProtoMessage } from "./proto_root.ts";
import { toGrpcError } from "./status.ts";
import { PLUGIN_CONFIG_SPEC } from "../config/mod.ts";
import { DRIVER_NAME, PLUGIN_API_VERSIONS, PLUGIN_VERSION } from "../driver/mod.ts";
import type { PodmanDriver } from "../driver/mod.ts";
import type { AgentConfig, NodeTopology } from "../driver/mod.ts";
import { pluginConfigFrom, totalComputeMhz } from "../driver/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";

const PLUGIN_TYPE_DRIVER = 2;

type Unary = (
  call: grpc.ServerUnaryCall<ProtoMessage, ProtoMessage>,
  callback: grpc.sendUnaryData<ProtoMessage>,
) => void;

function list(v: unknown): ProtoMessage[] {
  return Array.isArray(v) ? v as ProtoMessage[] : [];
}

/** Nomad's client topology proto as the driver's plain {@link NodeTopology}. */
function topologyFromProto(topology: ProtoMessage | null | undefined): NodeTopology | undefined {
  if (!topology) return undefined;
  return {
    overrideTotalCompute: Number(topology.override_total_compute ?? 0),
    cores: list(topology.cores).map((core) => ({
      disable: core.disable === true,
      maxSpeed: Number(core.max_speed ?? 0),
      baseSpeed: Number(core.base_speed ?? 0),
      guessSpeed: Number(core.guess_speed ?? 0),
    })),
  };
}

function agentConfig(nomad: ProtoMessage | null | undefined): AgentConfig | undefined {
  const driver = nomad?.driver as ProtoMessage | null | undefined;
  if (!driver) return undefined;
  return {
    clientMinPort: Number(driver.ClientMinPort ?? 0),
    clientMaxPort: Number(driver.ClientMaxPort ?? 0),
    totalComputeMhz: totalComputeMhz(topologyFromProto(driver.Topology as ProtoMessage | null)),
  };
}

/** The BasePlugin implementation over a driver. */
export function basePluginService(
  driver: PodmanDriver,
  logger: Logger,
): grpc.UntypedServiceImplementation {
  const PluginInfo: Unary = (_call, callback) => {
    callback(null, {
      type: PLUGIN_TYPE_DRIVER,
      plugin_api_versions: [...PLUGIN_API_VERSIONS],
      plugin_version: PLUGIN_VERSION,
      name: DRIVER_NAME,
    });
  };
  const ConfigSchema: Unary = (_call, callback) => {
    callback(null, { spec: PLUGIN_CONFIG_SPEC as unknown as ProtoMessage });
  };
  const SetConfig: Unary = (call, callback) => {
    try {
      const bytes = call.request.msgpack_config;
      const config = pluginConfigFrom(bytes instanceof Uint8Array ? bytes : undefined);
      const agent = agentConfig(call.request.nomad_config as ProtoMessage | null);
      driver.configure(config, agent);
      logger.info("plugin configured", {
        api_version: String(call.request.plugin_api_version ?? ""),
        sockets: config.sockets.map((s) => `${s.name}=${s.socketPath}`).join(","),
        with_agent_config: agent !== undefined,
      });
      if (config.recoverStopped) {
        logger.warn(
          "recover_stopped is enabled: exited containers are restarted on recovery, which can delay the client after a reboot",
        );
      }
      callback(null, {});
    } catch (err) {
      logger.error("SetConfig rejected the plugin configuration", { error: String(err) });
      callback(toGrpcError(err));
    }
  };
  return { PluginInfo, ConfigSchema, SetConfig };
}
