/**
 * A group `network { mode = "bridge" }`: Nomad creates one network namespace
 * per allocation and hands its path to the driver in `network_isolation_spec`;
 * the group's ports are forwarded into it.
 *
 * run-job's stand-in for Nomad's network hook: a small pause container
 * (`catatonit -P`, see scripts/build_example_images.sh) on Podman's default
 * bridge holds the namespace and publishes the group's ports on 127.0.0.1
 * (tcp and udp, host port → `to`). Its namespace path (`SandboxKey`) goes into
 * every task's `network_isolation_spec` with mode GROUP, so the tasks join it
 * through the plugin's group-namespace path exactly as under Nomad. It is
 * removed after the tasks; Podman then deletes the namespace.
 *
 * @module
 */
import { PodmanClient } from "../../src/podman/mod.ts";
import { Logger } from "../../src/plugin_log/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import type { AllocatedPort } from "./ports.ts";

/** A group namespace that could not be set up; names the container and the image. */
export class GroupNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GroupNetworkError";
  }
}

/** NetworkIsolationSpec.NetworkIsolationMode.GROUP */
const GROUP_MODE = 1;

/** The namespace of one allocation. */
export class GroupNetwork {
  readonly containerName: string;
  readonly netnsPath: string;
  readonly #podman: PodmanClient;

  private constructor(podman: PodmanClient, containerName: string, netnsPath: string) {
    this.#podman = podman;
    this.containerName = containerName;
    this.netnsPath = netnsPath;
  }

  /** Creates and starts the pause container; returns once its namespace exists. */
  static async create(opts: {
    socketPath: string;
    image: string;
    allocId: string;
    groupName: string;
    ports: AllocatedPort[];
    logger?: Logger;
  }): Promise<GroupNetwork> {
    const podman = new PodmanClient({
      socketPath: opts.socketPath,
      logger: opts.logger ?? new Logger("run-job", { level: "warn" }),
    });
    const name = `nomad-netns-${opts.groupName}-${opts.allocId}`.replace(/[^A-Za-z0-9_.-]/g, "_");
    const portmappings = opts.ports.flatMap((p) =>
      (["tcp", "udp"] as const).map((protocol) => ({
        host_ip: p.hostIp,
        host_port: p.value,
        container_port: p.to || p.value,
        protocol,
      }))
    );
    try {
      await podman.containers.create({
        name,
        image: opts.image,
        netns: { nsmode: "bridge" },
        portmappings,
        hostname: opts.groupName,
        labels: { "com.hashicorp.nomad.alloc_id": opts.allocId, "run-job.role": "group-netns" },
        stop_signal: 15,
      });
    } catch (e) {
      podman.close();
      throw new GroupNetworkError(
        `group "${opts.groupName}": cannot create the namespace container ${name} from image ` +
          `${opts.image} (${(e as Error).message}); build it with ` +
          `"bash scripts/build_example_images.sh pause" or pass --pause-image`,
      );
    }
    const net = new GroupNetwork(podman, name, "");
    try {
      await podman.containers.start(name);
      const raw = await podman.containers.inspectRaw(name);
      const settings = (raw.NetworkSettings ?? {}) as Record<string, unknown>;
      const path = typeof settings.SandboxKey === "string" ? settings.SandboxKey : "";
      if (path === "") throw new Error("the container has no network namespace (SandboxKey)");
      return new GroupNetwork(podman, name, path);
    } catch (e) {
      await net.remove();
      throw new GroupNetworkError(
        `group "${opts.groupName}": namespace container ${name}: ${(e as Error).message}`,
      );
    }
  }

  /** `network_isolation_spec` for the tasks of the group. */
  isolationSpec(hostname: string): ProtoMessage {
    return {
      mode: GROUP_MODE,
      path: this.netnsPath,
      labels: { nomad_network_container: this.containerName },
      hostsConfig: { hostname, address: "" },
    };
  }

  /** Removes the pause container (and with it the namespace). */
  async remove(): Promise<void> {
    try {
      await this.#podman.containers.remove(this.containerName, { force: true });
    } catch { /* already gone */ }
    this.#podman.close();
  }
}
