import assert from "node:assert/strict";
import { checkArchiveSource } from "./archive_policy.ts";
import { makeConfig } from "../../tests/support/factories.ts";
import { ImageError } from "./images.ts";

const task = { allocDir: "/nomad/alloc/a1", name: "web" };
const realPath = (links: Record<string, string> = {}) => (p: string) => links[p] ?? p;

Deno.test("archive policy: inside the alloc dir or a root passes (relative to the task dir)", () => {
  const ok = (image: string, roots: string[] = []) =>
    checkArchiveSource(makeConfig({ image }), task, roots, realPath()).image;
  assert.equal(ok("oci-archive:local/app.tar"), "oci-archive:/nomad/alloc/a1/web/local/app.tar");
  assert.equal(
    ok("docker-archive:/nomad/alloc/a1/alloc/x.tar:ref"),
    "docker-archive:/nomad/alloc/a1/alloc/x.tar:ref",
  );
  assert.equal(
    ok("oci-archive:/srv/images/a.tar", ["/srv/images"]),
    "oci-archive:/srv/images/a.tar",
  );
  assert.equal(ok("localhost/x:1"), "localhost/x:1");
});

Deno.test("archive policy: outside, climbing out, or a symlink out is refused before any access", () => {
  let touched = 0;
  const counting = (p: string) => {
    touched++;
    return p;
  };
  for (
    const image of [
      "oci-archive:/etc/shadow",
      "oci-archive:local/../../../../etc/shadow",
      "oci-archive:/nomad/alloc/a10/x.tar",
    ]
  ) {
    assert.throws(
      () => checkArchiveSource(makeConfig({ image }), task, ["/srv"], counting),
      (e) => {
        assert.ok(e instanceof ImageError);
        assert.match(e.message, /is outside them/);
        assert.match(e.message, /image_archive_roots/);
        return true;
      },
    );
  }
  assert.equal(touched, 0, "nothing outside was looked at");
  assert.throws(
    () =>
      checkArchiveSource(
        makeConfig({ image: "oci-archive:local/x.tar" }),
        task,
        [],
        realPath({
          "/nomad/alloc/a1/web/local/x.tar": "/etc/shadow",
        }),
      ),
    /resolves \(through a symlink\) to \/etc\/shadow/,
  );
});
