/**
 * The go-plugin server host: listens on a unix socket, prints the handshake
 * line, serves until shut down, and exits cleanly.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../plugin_log/mod.ts";
import { handshakeLine, negotiateProtocolVersion } from "./handshake.ts";
import { bindAtPlace, chooseSocketPlace } from "./socket_place.ts";

/** One gRPC service to register. */
export interface ServiceRegistration {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/** How the host is set up. */
export interface ServeOptions {
  logger: Logger;
  /** Reads an environment variable. */
  env: (key: string) => string | undefined;
  /** Builds the services; `requestShutdown` makes the host exit. */
  services: (requestShutdown: (reason: string) => void) => ServiceRegistration[];
  /** Called once before the process exits (stop background work). */
  onShutdown?: () => Promise<void>;
  /** Writes the handshake line (default: synchronously to stdout). */
  writeStdout?: (line: string) => void;
}

function writeStdoutSync(line: string): void {
  const bytes = new TextEncoder().encode(line);
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

/** Routes grpc-js's own diagnostics into hclog lines instead of raw stderr. */
function routeGrpcLogs(logger: Logger): void {
  const fmt = (args: unknown[]) => args.map((a) => String(a)).join(" ");
  grpc.setLogger({
    error: (...args: unknown[]) => logger.error(fmt(args)),
    info: (...args: unknown[]) => logger.debug(fmt(args)),
    debug: (...args: unknown[]) => logger.trace(fmt(args)),
  } as Partial<Console>);
  grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
}

/** SIGTERM shuts down; SIGINT and SIGHUP are ignored (logged at debug). */
function listenForSignals(logger: Logger, onTerm: () => void): void {
  const ignore = (signal: Deno.Signal) => () => logger.debug("ignoring signal", { signal });
  Deno.addSignalListener("SIGINT", ignore("SIGINT"));
  Deno.addSignalListener("SIGHUP", ignore("SIGHUP"));
  Deno.addSignalListener("SIGTERM", onTerm);
}

/** `PLUGIN_UNIX_SOCKET_GROUP` (a GID): the socket is given to that group, mode 0660. */
function giveSocketToGroup(path: string, group: string | undefined, logger: Logger): void {
  if (!group || !/^\d+$/.test(group)) return;
  try {
    Deno.chownSync(path, null, Number(group));
    Deno.chmodSync(path, 0o660);
  } catch (err) {
    logger.warn("cannot give the plugin socket to its group", { group, error: String(err) });
  }
}

/**
 * Serves the plugin until Shutdown or SIGTERM. Resolves with the exit code.
 * SIGINT and SIGHUP are ignored (a Ctrl-C or a closing terminal of the agent
 * must not stop the plugin; the agent reattaches after its own restart).
 */
export async function servePlugin(options: ServeOptions): Promise<number> {
  const { logger, env } = options;
  routeGrpcLogs(logger);
  const appVersion = negotiateProtocolVersion(env("PLUGIN_PROTOCOL_VERSIONS"));
  const place = chooseSocketPlace(env);

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let shuttingDown = false;

  const server = new grpc.Server({
    "grpc.max_receive_message_length": 2 ** 31 - 1,
    "grpc.max_send_message_length": 2 ** 31 - 1,
  });

  const requestShutdown = (reason: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info("plugin shutting down", { reason });
    // No HTTP/2 drain: the process exits right after, and the kernel closes the
    // connections. (A GOAWAY here crashed Deno's own http2 client in tests, and
    // Nomad only waits for the process to exit.)
    // go-plugin's Kill waits 2 s after Shutdown before SIGKILL; stopping the driver can take
    // longer than that after a busy run (seen through tests/nomad), so exit after 1 s anyway.
    const exitAnyway = setTimeout(() => {
      place.cleanup();
      resolveDone(0);
    }, 1000);
    (async () => {
      try {
        await options.onShutdown?.();
      } catch (err) {
        logger.error("error while stopping the driver", { error: String(err) });
      }
      clearTimeout(exitAnyway);
      place.cleanup();
      resolveDone(0);
    })();
  };

  for (const reg of options.services(requestShutdown)) {
    server.addService(reg.definition, reg.implementation);
  }

  listenForSignals(logger, () => requestShutdown("SIGTERM"));

  await bindAtPlace(place, (path) =>
    new Promise<void>((resolve, reject) => {
      server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (err) => {
        if (err) reject(err);
        else resolve();
      });
    }));
  giveSocketToGroup(place.path, env("PLUGIN_UNIX_SOCKET_GROUP"), logger);
  logger.debug("plugin address", { network: "unix", address: place.path });
  (options.writeStdout ?? writeStdoutSync)(handshakeLine(appVersion, place.path));
  return await done;
}
