/**
 * Host ports for a job's `port` blocks, as a Nomad client allocates them:
 * static ports as written, dynamic ones from a free range (20000–32000, like
 * Nomad's default), always on 127.0.0.1.
 *
 * @module
 */
import type { PortDecl } from "./jobspec.ts";

/** The only address run-job publishes on. */
export const HOST_IP = "127.0.0.1";
/** Nomad's default dynamic port range. */
export const MIN_DYNAMIC_PORT = 20000;
export const MAX_DYNAMIC_PORT = 32000;

/** An allocated port: label, host port, port inside the namespace. */
export interface AllocatedPort {
  label: string;
  value: number;
  to: number;
  hostIp: string;
}

/** A port that cannot be had. */
export class PortError extends Error {
  readonly label: string;
  constructor(label: string, message: string) {
    super(`port "${label}": ${message}`);
    this.name = "PortError";
    this.label = label;
  }
}

/** Whether a TCP port can be bound on 127.0.0.1 right now. */
export function portFree(port: number): boolean {
  try {
    const l = Deno.listen({ hostname: HOST_IP, port, transport: "tcp" });
    l.close();
    return true;
  } catch {
    return false;
  }
}

/** Allocates ports; `taken` are ports already handed out in this run. */
export function allocatePorts(
  decls: PortDecl[],
  taken: Set<number>,
  isFree: (port: number) => boolean = portFree,
): AllocatedPort[] {
  return decls.map((d) => {
    let value = d.static;
    if (value > 0) {
      if (value > 65535) throw new PortError(d.label, `static port ${value} is out of range`);
      if (taken.has(value) || !isFree(value)) {
        throw new PortError(d.label, `static port ${value} on ${HOST_IP} is in use`);
      }
    } else {
      value = 0;
      for (let tries = 0; tries < 200 && value === 0; tries++) {
        const p = MIN_DYNAMIC_PORT +
          Math.floor(Math.random() * (MAX_DYNAMIC_PORT - MIN_DYNAMIC_PORT));
        if (!taken.has(p) && isFree(p)) value = p;
      }
      if (value === 0) {
        throw new PortError(
          d.label,
          `no free port in ${MIN_DYNAMIC_PORT}-${MAX_DYNAMIC_PORT} on ${HOST_IP}`,
        );
      }
    }
    taken.add(value);
    return { label: d.label, value, to: d.to, hostIp: HOST_IP };
  });
}
