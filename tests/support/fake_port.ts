/**
 * A small fake of the Podman calls the driver's units make (src/driver/ports.ts):
 * containers in memory, every call recorded, any call made to fail.
 *
 * @module
 */
import type { ContainerInspect, ContainerState, CreateResult } from "../../src/podman/mod.ts";
import { PodmanConflictError, PodmanNotFoundError } from "../../src/podman/mod.ts";
import type { TaskPort } from "../../src/driver/ports.ts";

/** A container of the fake. */
export interface FakeContainer {
  id: string;
  name: string;
  state: ContainerState;
  /** What inspect's raw JSON shows (verification reads it). */
  raw: Record<string, unknown>;
}

/** The state of a container in `status`. */
export function fakeState(status: string, over: Partial<ContainerState> = {}): ContainerState {
  return {
    status,
    running: status === "running",
    paused: status === "paused",
    oomKilled: false,
    pid: status === "running" ? 4242 : 0,
    exitCode: 0,
    error: "",
    startedAt: new Date(1_700_000_000_000),
    finishedAt: status === "exited" ? new Date(1_700_000_001_000) : undefined,
    ...over,
  };
}

/** A full inspect of `c`. */
export function fakeInspect(c: Pick<FakeContainer, "id" | "name" | "state">): ContainerInspect {
  return {
    id: c.id,
    name: c.name,
    image: "",
    imageName: "",
    created: undefined,
    state: c.state,
    health: { status: "", failingStreak: 0, runs: 0, lastOutput: "", lastExitCode: -1 },
    healthcheck: undefined,
    config: {
      entrypoint: [],
      cmd: [],
      env: [],
      labels: {},
      tty: false,
      user: "",
      workingDir: "",
      stopSignal: "",
    },
    network: { ipAddress: "10.88.0.7", globalIPv6Address: "", networks: {} },
  };
}

type Call = { op: string; id: string; arg?: unknown };

/** The fake port: `calls` in order; `fail[op]` makes that call throw (once per entry). */
export class FakePort implements TaskPort {
  /** Not a local socket: no cgroup reads. */
  readonly socketPath = "tcp://fake-podman:8080";
  readonly byId = new Map<string, FakeContainer>();
  readonly calls: Call[] = [];
  readonly fail: Partial<Record<string, Error[]>> = {};
  /** What `kill` does to the container (default: SIGKILL exits it, others leave it running). */
  onKill: (c: FakeContainer, signal: string) => void = (c, signal) => {
    if (signal === "SIGKILL") c.state = fakeState("exited", { exitCode: 137 });
  };
  /** What `start` does (default: the container runs). */
  onStart: (c: FakeContainer) => void = (c) => {
    c.state = fakeState("running");
  };
  #next = 1;

  /** Adds a container. */
  add(name: string, state: ContainerState, raw: Record<string, unknown> = {}): FakeContainer {
    const id = `${"c".repeat(8)}${String(this.#next++).padStart(56, "0")}`;
    const c = { id, name, state, raw };
    this.byId.set(id, c);
    return c;
  }

  /** The ops called, in order (`op id-or-name`). */
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  /** Records the call, then fails it or answers with `answer()`, always asynchronously. */
  #call<T>(op: string, id: string, answer: () => T, arg?: unknown): Promise<T> {
    this.calls.push({ op, id, arg });
    const err = this.fail[op]?.shift();
    if (err) return Promise.reject(err);
    try {
      return Promise.resolve(answer());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #find(idOrName: string, op: string): FakeContainer {
    const c = this.byId.get(idOrName) ??
      [...this.byId.values()].find((x) => x.name === idOrName);
    if (!c) {
      throw new PodmanNotFoundError(`no such container ${idOrName}`, {
        method: op === "remove" ? "DELETE" : "GET",
        path: `/libpod/containers/${idOrName}/json`,
        status: 404,
      });
    }
    return c;
  }

  readonly containers: TaskPort["containers"] = {
    inspect: (idOrName) =>
      this.#call("inspect", idOrName, () => fakeInspect(this.#find(idOrName, "inspect"))),
    inspectRaw: (id) => this.#call("inspectRaw", id, () => this.#find(id, "inspectRaw").raw),
    inspectWithRaw: (id) =>
      this.#call("inspectWithRaw", id, () => {
        const c = this.#find(id, "inspectWithRaw");
        return { inspect: fakeInspect(c), raw: c.raw };
      }),
    create: (spec) =>
      this.#call("create", String(spec.name), (): CreateResult => {
        const name = String(spec.name);
        const holder = [...this.byId.values()].find((x) => x.name === name);
        if (holder) {
          // As Podman 4.3.1 answers a name clash (500, mapped to a conflict).
          throw new PodmanConflictError(`the container name "${name}" is already in use`, {
            method: "POST",
            path: "/libpod/containers/create",
            status: 500,
            podmanCause: "that name is already in use",
          });
        }
        const c = this.add(name, fakeState("created"));
        return { id: c.id, warnings: [] };
      }, spec),
    start: (id) => this.#call("start", id, () => this.onStart(this.#find(id, "start"))),
    remove: (id) => this.#call("remove", id, () => this.byId.delete(id)),
    kill: (id, signal) =>
      this.#call("kill", id, () => this.onKill(this.#find(id, "kill"), signal), signal),
    unpause: (id) =>
      this.#call(
        "unpause",
        id,
        () => void (this.#find(id, "unpause").state = fakeState("running")),
      ),
  };

  readonly images: TaskPort["images"] = {
    inspect: (ref) =>
      this.#call("imageInspect", ref, () => ({
        id: ref,
        os: "linux",
        architecture: "amd64",
        variant: "",
        repoTags: [],
        healthcheck: undefined,
      })),
  };

  networkExists = (name: string): Promise<boolean> => this.#call("networkExists", name, () => true);
}
