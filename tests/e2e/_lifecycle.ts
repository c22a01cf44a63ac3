/**
 * Helpers shared by the lifecycle and option e2e tests: a direct Podman
 * client on the private socket (to check effects and leftovers), task
 * config snippets, and a harness wrapper that always cleans up.
 */
import assert from "node:assert/strict";
import { Logger } from "../../src/plugin_log/mod.ts";
import { PodmanClient } from "../../src/podman/client.ts";
import { PodmanNotFoundError } from "../../src/podman/errors.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import {
  type BuiltTask,
  defaultPluginConfig,
  Harness,
  PODMAN_SOCKET,
  REPO_ROOT,
  TEST_IMAGE,
} from "../support/harness/mod.ts";

export { TEST_IMAGE };

/** A Podman client on the private test socket (logs discarded). */
export const podman: PodmanClient = new PodmanClient({
  socketPath: `unix://${PODMAN_SOCKET}`,
  logger: new Logger("test", { sink: { write: () => {} }, level: "error" }),
});

/** The container name the driver gives a built task. */
export function nameOf(t: BuiltTask): string {
  return `${String(t.config.name)}-${t.alloc.allocId}`;
}

/** Raw inspect JSON of a container, or undefined when it does not exist. */
export async function inspectRaw(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await podman.containers.inspectRaw(name);
  } catch (err) {
    if (err instanceof PodmanNotFoundError) return undefined;
    throw err;
  }
}

/** Whether a container with this name exists. */
export function containerExists(name: string): Promise<boolean> {
  return podman.containers.exists(name);
}

/** Runs the podman CLI on the private store. */
export async function podmanCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/test_env.sh`, "podman", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** HCL of a `config {}` body running `sh -c script` in the test image. */
export function shTask(script: string, extra = ""): string {
  return `image = "${TEST_IMAGE}"\ncommand = "sh"\nargs = ["-c", ${
    JSON.stringify(script)
  }]\n${extra}`;
}

/** Runs `fn` with a started harness; always closes it (printing stderr on failure). */
export async function withHarness(
  fn: (h: Harness) => Promise<void>,
  pluginExtra = "",
): Promise<void> {
  const h = await Harness.start({ pluginConfig: defaultPluginConfig(pluginExtra) });
  let failed = false;
  try {
    await fn(h);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    if (failed && Deno.env.get("NDP_DEBUG")) {
      // deno-lint-ignore no-console
      console.error(h.plugin.stderrLines.join("\n"));
    }
    await h.close();
  }
}

/** The ExitResult of a WaitTask answer. */
export interface WaitAnswer {
  exitCode: number;
  signal: number;
  oomKilled: boolean;
  err: string;
}

/** WaitTask, decoded. */
export async function waitTask(h: Harness, id: string, deadlineMs = 30_000): Promise<WaitAnswer> {
  const r = await h.client.waitTask(id, deadlineMs);
  const res = (r.result ?? {}) as ProtoMessage;
  return {
    exitCode: Number(res.exit_code ?? 0),
    signal: Number(res.signal ?? 0),
    oomKilled: res.oom_killed === true,
    err: String(r.err ?? ""),
  };
}

/** Asserts a promise rejects with a gRPC error whose message matches every pattern. */
export async function assertGrpcError(p: Promise<unknown>, ...patterns: RegExp[]): Promise<Error> {
  let caught: Error | undefined;
  try {
    await p;
  } catch (err) {
    caught = err as Error;
  }
  assert.ok(caught, "expected a gRPC error, the call succeeded");
  for (const re of patterns) assert.match(caught.message, re);
  return caught;
}

/** Polls `pred` every 50 ms up to `timeoutMs`. */
export async function eventually(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within ${timeoutMs} ms: ${what}`);
}

/** Lines the task wrote to stdout (k8s-file format `<ts> stdout F <line>`), content only. */
export function stdoutLines(t: BuiltTask): string[] {
  return (t.alloc.stdout?.text() ?? "").split("\n").filter((l) => l !== "").map((l) => {
    const m = /^\S+ (?:stdout|stderr) [FP] (.*)$/.exec(l.replace(/\r/g, ""));
    return m ? m[1]! : l;
  });
}

/** Waits until the task's stdout has a line matching `re`; returns it. */
export async function waitStdout(t: BuiltTask, re: RegExp, timeoutMs = 10_000): Promise<string> {
  let found = "";
  await eventually(
    () => {
      found = stdoutLines(t).find((l) => re.test(l)) ?? "";
      return found !== "";
    },
    timeoutMs,
    `stdout line ${re}; got:\n${t.alloc.stdout?.text()}`,
  );
  return found;
}

/** Starts a task and waits for it to exit; returns the exit and the built task. */
export async function runToExit(
  h: Harness,
  config: string,
  opts: Omit<Parameters<Harness["task"]>[0], "config"> = {},
): Promise<{ t: BuiltTask; exit: WaitAnswer }> {
  const t = await h.task({ ...opts, config });
  await h.start(t);
  const exit = await waitTask(h, t.id);
  return { t, exit };
}

/** Starts a long-running task with `extra` config; returns it with its raw inspect. */
export async function startAndInspect(
  h: Harness,
  extra: string,
  opts: Omit<Parameters<Harness["task"]>[0], "config"> = {},
  script = "echo ready; while :; do sleep 1; done",
): Promise<
  {
    t: BuiltTask;
    raw: Record<string, unknown>;
    hc: Record<string, unknown>;
    cfg: Record<string, unknown>;
  }
> {
  const t = await h.task({ ...opts, config: shTask(script, extra) });
  await h.start(t);
  const raw = await inspectRaw(nameOf(t));
  assert.ok(raw, `container ${nameOf(t)} not found`);
  return {
    t,
    raw,
    hc: (raw.HostConfig ?? {}) as Record<string, unknown>,
    cfg: (raw.Config ?? {}) as Record<string, unknown>,
  };
}

/** Runs `script` to its exit; returns its stdout lines and exit. */
export async function runScript(
  h: Harness,
  script: string,
  extra = "",
  opts: Omit<Parameters<Harness["task"]>[0], "config"> = {},
): Promise<{ t: BuiltTask; lines: string[]; exit: WaitAnswer }> {
  const t = await h.task({ ...opts, config: shTask(script + "; echo __end__", extra) });
  await h.start(t);
  const exit = await waitTask(h, t.id);
  await waitStdout(t, /^__end__$/).catch(() => {});
  return { t, lines: stdoutLines(t).filter((l) => l !== "__end__"), exit };
}
