/**
 * Interop with HashiCorp's real go-plugin client (v1.8.0, as Nomad pins it; a Go module):
 * `tests/interop/goclient` launches
 * `scripts/nomad-driver-podman` (or `$INTEROP_PLUGIN`) with Nomad's handshake config, calls
 * BasePlugin/PluginInfo and go-plugin's Ping, validates every stderr line as
 * hclog JSON, then Kills the plugin and checks it exited on its own after
 * GRPCController/Shutdown.
 *
 * The Go program is built into `.build/interop/` (cached by a hash of its
 * sources and go.mod/go.sum). Needs Go 1.26 (`/usr/local/go/bin/go`, else `go` on PATH; the
 * modules come from the module proxy or the module cache) and the
 * reference descriptor set (`$NOMAD_PLUGIN_API_DIR`, else
 * `<repo>/../shared/nomad-plugin-api`). If any is missing the test is skipped
 * loudly, except with `CI=true`, where it fails.
 */
import assert from "node:assert/strict";

const REPO_ROOT = new URL("../../", import.meta.url);
const GO_SRC_DIR = new URL("tests/interop/goclient/", REPO_ROOT);
const BUILD_DIR = new URL(".build/interop/", REPO_ROOT);
/** The plugin executable: `$INTEROP_PLUGIN` (e.g. a `deno compile` binary), else the launcher script. */
const LAUNCHER = Deno.env.get("INTEROP_PLUGIN") ||
  new URL("scripts/nomad-driver-podman", REPO_ROOT).pathname;
const RUN_TIMEOUT_MS = 150_000;

const decoder = new TextDecoder();

function referenceBinpb(): string {
  const dir = Deno.env.get("NOMAD_PLUGIN_API_DIR") ||
    new URL("../shared/nomad-plugin-api", REPO_ROOT).pathname;
  return `${dir}/nomad-plugin-api.binpb`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function findGo(): string | undefined {
  if (exists("/usr/local/go/bin/go")) return "/usr/local/go/bin/go";
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && exists(`${dir}/go`)) return `${dir}/go`;
  }
  return exists("/usr/lib/go/bin/go") ? "/usr/lib/go/bin/go" : undefined;
}

/** Why the test cannot run here, or undefined if it can. */
function missingPrerequisite(): string | undefined {
  if (findGo() === undefined) return "the go toolchain (Go 1.26 at /usr/local/go)";
  if (!exists(referenceBinpb())) return `${referenceBinpb()} (set NOMAD_PLUGIN_API_DIR)`;
  if (!exists(LAUNCHER)) return LAUNCHER;
  return undefined;
}

async function sourceHash(): Promise<string> {
  const names: string[] = [];
  for await (const e of Deno.readDir(GO_SRC_DIR)) {
    if (e.isFile && (e.name.endsWith(".go") || e.name === "go.mod" || e.name === "go.sum")) {
      names.push(e.name);
    }
  }
  names.sort();
  const parts: string[] = [];
  for (const n of names) parts.push(n, await Deno.readTextFile(new URL(n, GO_SRC_DIR)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return [...new Uint8Array(digest)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** Builds the Go client once per source hash; returns the binary path. */
async function buildGoClient(): Promise<string> {
  const bin = new URL(`goclient-${await sourceHash()}`, BUILD_DIR).pathname;
  if (exists(bin)) return bin;
  await Deno.mkdir(BUILD_DIR, { recursive: true });
  const tmp = `${bin}.tmp-${Deno.pid}`;
  const out = await new Deno.Command(findGo() ?? "go", {
    args: ["build", "-o", tmp, "."],
    cwd: GO_SRC_DIR,
    env: { GO111MODULE: "on", GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(
    out.code,
    0,
    `go build of tests/interop/goclient failed:\n${decoder.decode(out.stdout)}${
      decoder.decode(out.stderr)
    }`,
  );
  await Deno.rename(tmp, bin);
  // Drop binaries of older sources.
  for await (const e of Deno.readDir(BUILD_DIR)) {
    const path = new URL(e.name, BUILD_DIR).pathname;
    if (e.name.startsWith("goclient-") && path !== bin) await Deno.remove(path).catch(() => {});
  }
  return bin;
}

interface Summary {
  ok: boolean;
  errors: string[];
  protocol?: string;
  negotiated_version?: number;
  plugin_info?: {
    type: number;
    name: string;
    plugin_api_versions: string[] | null;
    plugin_version: string;
  };
  ping: boolean;
  kill_ms: number;
  exited: boolean;
  exit_code: number;
  signal?: string;
  force_killed: boolean;
  stderr_lines: number;
  stderr_invalid: string[];
  stdout_extra_lines: number;
}

const missing = missingPrerequisite();
const inCI = Deno.env.get("CI") === "true";
if (missing !== undefined && !inCI) {
  // deno-lint-ignore no-console
  console.warn(
    `\n!!! go-plugin interop test SKIPPED: missing ${missing}\n!!! (CI=true makes this a failure)\n`,
  );
}

Deno.test({
  name: "go-plugin client: handshake, PluginInfo, Ping, Kill → plugin exits on Shutdown",
  ignore: missing !== undefined && !inCI,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.equal(missing, undefined, `go-plugin interop prerequisites missing: ${missing}`);
    const bin = await buildGoClient();
    const child = new Deno.Command(bin, {
      args: ["-descriptors", referenceBinpb(), "-name", "podman", LAUNCHER],
      cwd: Deno.makeTempDirSync({ prefix: "interop-" }),
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, RUN_TIMEOUT_MS);
    const out = await child.output();
    clearTimeout(timer);
    const stdout = decoder.decode(out.stdout).trim();
    const stderr = decoder.decode(out.stderr);
    const context = `\n--- goclient stdout ---\n${stdout}\n--- goclient stderr (tail) ---\n${
      stderr.split("\n").slice(-40).join("\n")
    }`;
    const last = stdout.split("\n").at(-1) ?? "";
    let summary: Summary;
    try {
      summary = JSON.parse(last) as Summary;
    } catch {
      assert.fail(
        `goclient printed no JSON summary (exit ${out.code}, signal ${out.signal})${context}`,
      );
    }
    assert.deepEqual(summary.errors, [], `go-plugin client reported errors${context}`);
    assert.equal(out.code, 0, `goclient exit status${context}`);
    assert.equal(summary.ok, true);
    assert.equal(summary.protocol, "grpc");
    assert.equal(summary.negotiated_version, 2);
    assert.equal(summary.plugin_info?.type, 2, "PluginInfo.type must be DRIVER (2)");
    assert.equal(summary.plugin_info?.name, "podman");
    assert.equal(summary.ping, true, "go-plugin Ping (grpc.health.v1) failed");
    assert.deepEqual(summary.stderr_invalid, [], "plugin stderr must be hclog JSON only");
    assert.ok(summary.stderr_lines >= 0);
    // Kill = GRPCController/Shutdown, then 2 s grace before SIGKILL.
    assert.equal(summary.exited, true, "plugin still running after Kill");
    assert.equal(summary.force_killed, false, `plugin was force-killed (${summary.kill_ms} ms)`);
    assert.equal(summary.signal, undefined, `plugin died of signal ${summary.signal}`);
    assert.equal(summary.exit_code, 0, "plugin exit status after Shutdown");
    assert.ok(summary.kill_ms < 2000, `Kill took ${summary.kill_ms} ms`);
  },
});
