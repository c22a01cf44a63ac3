import assert from "node:assert/strict";
import { HOST_FACTS_TTL_MS, HostFactsCache } from "./host_facts.ts";
import { allInOrder, StepTimer } from "./step_timer.ts";
import type { PodmanClient } from "../podman/mod.ts";
import { makeHostFacts } from "../../tests/support/factories.ts";

const FACTS = makeHostFacts();

Deno.test("host facts: one fetch in flight is shared; after the TTL stale facts are served while refreshing", async () => {
  let now = 0;
  let fetches = 0;
  let release!: () => void;
  const cache = new HostFactsCache({
    now: () => now,
    fetch: () => {
      fetches++;
      return new Promise((r) => (release = () => r({ ...FACTS, numCpus: fetches })));
    },
  });
  const client = {} as PodmanClient;
  cache.warm(client);
  const a = cache.get(client);
  const b = cache.get(client);
  assert.equal(fetches, 1, "warm-up and both callers share one fetch");
  release();
  assert.equal((await a).numCpus, 1);
  assert.equal((await b).numCpus, 1);
  now += HOST_FACTS_TTL_MS + 1;
  const stale = await cache.get(client);
  assert.equal(stale.numCpus, 1, "stale facts at once");
  assert.equal(fetches, 2, "a refresh started");
  release();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal((await cache.get(client)).numCpus, 2);
  assert.equal(fetches, 2);
});

Deno.test("host facts: a failed fetch is retried by the next caller", async () => {
  let n = 0;
  const cache = new HostFactsCache({
    fetch: () => (++n === 1 ? Promise.reject(new Error("down")) : Promise.resolve(FACTS)),
  });
  const client = {} as PodmanClient;
  await assert.rejects(cache.get(client), /down/);
  assert.deepEqual(await cache.get(client), FACTS);
});

Deno.test("allInOrder waits for all and throws the first error in argument order", async () => {
  const order: string[] = [];
  const slowFail = new Promise<number>((_, rej) =>
    setTimeout(() => {
      order.push("first");
      rej(new Error("first"));
    }, 30)
  );
  const fastFail = Promise.reject(new Error("second")).finally(() => order.push("second"));
  await assert.rejects(allInOrder([slowFail, fastFail] as const), /first/);
  assert.deepEqual(order, ["second", "first"]);
  assert.deepEqual(await allInOrder([Promise.resolve(1), Promise.resolve("x")] as const), [1, "x"]);
});

Deno.test("step timer names each step's duration", () => {
  const t = new StepTimer();
  t.mark("a");
  t.mark("b");
  t.mark("a");
  const f = t.fields();
  assert.deepEqual(Object.keys(f).sort(), ["step_a_ms", "step_b_ms"]);
  assert.ok(f.step_a_ms! >= 0 && f.step_b_ms! >= 0);
});
