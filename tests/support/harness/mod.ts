/**
 * The Nomad-client harness used by every end-to-end test: starts the plugin
 * as a separate process, connects, checks health, and cleans up.
 *
 * @module
 */
import { NomadClient } from "./client.ts";
import { type PluginProcess, type SpawnOptions, spawnPlugin } from "./plugin_process.ts";
import { buildTask, type BuiltTask, type TaskOptions } from "./task.ts";
import { PODMAN_SOCKET } from "./env.ts";
import type { ProtoMessage } from "../../../src/grpc/proto_root.ts";

export * from "./env.ts";
export * from "./client.ts";
export * from "./plugin_process.ts";
export * from "./alloc_dir.ts";
export * from "./task.ts";

/** The plugin block every e2e test uses unless it says otherwise. */
export function defaultPluginConfig(extra = ""): string {
  return `socket_path = "unix://${PODMAN_SOCKET}"\n${extra}`;
}

/** A plugin process plus a connected client, with task bookkeeping. */
export class Harness {
  readonly plugin: PluginProcess;
  client: NomadClient;
  readonly tasks: BuiltTask[] = [];

  private constructor(plugin: PluginProcess, client: NomadClient) {
    this.plugin = plugin;
    this.client = client;
  }

  /**
   * Starts the plugin, connects, checks health, and (unless `pluginConfig` is
   * null) sends SetConfig with the given plugin block body.
   */
  static async start(
    options: SpawnOptions & { pluginConfig?: string | null } = {},
  ): Promise<Harness> {
    const plugin = await spawnPlugin(options);
    const client = new NomadClient(plugin.socketPath);
    const h = new Harness(plugin, client);
    try {
      const status = await client.health();
      if (status !== 1) throw new Error(`plugin health is ${status}, not SERVING`);
      if (options.pluginConfig !== null) {
        await client.setConfigHcl(options.pluginConfig ?? defaultPluginConfig());
      }
    } catch (err) {
      await h.close();
      throw err;
    }
    return h;
  }

  /** Builds a task (alloc dir, fifos, TaskConfig) and remembers it for cleanup. */
  async task(opts: TaskOptions): Promise<BuiltTask> {
    const t = await buildTask(this.client, opts);
    this.tasks.push(t);
    return t;
  }

  /** StartTask for a built task; returns the response. */
  start(t: BuiltTask): Promise<ProtoMessage> {
    return this.client.startTask(t.config);
  }

  /**
   * Connects a fresh client to the same socket (reattach). The old connection
   * is dropped only after the plugin stops (see {@link close}), as when a
   * Nomad agent dies: the kernel closes its socket, no HTTP/2 GOAWAY is sent.
   */
  reconnect(): NomadClient {
    this.#retired.push(this.client);
    this.client = new NomadClient(this.plugin.socketPath);
    return this.client;
  }

  readonly #retired: NomadClient[] = [];

  /**
   * Destroys every task (force), stops the plugin, then closes the clients,
   * and removes alloc dirs. Clients close after the plugin is gone, as Nomad's
   * go-plugin client does (Shutdown, then close): Deno's http2 server can abort
   * on a GOAWAY that arrives while it still serves (nghttp2 assertion in
   * find_stream_on_goaway_func).
   */
  async close(): Promise<void> {
    for (const t of this.tasks) {
      if (!this.plugin.hasExited) {
        await this.client.destroyTask(t.id, true).catch(() => {});
      }
    }
    await this.plugin.stop();
    for (const c of [...this.#retired.splice(0), this.client]) c.close();
    for (const t of this.tasks) await t.alloc.cleanup();
  }
}
