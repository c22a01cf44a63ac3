/** `userns`: the container runs in the user namespace the job asked for. */
import assert from "node:assert/strict";
import { Harness, NEEDS_PODMAN } from "../support/harness/mod.ts";

const IMAGE = "localhost/ndp/busybox:latest";

/** Runs `cat /proc/self/uid_map` under a userns setting; returns the map's lines. */
async function uidMap(h: Harness, userns: string): Promise<string[]> {
  const t = await h.task({
    name: `u${h.tasks.length}`,
    config:
      `image = "${IMAGE}"\ncommand = "cat"\nargs = ["/proc/self/uid_map"]\nuserns = "${userns}"`,
  });
  await h.start(t);
  const r = await h.client.waitTask(t.id, 30_000);
  assert.equal((r.result as { exit_code: number }).exit_code, 0);
  const text = await t.alloc.stdout!.waitFor((s) => s.includes(" stdout "), 5000);
  return text.split("\n").filter((l) => l.includes(" stdout ")).map((l) =>
    l.replace(/^.* stdout [FP] /, "").trim().split(/\s+/).join(" ")
  );
}

Deno.test({
  name: "options: userns host, auto and auto:size map container root as asked",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const h = await Harness.start();
    try {
      // host: the identity map of the host's own namespace.
      assert.deepEqual(await uidMap(h, "host"), ["0 0 4294967295"]);
      // auto: container root is a high host ID, not host root.
      const auto = await uidMap(h, "auto");
      assert.equal(auto.length, 1);
      const [inside, outside] = auto[0]!.split(" ").map(Number);
      assert.equal(inside, 0);
      assert.ok(outside! > 0, `container root maps to host uid ${outside}`);
      // auto with a size: exactly that many IDs.
      const sized = await uidMap(h, "auto:size=2000");
      assert.equal(sized[0]!.split(" ")[2], "2000");
    } finally {
      await h.close();
    }
  },
});
