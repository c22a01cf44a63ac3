/**
 * Maps driver errors to gRPC status errors the Nomad client understands.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { encodeMessage, lookupMessageType } from "./proto_root.ts";
import { ConfigError } from "../config/mod.ts";
import {
  InvalidRequestError,
  NotConfiguredError,
  NotImplementedError,
  RecoverableError,
  TaskExistsError,
  TaskNotFoundError,
} from "../driver/mod.ts";
import { DriverStateError } from "../driver/mod.ts";
import { errorMessage } from "../common/mod.ts";

const RECOVERABLE_TYPE = "hashicorp.nomad.plugins.shared.structs.RecoverableError";

/**
 * Longest status message we send: it travels in the `grpc-message` trailer,
 * and clients refuse oversized headers (grpc-js cancels the call).
 */
export const MAX_STATUS_MESSAGE = 4096;

/** A grpc-js error object for a callback or `emit("error")`. */
export type GrpcError = Partial<grpc.StatusObject> & { code: grpc.status; details: string };

function codeFor(err: unknown): grpc.status {
  if (
    err instanceof ConfigError || err instanceof InvalidRequestError ||
    err instanceof DriverStateError
  ) {
    return grpc.status.INVALID_ARGUMENT;
  }
  if (err instanceof TaskNotFoundError) return grpc.status.NOT_FOUND;
  if (err instanceof TaskExistsError) return grpc.status.ALREADY_EXISTS;
  if (err instanceof NotImplementedError) return grpc.status.UNIMPLEMENTED;
  if (err instanceof NotConfiguredError) return grpc.status.FAILED_PRECONDITION;
  if (err instanceof RecoverableError) return grpc.status.FAILED_PRECONDITION;
  return grpc.status.UNKNOWN;
}

/**
 * Builds the gRPC error for `err`. A {@link RecoverableError} becomes
 * FAILED_PRECONDITION with a `RecoverableError` as the first status detail,
 * which is how Nomad decides whether the restart policy applies.
 * Never UNAVAILABLE: Nomad reads that as "the plugin process is gone".
 */
export function toGrpcError(err: unknown): GrpcError {
  const message = statusMessage(errorMessage(err));
  const code = codeFor(err);
  if (!(err instanceof RecoverableError)) return { code, details: message };
  const detail = encodeMessage(lookupMessageType(RECOVERABLE_TYPE), {
    recoverable: err.recoverable,
  });
  const status = encodeMessage(lookupMessageType("google.rpc.Status"), {
    code,
    message,
    details: [{ type_url: `type.googleapis.com/${RECOVERABLE_TYPE}`, value: detail }],
  });
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(status));
  return { code, details: message, metadata };
}

/**
 * A status message safe for the `grpc-message` trailer: well-formed UTF-16
 * (grpc-js percent-encodes it, which throws on a lone surrogate and turns the
 * status into UNKNOWN "Unknown error") and at most {@link MAX_STATUS_MESSAGE}
 * characters.
 */
export function statusMessage(text: string): string {
  const clipped = text.length > MAX_STATUS_MESSAGE
    ? `${text.slice(0, MAX_STATUS_MESSAGE)}…(${text.length} chars)`
    : text;
  return clipped.toWellFormed();
}
