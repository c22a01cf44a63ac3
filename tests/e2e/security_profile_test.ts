/**
 * Least privilege, end to end: the plugin runs (through the launcher, as a
 * separate process) under the test deployment profile (tests/profile.json).
 * It cannot read files or reach hosts the profile does not name, even when a
 * plugin option would let it try; archives load only from the task's own dirs
 * or `image_archive_roots`; an alloc dir outside the profile is a clear
 * StartTask error and the plugin keeps serving.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Harness, IMAGE_DIR, makeAllocDir, NEEDS_PODMAN } from "../support/harness/mod.ts";
import { assertGrpcError, shTask, TEST_IMAGE, waitTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeOps: false, sanitizeResources: false };
const OCI_ARCHIVE = Deno.env.get("NDP_TEST_IMAGE_OCI_ARCHIVE") ?? `${IMAGE_DIR}/busybox-oci.tar`;

/** A task that runs `image` (and exits 0 when it starts at all). */
function archiveTask(image: string): string {
  return `image = "${image}"\ncommand = "sh"\nargs = ["-c", "echo loaded"]`;
}

/** A loopback listener counting connections (to prove none arrives). */
function listener(): { port: number; accepted: () => number; close: () => Promise<void> } {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let n = 0;
  const loop = (async () => {
    try {
      for await (const c of l) {
        n++;
        c.close();
      }
    } catch { /* closed */ }
  })();
  return {
    port: (l.addr as Deno.NetAddr).port,
    accepted: () => n,
    async close() {
      l.close();
      await loop;
    },
  };
}

Deno.test({
  ...opts,
  name: "profile: oci-archive:/etc/shadow is refused before a byte is read",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: archiveTask("oci-archive:/etc/shadow") });
      await assertGrpcError(
        h.start(t),
        /oci-archive file \/etc\/shadow is outside them/,
        /image_archive_roots/,
      );
      // Relative paths climbing out of the task dir are outside too.
      const up = await h.task({
        config: archiveTask("docker-archive:local/../../../../etc/shadow"),
      });
      await assertGrpcError(h.start(up), /is outside them/);
    }),
});

Deno.test({
  ...opts,
  name:
    "profile: the plugin process cannot read a file outside its profile, even when allowed by image_archive_roots",
  fn: async () => {
    // A readable file outside every profile path.
    const dir = Deno.makeTempDirSync({ dir: "/var/tmp", prefix: "ndp-outside-" });
    try {
      Deno.copyFileSync(OCI_ARCHIVE, `${dir}/busybox.tar`);
      await withHarness(async (h) => {
        for (const path of ["/etc/shadow", `${dir}/busybox.tar`]) {
          const t = await h.task({ config: archiveTask(`oci-archive:${path}`) });
          // The plugin option lets the policy pass: Deno's permission set is what refuses.
          await assertGrpcError(
            h.start(t),
            new RegExp(`${path.replaceAll(".", "\\.")} is outside the plugin's deployment profile`),
            /image_archive_root/,
          );
        }
        assert.equal((await h.client.pluginInfo()).name, "podman", "the plugin keeps serving");
      }, `image_archive_roots = ["/etc", "${dir}"]`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...opts,
  name: "profile: the plugin process cannot connect to a loopback port the profile does not name",
  fn: async () => {
    const l = listener();
    try {
      await withHarness(async (h) => {
        // An archive URL on an unnamed host:port.
        const t = await h.task({
          config: archiveTask(`docker-archive:http://127.0.0.1:${l.port}/busybox.tar`),
        });
        await assertGrpcError(
          h.start(t),
          new RegExp(`127\\.0\\.0\\.1:${l.port} is outside the plugin's deployment profile`),
          /profile setting net/,
        );
      });
      // A Podman URL on that port: the fingerprint says why, and nothing connects.
      const h2 = await Harness.start({
        pluginConfig: `socket_path = "http://127.0.0.1:${l.port}"`,
      });
      try {
        const fp = h2.client.fingerprint();
        const m = await fp.waitFor((x) => String(x.health_description ?? "") !== "", 10_000);
        assert.match(String(m.health_description), /outside the plugin's deployment profile/);
        assert.match(String(m.health_description), /profile setting net/);
        fp.cancel();
      } finally {
        await h2.close();
      }
      assert.equal(l.accepted(), 0, "the plugin connected to a port outside its profile");
    } finally {
      await l.close();
    }
  },
});

async function startArchiveFromLocal(h: Harness, image: (localDir: string) => string) {
  const alloc = await makeAllocDir("task");
  const localDir = `${alloc.allocDir}/task/local`;
  Deno.mkdirSync(localDir, { recursive: true });
  Deno.copyFileSync(OCI_ARCHIVE, `${localDir}/busybox.tar`);
  const t = await h.task({ alloc, config: archiveTask(image(localDir)) });
  return t;
}

Deno.test({
  ...opts,
  name: "profile: an archive inside the task's local/ dir loads (absolute and relative path)",
  fn: () =>
    withHarness(async (h) => {
      for (
        const image of [
          (d: string) => `oci-archive:${d}/busybox.tar`,
          () => "oci-archive:local/busybox.tar",
        ]
      ) {
        const t = await startArchiveFromLocal(h, image);
        await h.start(t);
        const exit = await waitTask(h, t.id);
        assert.equal(exit.exitCode, 0, exit.err);
      }
    }),
});

Deno.test({
  ...opts,
  name: "profile: a symlink in local/ pointing outside is refused",
  fn: () =>
    withHarness(async (h) => {
      const alloc = await makeAllocDir("task");
      const localDir = `${alloc.allocDir}/task/local`;
      Deno.symlinkSync("/etc/shadow", `${localDir}/evil.tar`);
      const t = await h.task({ alloc, config: archiveTask("oci-archive:local/evil.tar") });
      await assertGrpcError(h.start(t), /resolves \(through a symlink\) to \/etc\/shadow/);
    }),
});

Deno.test({
  ...opts,
  name:
    "profile: an alloc dir outside the profile fails StartTask naming data_dir; the plugin keeps serving",
  fn: async () => {
    const root = Deno.makeTempDirSync({ dir: "/var/tmp", prefix: "ndp-outside-alloc-" });
    try {
      await withHarness(async (h) => {
        const alloc = await makeAllocDir("task", { root });
        const t = await h.task({ alloc, config: shTask("echo hi") });
        await assertGrpcError(
          h.start(t),
          new RegExp(`${alloc.allocDir} is outside the plugin's deployment profile`),
          /profile setting data_dir/,
          /--data-dir/,
        );
        assert.equal(await h.client.health(), 1);
        // A task in the profile still runs.
        const ok = await h.task({ config: `image = "${TEST_IMAGE}"\ncommand = "true"` });
        await h.start(ok);
        assert.equal((await waitTask(h, ok.id)).exitCode, 0);
      });
    } finally {
      try {
        Deno.removeSync(root, { recursive: true });
      } catch { /* the harness removed it with the alloc dir */ }
    }
  },
});
