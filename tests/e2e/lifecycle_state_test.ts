/** Driver state: round-trips through RecoverTask, and holds no registry password (nor does stderr). */
import assert from "node:assert/strict";
import {
  NEEDS_PODMAN,
  REGISTRY,
  REGISTRY_PASSWORD,
  REGISTRY_USER,
} from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import { decodeDriverState } from "../../src/driver/driver_state.ts";
import { nameOf, podman, waitTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "state: an authenticated pull leaves no password in the driver state or on stderr",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: `image = "${REGISTRY}/ndp/busybox:latest"
force_pull = true
command = "sh"
args = ["-c", "exit 0"]
auth {
  username = "${REGISTRY_USER}"
  password = "${REGISTRY_PASSWORD}"
  tls_verify = false
}`,
      });
      const resp = await h.start(t);
      const handle = resp.handle as ProtoMessage;
      const bytes = handle.driver_state as Uint8Array;
      const text = new TextDecoder().decode(bytes);
      assert.ok(!text.includes(REGISTRY_PASSWORD), "password in driver state");
      assert.ok(!/password|auth/i.test(text), `secret-looking field in driver state: ${text}`);
      const state = decodeDriverState(bytes);
      const raw = await podman.containers.inspect(nameOf(t));
      assert.equal(state.containerId, raw.id);
      assert.equal(state.containerName, nameOf(t));
      assert.equal(state.socket, "default");
      assert.ok(bytes.length < 1024, `driver state is ${bytes.length} bytes`);
      assert.equal((await waitTask(h, t.id)).exitCode, 0);
      const stderr = h.plugin.stderrLines.join("\n");
      assert.ok(!stderr.includes(REGISTRY_PASSWORD), "password on the plugin's stderr");
      assert.ok(
        !stderr.includes(btoa(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`)),
        "basic auth on stderr",
      );
    }),
});
