/**
 * Malformed and truncated Podman answers, seen through the plugin (issue 5,
 * item 5). `src/podman/_transport_test.ts` covers the client alone (truncated
 * JSON, non-JSON, empty 200, timeouts, dropped streams); here the whole plugin
 * runs against a fake Podman (faults real Podman will not produce) and must
 * report them as fingerprint health or a StartTask error, never crash.
 */
import assert from "node:assert/strict";
import { json, podmanError, startFakePodman } from "../support/fakes/fake_podman.ts";
import { Harness, REPO_ROOT, TEST_IMAGE } from "../support/harness/mod.ts";

const INFO = Deno.readTextFileSync(`${REPO_ROOT}/tests/support/fixtures/podman/info_v4.3.1.json`);
const IMAGE = Deno.readTextFileSync(
  `${REPO_ROOT}/tests/support/fixtures/podman/image_inspect_v4.3.1.json`,
);

const opts = { sanitizeResources: false, sanitizeOps: false };

/** A plugin configured with the fake's socket; always closed. */
async function withPlugin(
  socketPath: string,
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await Harness.start({
    pluginConfig: `socket_path = "unix://${socketPath}"\nclient_http_timeout = "3s"`,
  });
  try {
    await fn(h);
    assert.equal(h.plugin.hasExited, false, "plugin exited");
    assert.equal(await h.client.health(), 1, "plugin health");
  } finally {
    await h.close();
  }
}

const BAD_INFO: Array<[string, () => Response]> = [
  ["truncated JSON", () => new Response(INFO.slice(0, INFO.length / 2), { status: 200 })],
  ["not JSON", () => new Response("<html>gateway error</html>", { status: 200 })],
  ["an empty 200", () => new Response("", { status: 200 })],
  ["a 500", () => podmanError(500, "database is locked", "info failed")],
  ["invalid UTF-8", () => new Response(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { status: 200 })],
];

for (const [what, answer] of BAD_INFO) {
  Deno.test({
    ...opts,
    name: `faults: _ping fine but /info is ${what} → fingerprint not healthy, with a reason`,
    fn: async () => {
      const fake = await startFakePodman((_req, url) =>
        url.pathname.endsWith("/info") ? answer() : undefined
      );
      try {
        await withPlugin(fake.socketPath, async (h) => {
          const fp = h.client.fingerprint();
          const first = await fp.waitFor(() => true, 10_000);
          fp.cancel();
          assert.notEqual(first.health, 2, `healthy despite ${what}`);
          assert.match(String(first.health_description), /\S/);
        });
      } finally {
        await fake.close();
      }
    },
  });
}

Deno.test({
  ...opts,
  name: "faults: /info of the wrong shape (host is a number) → no crash, a fingerprint comes",
  fn: async () => {
    const fake = await startFakePodman((_req, url) =>
      url.pathname.endsWith("/info") ? json({ host: 5, store: "x", version: [] }) : undefined
    );
    try {
      await withPlugin(fake.socketPath, async (h) => {
        const fp = h.client.fingerprint();
        const first = await fp.waitFor(() => true, 10_000);
        fp.cancel();
        assert.ok([0, 1, 2].includes(Number(first.health)));
      });
    } finally {
      await fake.close();
    }
  },
});

/** StartTask against a fake that is right up to the create call, then answers `create`. */
const BAD_CREATE: Array<[string, () => Response]> = [
  ["truncated JSON", () => new Response(`{"Id":"0123456789ab`, { status: 201 })],
  ["201 without an Id", () => json({ Warnings: [] }, 201)],
  ["an empty 201", () => new Response("", { status: 201 })],
  ["a 500 with a non-JSON body", () => new Response("panic: runtime error", { status: 500 })],
];

for (const [what, answer] of BAD_CREATE) {
  Deno.test({
    ...opts,
    name: `faults: container create answers ${what} → a StartTask error, no crash`,
    fn: async () => {
      const fake = await startFakePodman((req, url) => {
        const p = url.pathname;
        if (p.endsWith("/info")) return new Response(INFO, { status: 200 });
        if (/\/images\/.+\/json$/.test(p)) return new Response(IMAGE, { status: 200 });
        if (/\/images\/.+\/exists$/.test(p)) return new Response(null, { status: 204 });
        if (p.endsWith("/containers/create")) return answer();
        if (/\/containers\/[^/]+\/json$/.test(p)) {
          return podmanError(404, "no such container", "no such container");
        }
        if (req.method === "DELETE") return json([], 200);
        if (p.endsWith("/events")) return new Response(null, { status: 404 });
        return undefined;
      });
      try {
        await withPlugin(fake.socketPath, async (h) => {
          const t = await h.task({ config: `image = "${TEST_IMAGE}"`, logging: false });
          let code: number | undefined;
          try {
            await h.start(t);
          } catch (err) {
            code = (err as { code?: number }).code;
          }
          assert.ok(code !== undefined, "StartTask succeeded against a broken create");
          // INTERNAL or UNAVAILABLE would mean a crashed handler or a dead plugin.
          assert.ok(code !== 13 && code !== 14, `StartTask failed with code ${code}`);
          assert.ok(fake.requests.some((r) => r.path.includes("/containers/create")));
        });
      } finally {
        await fake.close();
      }
    },
  });
}
