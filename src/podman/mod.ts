/**
 * Podman REST (libpod) client over a unix socket or an http(s) base URL.
 * Imports nothing Nomad-specific.
 *
 * @module
 */

export { DEFAULT_TIMEOUT_MS, PodmanClient, type PodmanClientOptions } from "./client.ts";
export type { ContainersApi, SignalOptions } from "./containers.ts";
export type { ImagesApi, PullOptions, RegistryAuth } from "./images.ts";
export { registryAuthHeader } from "./images.ts";
export type { ExecApi, ExecCreateOptions, ExecSession, ExecStartOptions } from "./exec.ts";
export type { EventsOptions } from "./events.ts";
export type { StatsOptions } from "./stats.ts";
export type { LogsOptions } from "./logs.ts";
export * from "./errors.ts";
export type * from "./types.ts";
export { isLocalSocket, UNIX_BASE_URL } from "./_address.ts";
export { ExitDirWatch } from "./exit_dir.ts";
