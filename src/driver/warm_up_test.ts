import assert from "node:assert/strict";
import { warmStartPath } from "./warm_up.ts";
import { makeHostFacts, makePlugin } from "../../tests/support/factories.ts";

Deno.test("warm-up: StartTask's own steps run through on a made-up task, touching nothing", () => {
  assert.equal(warmStartPath(makePlugin(), makeHostFacts()), true);
  // A restrictive operator policy does not make the warm-up fail loudly either.
  assert.equal(
    typeof warmStartPath(
      makePlugin({ policy: { ...makePlugin().policy, allowCaps: [] } }),
      makeHostFacts(),
    ),
    "boolean",
  );
});
