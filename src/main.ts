/**
 * Entry point: cookie check → logger → driver → serve the go-plugin protocol.
 *
 * @module
 */
import { hasMagicCookie, NOT_A_PLUGIN_MESSAGE } from "./plugin/mod.ts";
import { servePlugin } from "./plugin/mod.ts";
import { brokerService, controllerService, healthService, stdioService } from "./plugin/mod.ts";
import { serviceDefinition } from "./grpc/mod.ts";
import { basePluginService } from "./grpc/mod.ts";
import { driverService } from "./grpc/mod.ts";
import { PodmanDriver } from "./driver/mod.ts";
import { rootLogger } from "./plugin_log/mod.ts";
import { errorMessage } from "./common/mod.ts";

function env(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  if (!hasMagicCookie(env)) {
    Deno.stderr.writeSync(new TextEncoder().encode(NOT_A_PLUGIN_MESSAGE));
    return 1;
  }
  const logger = rootLogger;
  // Nothing may crash the plugin: log stray errors instead of dying with a non-JSON trace.
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    logger.error("unhandled rejection", { error: String(e.reason?.stack ?? e.reason) });
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    logger.error("uncaught error", { error: String(e.error?.stack ?? e.message) });
  });
  const driver = new PodmanDriver(logger.named("driver"));
  try {
    return await serve(driver);
  } catch (err) {
    // E.g. a go-plugin socket dir outside the deployment profile: one clear hclog line.
    logger.error("cannot serve the plugin", {
      error: errorMessage(err),
    });
    return 1;
  }
}

function serve(driver: PodmanDriver): Promise<number> {
  const logger = rootLogger;
  return servePlugin({
    logger: logger.named("plugin"),
    env,
    onShutdown: () => driver.shutdown(),
    services: (requestShutdown) => [
      {
        definition: serviceDefinition("hashicorp.nomad.plugins.base.proto.BasePlugin"),
        implementation: basePluginService(driver, logger.named("base")),
      },
      {
        definition: serviceDefinition("hashicorp.nomad.plugins.drivers.proto.Driver"),
        implementation: driverService(driver, logger.named("grpc")),
      },
      { definition: serviceDefinition("grpc.health.v1.Health"), implementation: healthService() },
      {
        definition: serviceDefinition("plugin.GRPCController"),
        implementation: controllerService(requestShutdown),
      },
      { definition: serviceDefinition("plugin.GRPCStdio"), implementation: stdioService() },
      {
        definition: serviceDefinition("plugin.GRPCBroker"),
        implementation: brokerService(logger.named("broker")),
      },
    ],
  });
}

if (import.meta.main) {
  Deno.exit(await main());
}
