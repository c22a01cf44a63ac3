/**
 * Hostile input through the real gRPC path (issue 5, item 5): 1,000 malformed
 * plugin and task configs against ONE plugin process, plus malformed
 * TaskConfig protos and RecoverTask handles.
 *
 * Inputs come from a seeded PRNG: the seed is printed; rerun a failure with
 * `NDP_FUZZ_SEED=<seed> deno test -P=test --no-prompt tests/e2e/fuzz_test.ts`.
 */
import assert from "node:assert/strict";
import { encode, ExtData } from "@msgpack/msgpack";
import { defaultNomadConfig, Harness, NEEDS_PODMAN, TEST_IMAGE } from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import { impliedType } from "../../src/hclspec/implied_type.ts";
import type { CtyType } from "../../src/hclspec/types.ts";
import {
  ConfigError,
  decodePluginConfig,
  decodeTaskConfig,
  PLUGIN_CONFIG_SPEC,
  TASK_CONFIG_SPEC,
} from "../../src/config/mod.ts";
import { podmanCli } from "./_lifecycle.ts";

const TOTAL = Number(Deno.env.get("NDP_FUZZ_COUNT") ?? 1000);
const SEED = Number(Deno.env.get("NDP_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const MB = 1024 * 1024;
const VERBOSE = Deno.env.get("NDP_FUZZ_VERBOSE") === "1";
/** No single malformed input may keep a call busy longer than this. */
const CALL_DEADLINE_MS = 15_000;
const BASE = "hashicorp.nomad.plugins.base.proto.BasePlugin";
const DRIVER = "hashicorp.nomad.plugins.drivers.proto.Driver";

// ---------------------------------------------------------------- PRNG

/** mulberry32: small, seedable, good enough for fuzzing. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
  word(): string {
    const a = "abcdefghijklmnopqrstuvwxyz_-.:/0123456789 ";
    return Array.from({ length: 1 + this.int(12) }, () => this.pick([...a])).join("");
  }
}

// ---------------------------------------------------------------- raw msgpack pieces

const enc = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A map16 of already-encoded keys and values. */
function rawMap(entries: Array<[Uint8Array, Uint8Array]>): Uint8Array {
  const n = entries.length;
  return concat(new Uint8Array([0xde, n >> 8, n & 0xff]), ...entries.flat());
}

/** str32 header + arbitrary (maybe invalid UTF-8) bytes. */
function rawStr(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  return concat(
    new Uint8Array([0xdb, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]),
    bytes,
  );
}

/** float64 (msgpack encode() would write NaN as float32/64 too, but be explicit). */
function rawFloat64(x: number): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = 0xcb;
  new DataView(b.buffer).setFloat64(1, x);
  return b;
}

const k = (s: string) => encode(s);

// ---------------------------------------------------------------- inputs

/** One malformed input. `field`: the option the message must name, when there is one. */
interface FuzzCase {
  kind: string;
  bytes: Uint8Array;
  field?: string;
}

type Attrs = Record<string, CtyType>;

function attrsOf(t: CtyType): Attrs {
  if (t.kind !== "object") throw new Error("object spec expected");
  return t.attrs;
}

/** A value whose msgpack kind is NOT acceptable for `t`. */
function wrongValue(rng: Rng, t: CtyType): unknown {
  const all: unknown[] = [
    rng.word(),
    rng.int(1000) - 500,
    rng.next() < 0.5,
    [rng.word(), 3],
    { [rng.word()]: rng.word() },
    new Uint8Array([1, 2, 3]),
    2 ** 53 + 2,
    -1.5,
  ];
  const bad = all.filter((v) => {
    switch (t.kind) {
      case "string":
        return typeof v !== "string";
      case "number":
        return typeof v !== "number";
      case "bool":
        return typeof v !== "boolean";
      case "list":
      case "set":
      case "tuple":
        return !Array.isArray(v) || (t.kind !== "tuple" && t.elem.kind !== "any");
      case "map":
      case "object":
        return Array.isArray(v) || typeof v !== "object" || v instanceof Uint8Array ||
          t.kind === "object";
      case "any":
        return v instanceof Uint8Array;
    }
  });
  // A list of the right shape with a wrong element, or a map with a bad entry.
  if (t.kind === "list" || t.kind === "set") bad.push([wrongValue(rng, t.elem)]);
  if (t.kind === "map") bad.push({ x: wrongValue(rng, t.elem) });
  if (t.kind === "object") bad.push({ [`bogus_${rng.word()}`]: 1 });
  return rng.pick(bad);
}

function deepValue(depth: number, asMap: boolean): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = asMap ? { a: v } : [v];
  return v;
}

/** Where a field's value goes: a top-level option, or one inside a block. */
function place(
  rng: Rng,
  attrs: Attrs,
): { path: string; top: string; type: CtyType; wrap: (v: unknown) => unknown } {
  const top = rng.pick(Object.keys(attrs));
  const t = attrs[top]!;
  if (rng.next() < 0.4) {
    // Inside a block (object) or a block list (list of objects).
    const inner = t.kind === "object"
      ? t
      : (t.kind === "list" && t.elem.kind === "object" ? t.elem : undefined);
    if (inner && inner.kind === "object" && Object.keys(inner.attrs).length > 0) {
      const sub = rng.pick(Object.keys(inner.attrs));
      const path = t.kind === "object" ? `${top}.${sub}` : `${top}[0].${sub}`;
      return {
        path,
        top,
        type: inner.attrs[sub]!,
        wrap: (v) => (t.kind === "object" ? { [sub]: v } : [{ [sub]: v }]),
      };
    }
  }
  return { path: top, top, type: t, wrap: (v) => v };
}

const NEGATIVE: Record<string, unknown[]> = {
  shm_size: ["-1m", "-64"],
  memory_reservation: ["-1m", "-1", "-0b"],
  memory_swap: ["-2", "-1g"],
  memory_swappiness: [-1, -100],
  pids_limit: [-1, -99999],
  oom_score_adj: [-1001, -1e9],
  cpu_cfs_period: [-1, 0, -100000],
  image_pull_timeout: ["-5m", "-1s"],
  client_http_timeout: ["-1s", "-60s", "0s"],
  "gc.image_delay": ["-3m"],
  "dangling_containers.period": ["-5m", "0s"],
  "dangling_containers.creation_grace": ["-1h"],
};

/** Builds one malformed config for a spec, with `base` as the otherwise-valid part. */
function makeCase(rng: Rng, attrs: Attrs, base: Record<string, unknown>): FuzzCase {
  const withField = (_path: string, value: unknown, wrap: (v: unknown) => unknown, top: string) =>
    encode({ ...base, [top]: wrap(value) }, { ignoreUndefined: true, maxDepth: 2000 });
  const r = rng.int(15);
  switch (r) {
    case 0: // random bytes
      return { kind: "random-bytes", bytes: rng.bytes(1 + rng.int(64)) };
    case 1: { // random structure with random and real keys
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < 1 + rng.int(5); i++) {
        const key = rng.next() < 0.5 ? rng.pick(Object.keys(attrs)) : rng.word();
        obj[key] = rng.pick<unknown>([
          rng.word(),
          rng.int(99),
          null,
          [1, "x"],
          { y: [true] },
          1.25,
        ]);
      }
      if (rng.next() < 0.5) obj[`zz_unknown_${rng.word()}`] = 1;
      return { kind: "random-structure", bytes: encode({ ...base, ...obj }) };
    }
    case 2:
    case 3: { // wrong type for an option
      const p = place(rng, attrs);
      return {
        kind: `wrong-type ${p.path}`,
        bytes: withField(p.path, wrongValue(rng, p.type), p.wrap, p.top),
        field: p.path,
      };
    }
    case 4: { // 1 MB string in an option (string options may accept it; others must not)
      const p = place(rng, attrs);
      const huge = "x".repeat(MB);
      return {
        kind: `huge-string ${p.path}`,
        bytes: withField(p.path, p.type.kind === "list" ? [huge] : huge, p.wrap, p.top),
        field: p.type.kind === "string" || p.type.kind === "any" ? undefined : p.path,
      };
    }
    case 5: { // a 1 MB unknown key
      return { kind: "huge-key", bytes: encode({ ...base, ["k".repeat(MB)]: 1 }) };
    }
    case 6: { // 1000 levels of nesting
      const p = place(rng, attrs);
      return {
        kind: `deep-nesting ${p.path}`,
        bytes: withField(p.path, deepValue(1000, rng.next() < 0.5), p.wrap, p.top),
      };
    }
    case 7: { // invalid UTF-8 in a str value or key
      const bad = rng.pick([
        new Uint8Array([0xff, 0xfe, 0x41]),
        new Uint8Array([0xc3]),
        new Uint8Array([0xed, 0xa0, 0x80]), // lone surrogate
        new Uint8Array([0xf4, 0x90, 0x80, 0x80]), // > U+10FFFF
        new Uint8Array([0x61, 0x00, 0xc0, 0xaf]), // NUL, overlong
      ]);
      const top = rng.pick(Object.keys(attrs));
      const entries: Array<[Uint8Array, Uint8Array]> = Object.entries(base).map((
        [kk, v],
      ) => [k(kk), encode(v)]);
      if (rng.next() < 0.5) entries.push([k(top), rawStr(bad)]);
      else entries.push([rawStr(concat(enc.encode(top), bad)), encode("v")]);
      return { kind: `invalid-utf8 ${top}`, bytes: rawMap(entries) };
    }
    case 8: { // truncated
      const full = encode({ ...base, labels: [{ a: "b" }], args: ["x", "y"], extra: "zzzz" });
      return { kind: "truncated", bytes: full.slice(0, 1 + rng.int(full.length - 1)) };
    }
    case 9: { // ext types (cty unknown is ext 0; timestamps are ext -1)
      const p = place(rng, attrs);
      const ext = rng.pick<unknown>([
        new ExtData(0, new Uint8Array([0xd4, 0, 0])),
        new ExtData(rng.int(128), rng.bytes(rng.int(20))),
        new ExtData(-1, new Uint8Array([0, 0, 0, 0])), // a valid timestamp
        new ExtData(-1, new Uint8Array([1, 2, 3])), // a broken timestamp
      ]);
      const top = rng.next() < 0.2;
      return {
        kind: `ext ${top ? "<top>" : p.path}`,
        bytes: top ? encode(ext) : withField(p.path, ext, p.wrap, p.top),
      };
    }
    case 10: { // NaN / Infinity in an option (raw float64)
      const p = place(rng, attrs);
      const x = rng.pick([NaN, Infinity, -Infinity, -0, 1e308 * 10]);
      const entries: Array<[Uint8Array, Uint8Array]> = Object.entries(base)
        .filter(([kk]) => kk !== p.top).map(([kk, v]) => [k(kk), encode(v)]);
      if (p.path === p.top) entries.push([k(p.top), rawFloat64(x)]);
      else {
        const sub = p.path.split(".").pop()!;
        const inner = rawMap([[k(sub), rawFloat64(x)]]);
        entries.push([
          k(p.top),
          p.path.includes("[0]") ? concat(new Uint8Array([0x91]), inner) : inner,
        ]);
      }
      return { kind: `nan-inf ${p.path} ${x}`, bytes: rawMap(entries) };
    }
    case 11: { // negative sizes and durations
      const known = Object.keys(NEGATIVE).filter((f) => Object.hasOwn(attrs, f.split(".")[0]!));
      const f = rng.pick(known);
      const v = rng.pick(NEGATIVE[f]!);
      const [top, sub] = f.split(".");
      return {
        kind: `negative ${f}=${v}`,
        bytes: encode({ ...base, [top!]: sub ? { [sub]: v } : v }),
        field: f,
      };
    }
    case 12: { // lying length headers: huge str/array/map counts with little data
      const hdr = rng.pick([
        [0xdb, 0xff, 0xff, 0xff, 0xff], // str32 4 GiB
        [0xdd, 0xff, 0xff, 0xff, 0xff], // array32
        [0xdf, 0x7f, 0xff, 0xff, 0xff], // map32
        [0xc6, 0xff, 0xff, 0xff, 0xf0], // bin32
        [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x05], // ext32
      ]);
      return {
        kind: "lying-length",
        bytes: concat(
          new Uint8Array([0x81, 0xa5, ...enc.encode("image")]),
          new Uint8Array(hdr),
          rng.bytes(rng.int(8)),
        ),
      };
    }
    case 13: { // non-string keys and prototype keys
      const key = rng.pick([
        encode(42),
        encode(null),
        encode(true),
        encode(new Uint8Array([1])),
        encode([1]),
        k("__proto__"),
        k("constructor"),
      ]);
      const entries: Array<[Uint8Array, Uint8Array]> = Object.entries(base).map((
        [kk, v],
      ) => [k(kk), encode(v)]);
      entries.push([key, encode({ polluted: true })]);
      return { kind: "odd-key", bytes: rawMap(entries) };
    }
    default: { // top-level value that is not a map
      const v = rng.pick<unknown>([1, "str", [base], true, 1.5, new Uint8Array([1, 2])]);
      return { kind: "not-a-map", bytes: encode(v) };
    }
  }
}

// ---------------------------------------------------------------- checks

interface GrpcErr {
  code?: number;
  details?: string;
  message: string;
}

interface Outcome {
  accepted: number;
  rejected: number;
  failures: string[];
}

function describe(c: FuzzCase, i: number): string {
  return `#${i} ${c.kind} (${c.bytes.length} bytes)`;
}

/**
 * The oracle: the same decoder run in this process. An input it rejects is
 * malformed and must come back INVALID_ARGUMENT naming the field; an input it
 * accepts is a well-typed config that Podman may still refuse (an image that
 * does not exist, a 1 MB hostname): any clean error is fine there, but never
 * INTERNAL/UNAVAILABLE/CANCELLED/DEADLINE_EXCEEDED, which mean a broken plugin.
 */
function localVerdict(bytes: Uint8Array, onPlugin: boolean): ConfigError | undefined {
  try {
    if (onPlugin) decodePluginConfig(bytes, { uid: 0 });
    else decodeTaskConfig(bytes);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw new Error(`the decoder threw a non-ConfigError: ${err}`);
  }
}

const BROKEN_CODES = new Set([1, 4, 13, 14]);

/** Checks a rejection against the oracle's verdict. */
function checkRejection(
  c: FuzzCase,
  i: number,
  err: unknown,
  verdict: ConfigError | undefined,
  out: Outcome,
): void {
  const e = err as GrpcErr;
  out.rejected++;
  const details = e.details ?? e.message ?? "";
  const text = details.slice(0, 300);
  if (details.length > 8192) {
    out.failures.push(`${describe(c, i)}: message is ${details.length} chars long`);
  }
  if (!verdict) {
    if (e.code === undefined || BROKEN_CODES.has(e.code)) {
      out.failures.push(`${describe(c, i)}: well-typed config failed with code ${e.code}: ${text}`);
    }
    return;
  }
  if (e.code !== 3) {
    out.failures.push(`${describe(c, i)}: code ${e.code}, not INVALID_ARGUMENT: ${text}`);
    return;
  }
  // The message escapes control characters and clips long paths: compare the printable prefix.
  // deno-lint-ignore no-control-regex
  const field = verdict.field.slice(0, 100).split(/[\u0000-\u001f\u007f]/)[0]!;
  if (!details.includes(field.toWellFormed())) {
    out.failures.push(`${describe(c, i)}: message does not name ${field}: ${text}`);
  }
  if (c.field && !details.includes(c.field)) {
    out.failures.push(`${describe(c, i)}: message does not name ${c.field}: ${text}`);
  }
}

async function assertAlive(h: Harness, where: string): Promise<void> {
  assert.equal(h.plugin.hasExited, false, `plugin exited ${where}`);
  assert.equal(await h.client.health(), 1, `plugin health after ${where}`);
}

/** Containers in the private store whose name carries `marker`. */
async function containersWith(marker: string): Promise<string[]> {
  const r = await podmanCli("ps", "-a", "--format", "{{.Names}}");
  return r.stdout.split("\n").filter((l) => l.includes(marker));
}

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name:
    `fuzz: ${TOTAL} malformed plugin and task configs through gRPC: no crash, INVALID_ARGUMENT naming the field`,
  fn: async () => {
    // deno-lint-ignore no-console
    console.log(`fuzz seed ${SEED} (NDP_FUZZ_SEED=${SEED} to reproduce)`);
    const rng = new Rng(SEED);
    const h = await Harness.start();
    const t0 = Date.now();
    const plugin: Outcome = { accepted: 0, rejected: 0, failures: [] };
    const task: Outcome = { accepted: 0, rejected: 0, failures: [] };
    const startedIds: string[] = [];
    try {
      const base = await h.task({
        name: "fuzz",
        config: `image = "${TEST_IMAGE}"\ncommand = "true"`,
        logging: false,
      });
      const marker = String(base.config.alloc_id);
      const pluginAttrs = attrsOf(impliedType(PLUGIN_CONFIG_SPEC));
      const taskAttrs = attrsOf(impliedType(TASK_CONFIG_SPEC));
      const pluginBase = { socket_path: "unix:///run/ndp-test/podman.sock" };
      const taskBase = { image: TEST_IMAGE, command: "true" };
      const goodPluginConfig = h.client.setConfigHcl.bind(h.client);
      const half = Math.floor(TOTAL / 2);

      for (let i = 0; i < TOTAL; i++) {
        const onPlugin = i < half;
        const c = makeCase(
          rng,
          onPlugin ? pluginAttrs : taskAttrs,
          onPlugin ? pluginBase : taskBase,
        );
        const verdict = localVerdict(c.bytes, onPlugin);
        if (onPlugin) {
          try {
            if (VERBOSE) {
              Deno.stderr.writeSync(enc.encode(`${Date.now() - t0} ${describe(c, i)}\n`));
            }
            await h.client.unary(BASE, "SetConfig", {
              msgpack_config: c.bytes,
              plugin_api_version: "0.1.0",
              ...(rng.next() < 0.2 ? {} : { nomad_config: defaultNomadConfig() }),
            }, CALL_DEADLINE_MS);
            plugin.accepted++;
            if (verdict) {
              plugin.failures.push(
                `${describe(c, i)}: malformed config accepted (${verdict.message.slice(0, 200)})`,
              );
            }
          } catch (err) {
            checkRejection(c, i, err, verdict, plugin);
          }
          if (i === half - 1) {
            // Back to a good plugin config for the task half.
            await goodPluginConfig(`socket_path = "unix:///run/ndp-test/podman.sock"`);
          }
        } else {
          const id = `${marker}/fuzz${i}/${SEED}`;
          // A task name of its own (so one stuck container cannot block the next input).
          const name = `fuzz${i}`;
          for (const d of ["local", "secrets", "private", "tmp"]) {
            Deno.mkdirSync(`${base.alloc.allocDir}/${name}/${d}`, { recursive: true });
          }
          const tc: ProtoMessage = { ...base.config, id, name, msgpack_driver_config: c.bytes };
          try {
            if (VERBOSE) {
              Deno.stderr.writeSync(enc.encode(`${Date.now() - t0} ${describe(c, i)}\n`));
            }
            await h.client.unary(DRIVER, "StartTask", { task: tc }, CALL_DEADLINE_MS);
            task.accepted++;
            if (verdict) {
              task.failures.push(
                `${describe(c, i)}: malformed config accepted (${verdict.message.slice(0, 200)})`,
              );
            }
            startedIds.push(id);
            await h.client.destroyTask(id, true).catch(() => {});
          } catch (err) {
            checkRejection(c, i, err, verdict, task);
          }
        }
        if ((i + 1) % 100 === 0) await assertAlive(h, `input ${i + 1} (${c.kind})`);
      }
      await assertAlive(h, "all inputs");
      // deno-lint-ignore no-console
      console.log(
        `fuzz: ${TOTAL} inputs in ${Date.now() - t0} ms; SetConfig accepted ${plugin.accepted}, ` +
          `rejected ${plugin.rejected}; StartTask accepted ${task.accepted}, rejected ${task.rejected}`,
      );
      const failures = [...plugin.failures, ...task.failures];
      // deno-lint-ignore no-console
      if (failures.length) console.log(failures.join("\n"));
      assert.deepEqual(
        failures.slice(0, 20),
        [],
        `${failures.length} bad rejections (seed ${SEED})`,
      );
      assert.deepEqual(await containersWith(marker), [], "containers left behind");
    } finally {
      for (const id of startedIds) await h.client.destroyTask(id, true).catch(() => {});
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "fuzz: malformed TaskConfig protos and RecoverTask handles are clean errors, never crashes",
  fn: async () => {
    const h = await Harness.start();
    try {
      const base = await h.task({
        name: "proto",
        config: `image = "${TEST_IMAGE}"\ncommand = "true"`,
        logging: false,
      });
      const marker = String(base.config.alloc_id);
      const good = base.config;
      const bad: Array<[string, ProtoMessage, RegExp]> = [
        ["missing id", { ...good, id: "" }, /id/],
        ["no task at all", {}, /id/],
        ["missing alloc dir", { ...good, id: `${marker}/a`, name: "a", alloc_dir: "" }, /alloc/i],
        ["alloc dir that does not exist", {
          ...good,
          id: `${marker}/b`,
          name: "b",
          alloc_dir: "/nonexistent/ndp/alloc",
        }, /alloc/i],
        ["empty name", { ...good, id: `${marker}/c`, name: "" }, /name/],
        [
          "relative alloc dir",
          { ...good, id: `${marker}/c2`, name: "c2", alloc_dir: "alloc/x" },
          /alloc_dir/,
        ],
        ["negative memory", {
          ...good,
          id: `${marker}/d`,
          name: "d",
          resources: {
            allocated_resources: { memory: { memory_mb: -5 }, cpu: { cpu_shares: -1 } },
            linux_resources: { memory_limit_bytes: -1, cpu_shares: -100 },
          },
        }, /memory|cpu/i],
        ["bogus cpuset", {
          ...good,
          id: `${marker}/e`,
          name: "e",
          resources: {
            ...(good.resources as ProtoMessage),
            linux_resources: { cpuset_cpus: "not-a-cpuset,,;" },
          },
        }, /cpuset/i],
        ["bogus port", {
          ...good,
          id: `${marker}/f`,
          name: "f",
          resources: {
            ...(good.resources as ProtoMessage),
            ports: [{ label: "", value: 70000, to: -3 }],
          },
        }, /port/i],
        ["stdout path is a directory", {
          ...good,
          id: `${marker}/g`,
          name: "g",
          stdout_path: "/tmp",
        }, /stdout_path|fifo/],
        [
          "mount without paths",
          { ...good, id: `${marker}/h`, name: "h", mounts: [{}] },
          /mount|path/i,
        ],
        ["empty driver config", {
          ...good,
          id: `${marker}/i`,
          name: "i",
          msgpack_driver_config: new Uint8Array(),
        }, /image/],
      ];
      const results: string[] = [];
      for (const [what, tc, re] of bad) {
        try {
          await h.client.startTask(tc);
          results.push(`${what}: accepted`);
          await h.client.destroyTask(String(tc.id), true).catch(() => {});
        } catch (err) {
          const e = err as GrpcErr;
          results.push(`${what}: code ${e.code} ${e.details}`);
          assert.ok(
            e.code !== undefined && e.code !== 13 && e.code !== 14,
            `${what}: ${e.message}`,
          );
          if (e.code === 3) assert.match(e.details ?? "", re, what);
        }
        assert.equal(h.plugin.hasExited, false, `plugin died on: ${what}`);
      }
      // deno-lint-ignore no-console
      console.log(results.join("\n"));

      const handles: Array<[string, ProtoMessage]> = [
        ["no handle", {}],
        ["garbage driver_state", {
          version: 1,
          config: good,
          driver_state: crypto.getRandomValues(new Uint8Array(64)),
        }],
        ["empty driver_state", { version: 1, config: good, driver_state: new Uint8Array() }],
        ["JSON of a wrong shape", {
          version: 1,
          config: good,
          driver_state: enc.encode(`[1,2,3]`),
        }],
        ["future version", {
          version: 99,
          config: good,
          driver_state: enc.encode(`{"v":99,"containerId":"x"}`),
        }],
        ["unknown socket", {
          version: 1,
          config: { ...good, id: `${marker}/r1` },
          driver_state: enc.encode(
            JSON.stringify({ v: 1, socket: "nosuchsocket", containerId: "abc" }),
          ),
        }],
        ["container that does not exist", {
          version: 1,
          config: { ...good, id: `${marker}/r2` },
          driver_state: enc.encode(
            JSON.stringify({ v: 1, socket: "default", containerId: "0".repeat(64) }),
          ),
        }],
        ["container id with path tricks", {
          version: 1,
          config: { ...good, id: `${marker}/r3` },
          driver_state: enc.encode(
            JSON.stringify({ v: 1, socket: "default", containerId: "../../_ping?x=" }),
          ),
        }],
        ["huge driver_state", {
          version: 1,
          config: { ...good, id: `${marker}/r4` },
          driver_state: enc.encode(JSON.stringify({ v: 1, containerId: "c".repeat(MB) })),
        }],
        ["deeply nested driver_state", {
          version: 1,
          config: { ...good, id: `${marker}/r5` },
          driver_state: enc.encode("[".repeat(100_000) + "]".repeat(100_000)),
        }],
      ];
      const recovered: string[] = [];
      for (const [what, handle] of handles) {
        try {
          await h.client.recoverTask(handle);
          recovered.push(what);
        } catch (err) {
          const e = err as GrpcErr;
          assert.ok(
            e.code !== undefined && e.code !== 13 && e.code !== 14,
            `${what}: ${e.message}`,
          );
          assert.ok(
            (e.details ?? "").length < 8192,
            `${what}: a ${e.details?.length} char message`,
          );
        }
        assert.equal(h.plugin.hasExited, false, `plugin died on RecoverTask: ${what}`);
      }
      assert.deepEqual(recovered, [], "malformed handles were accepted");
      await assertAlive(h, "malformed protos");
      assert.deepEqual(await containersWith(marker), [], "containers left behind");
    } finally {
      await h.close();
    }
  },
});
