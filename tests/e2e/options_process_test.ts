/** Task options about the process: each checked by inspect or from inside the container. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { runScript, startAndInspect, waitStdout, waitTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "options: hostname, labels + extra_labels, env from Nomad, user, working_dir",
  fn: () =>
    withHarness(async (h) => {
      const r = await runScript(
        h,
        "hostname; id -un; pwd; echo alloc=$NOMAD_ALLOC_ID; echo custom=$MY_VAR",
        `hostname = "myhost"\nworking_dir = "/tmp"\nlabels = { "team" = "blue" }`,
        { user: "www-data", env: { MY_VAR: "from-nomad" } },
      );
      assert.equal(r.exit.exitCode, 0);
      assert.deepEqual(r.lines, [
        "myhost",
        "www-data",
        "/tmp",
        `alloc=${r.t.alloc.allocId}`,
        "custom=from-nomad",
      ]);
      const s = await startAndInspect(h, `labels = { "team" = "blue" }`, { name: "labelled" });
      const labels = s.cfg.Labels as Record<string, string>;
      assert.equal(labels.team, "blue");
      assert.equal(labels["com.hashicorp.nomad.task_name"], "labelled");
      assert.equal(labels["com.hashicorp.nomad.alloc_id"], s.t.alloc.allocId);
    }, `extra_labels = ["task_name", "alloc_id"]`),
});

Deno.test({
  ...opts,
  name: "options: alloc/local/secrets binds are writable and visible on the host",
  fn: () =>
    withHarness(async (h) => {
      const r = await runScript(
        h,
        "echo a > $NOMAD_ALLOC_DIR/file && echo l > $NOMAD_TASK_DIR/file && echo s > $NOMAD_SECRETS_DIR/file && echo ok",
      );
      assert.equal(r.exit.exitCode, 0, r.lines.join("\n"));
      const dir = r.t.alloc.allocDir;
      assert.equal(Deno.readTextFileSync(`${dir}/alloc/file`), "a\n");
      assert.equal(Deno.readTextFileSync(`${dir}/task/local/file`), "l\n");
      assert.equal(Deno.readTextFileSync(`${dir}/task/secrets/file`), "s\n");
    }),
});

Deno.test({
  ...opts,
  name: "options: entrypoint (list and string), command, args",
  fn: () =>
    withHarness(async (h) => {
      const list = await h.task({
        name: "ep-list",
        config:
          `image = "localhost/ndp/busybox:latest"\nentrypoint = ["/bin/echo", "from-entrypoint"]\nargs = ["arg1"]`,
      });
      await h.start(list);
      assert.equal((await waitTask(h, list.id)).exitCode, 0);
      await waitStdout(list, /^from-entrypoint arg1$/);
      const str = await h.task({
        name: "ep-str",
        config:
          `image = "localhost/ndp/busybox:latest"\nentrypoint = "/bin/echo"\ncommand = "cmd"\nargs = ["a", "b"]`,
      });
      await h.start(str);
      assert.equal((await waitTask(h, str.id)).exitCode, 0);
      await waitStdout(str, /^cmd a b$/);
    }),
});

Deno.test({
  ...opts,
  name: "options: tty, init, readonly_rootfs",
  fn: () =>
    withHarness(async (h) => {
      const tty = await runScript(h, "[ -t 1 ] && echo tty || echo notty", "tty = true");
      assert.ok(tty.lines.some((l) => /^tty$/.test(l)), tty.lines.join("|"));
      const init = await runScript(h, "cat /proc/1/cmdline | tr '\\0' ' '; echo", "init = true", {
        name: "init",
      });
      assert.match(init.lines[0] ?? "", /catatonit|init/);
      const ro = await runScript(
        h,
        "touch /rootfile 2>/dev/null && echo writable || echo readonly; touch /alloc/x && echo alloc-ok",
        "readonly_rootfs = true",
        { name: "ro" },
      );
      assert.deepEqual(ro.lines, ["readonly", "alloc-ok"]);
    }),
});
