import assert from "node:assert/strict";
import { totalComputeMhz } from "./topology.ts";

const core = (over: Partial<{ disable: boolean; maxSpeed: number; baseSpeed: number }>) => ({
  disable: false,
  maxSpeed: 0,
  baseSpeed: 0,
  guessSpeed: 1000,
  ...over,
});

Deno.test("topology: total compute is the override, else the enabled cores' best known speeds", () => {
  assert.equal(totalComputeMhz(undefined), 0);
  const cores = [
    core({ maxSpeed: 3000 }),
    core({ baseSpeed: 2000 }),
    core({}),
    core({ disable: true }),
  ];
  assert.equal(totalComputeMhz({ overrideTotalCompute: 0, cores }), 6000);
  assert.equal(totalComputeMhz({ overrideTotalCompute: 4200, cores }), 4200);
});
