/**
 * go-plugin's own gRPC services: health, controller, stdio and broker.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../plugin_log/mod.ts";

/** Health status values of grpc.health.v1. */
const SERVING = 1;

/** Services the health check reports as serving. */
const HEALTHY_SERVICES = new Set(["", "plugin"]);

/** Holds a server stream open until the client cancels or the process stops. */
function holdOpen(call: grpc.ServerWritableStream<unknown, unknown>): void {
  const end = () => {
    try {
      call.end();
    } catch { /* already closed */ }
  };
  call.on("cancelled", end);
  call.on("error", end);
}

/** grpc.health.v1.Health: "plugin" is SERVING, as go-plugin servers answer. */
export function healthService(): grpc.UntypedServiceImplementation {
  return {
    Check(
      call: grpc.ServerUnaryCall<{ service?: string }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const service = call.request.service ?? "";
      if (HEALTHY_SERVICES.has(service)) {
        callback(null, { status: SERVING });
      } else {
        callback({ code: grpc.status.NOT_FOUND, details: `Unknown service "${service}"` });
      }
    },
    Watch(call: grpc.ServerWritableStream<{ service?: string }, unknown>) {
      const service = call.request.service ?? "";
      call.write({ status: HEALTHY_SERVICES.has(service) ? SERVING : 3 /* SERVICE_UNKNOWN */ });
      holdOpen(call);
    },
  };
}

/** plugin.GRPCController: Shutdown replies, then asks the host to exit. */
export function controllerService(
  requestShutdown: (reason: string) => void,
): grpc.UntypedServiceImplementation {
  return {
    Shutdown(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      callback(null, {});
      // Let the reply flush before the server goes down.
      setTimeout(() => requestShutdown("GRPCController.Shutdown"), 50);
    },
  };
}

/**
 * plugin.GRPCStdio: Nomad discards this data; we never write to our own
 * stdout after the handshake, so the stream is simply held open.
 */
export function stdioService(): grpc.UntypedServiceImplementation {
  return {
    StreamStdio(call: grpc.ServerWritableStream<unknown, unknown>) {
      holdOpen(call);
    },
  };
}

/** plugin.GRPCBroker: drivers never use the broker; accept and hold the stream. */
export function brokerService(logger: Logger): grpc.UntypedServiceImplementation {
  return {
    StartStream(call: grpc.ServerDuplexStream<unknown, unknown>) {
      call.on("data", (info: unknown) => {
        logger.trace("ignoring broker connection info", { info: JSON.stringify(info) });
      });
      const end = () => {
        try {
          call.end();
        } catch { /* already closed */ }
      };
      call.on("end", end);
      call.on("cancelled", end);
      call.on("error", end);
    },
  };
}
