/**
 * The driver_state blob inside Nomad's task handle: what RecoverTask needs to
 * find the task again. Versioned JSON; no secrets (no registry password).
 *
 * @module
 */
import type { DriverNetwork } from "./types.ts";

/**
 * Current driver-state format, also the task handle's `version`: one number.
 * 1: first format; 2: adds `imageRef` (image GC of recovered tasks). Every
 * older version still decodes.
 */
export const DRIVER_STATE_VERSION = 2;

/** What we persist per task. */
export interface DriverState {
  /** Name of the plugin socket the container runs on. */
  socket: string;
  containerId: string;
  containerName: string;
  imageId: string;
  /** The task's `image` as written (GC removes this reference); `""` in v1 states. */
  imageRef: string;
  /** Epoch ms the container started. */
  startedAtMs: number;
  network: DriverNetwork | undefined;
  /** Effective log driver, so recovery resumes journald streaming. */
  logDriver: "nomad" | "journald";
  /** Whether log collection was off for this task. */
  logCollectionDisabled: boolean;
}

/** Raised when a stored driver state cannot be read. */
export class DriverStateError extends Error {
  override name = "DriverStateError";
}

/** Encodes the state for `TaskHandle.driver_state`. */
export function encodeDriverState(state: DriverState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: DRIVER_STATE_VERSION, ...state }));
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  return typeof v === "string" ? v : "";
}

/**
 * Decodes a stored state. Accepts every version this plugin ever wrote;
 * fields added later get defaults. The task handle's `version` (the same
 * number, written beside the blob) stands in for a blob without its own `v`.
 */
export function decodeDriverState(bytes: Uint8Array, handleVersion = 0): DriverState {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new DriverStateError(`Cannot decode the task's driver state: ${String(err)}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new DriverStateError("Cannot decode the task's driver state: not an object");
  }
  const o = raw as Record<string, unknown>;
  const v = typeof o.v === "number" ? o.v : handleVersion;
  if (v < 1 || v > DRIVER_STATE_VERSION) {
    throw new DriverStateError(`Cannot decode the task's driver state: unknown version ${v}`);
  }
  const containerId = str(o, "containerId");
  if (!containerId) throw new DriverStateError("The task's driver state has no containerId");
  const net = o.network as Record<string, unknown> | undefined;
  const logDriver = str(o, "logDriver") === "journald" ? "journald" : "nomad";
  return {
    socket: str(o, "socket") || "default",
    containerId,
    containerName: str(o, "containerName"),
    imageId: str(o, "imageId"),
    imageRef: str(o, "imageRef"),
    startedAtMs: typeof o.startedAtMs === "number" ? o.startedAtMs : 0,
    network: net && typeof net === "object"
      ? {
        portMap: (net.portMap ?? {}) as Record<string, number>,
        ip: typeof net.ip === "string" ? net.ip : "",
        autoAdvertise: net.autoAdvertise === true,
      }
      : undefined,
    logDriver,
    logCollectionDisabled: o.logCollectionDisabled === true,
  };
}
