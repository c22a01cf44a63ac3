import assert from "node:assert/strict";
import {
  ImageError,
  isShortName,
  parseDockerReference,
  parseImageSource,
  referenceOf,
  tagMatches,
} from "./image_ref.ts";

Deno.test("image_ref: one short-name rule (host has '.', ':', is localhost, or upper case)", () => {
  for (const s of ["busybox", "redis:7", "library/redis", "org/app:1", "busybox@sha256:ab"]) {
    assert.equal(isShortName(s), true, s);
  }
  for (
    const s of ["quay.io/x", "localhost/x", "127.0.0.1:5000/x", "registry:5000/x", "Upper/x"]
  ) {
    assert.equal(isShortName(s), false, s);
  }
});

Deno.test("image_ref: parseImageSource normalises names, keeps short names, reads transports", () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    // image, ref, short, localOnly
    ["busybox", "busybox", true, false],
    ["redis:7", "redis:7", true, false],
    ["library/redis", "library/redis", true, false],
    ["localhost/ndp/busybox", "localhost/ndp/busybox:latest", false, true],
    ["127.0.0.1:5000/ndp/x", "127.0.0.1:5000/ndp/x:latest", false, false],
    ["registry:5000/x:2", "registry:5000/x:2", false, false],
    ["quay.io/a/b@sha256:abc", "quay.io/a/b@sha256:abc", false, false],
    ["quay.io/a/b:1@sha256:abc", "quay.io/a/b:1@sha256:abc", false, false],
    ["docker://busybox", "docker.io/library/busybox:latest", false, false],
    ["docker://index.docker.io/x/y:3", "docker.io/x/y:3", false, false],
    ["docker://localhost/z", "localhost/z:latest", false, true],
    ["MyHost/app", "MyHost/app:latest", false, false],
  ];
  for (const [image, ref, short, localOnly] of cases) {
    assert.deepEqual(parseImageSource(image), { kind: "registry", ref, short, localOnly }, image);
  }
  assert.deepEqual(parseImageSource("oci-archive:/tmp/a.tar:localhost/a:1"), {
    kind: "archive-file",
    format: "oci-archive",
    path: "/tmp/a.tar",
    ref: "localhost/a:1",
  });
  assert.deepEqual(parseImageSource("docker-archive:/tmp/b.tar"), {
    kind: "archive-file",
    format: "docker-archive",
    path: "/tmp/b.tar",
    ref: "",
  });
  assert.deepEqual(parseImageSource("oci-archive:https://h/x.tar"), {
    kind: "archive-url",
    format: "oci-archive",
    url: "https://h/x.tar",
  });
});

Deno.test("image_ref: bad image values are ImageErrors naming the field and value", () => {
  for (const bad of ["", "  ", "oci-archive:", "docker-archive::ref", "docker://quay.io/"]) {
    assert.throws(() => parseImageSource(bad), (err: unknown) => {
      assert.ok(err instanceof ImageError, bad);
      assert.equal(err.field, "image");
      assert.equal(err.value, bad);
      assert.equal(err.recoverable, false);
      return true;
    });
  }
});

Deno.test("image_ref: parseDockerReference keeps a registry port and splits tag and digest", () => {
  assert.deepEqual(parseDockerReference("registry:5000/ns/app"), {
    host: "registry:5000",
    path: "ns/app",
    tag: "",
    digest: "",
  });
  assert.deepEqual(parseDockerReference("docker://busybox:1@sha256:ab"), {
    host: "docker.io",
    path: "library/busybox",
    tag: "1",
    digest: "sha256:ab",
  });
});

Deno.test("image_ref: image GC and registry auth agree on upper-case hosts", () => {
  // An upper-case first component is a host: not a short name, so a tag under
  // another registry does not match it (image GC used to treat it as short).
  assert.equal(referenceOf("MyHost/app"), "MyHost/app:latest");
  assert.equal(tagMatches("docker.io/MyHost/app:latest", "MyHost/app"), false);
  assert.equal(tagMatches("MyHost/app:latest", "MyHost/app"), true);
  // A real short name matches under any registry, with or without library/.
  assert.equal(tagMatches("docker.io/library/busybox:latest", "busybox"), true);
  assert.equal(tagMatches("quay.io/org/app:1", "org/app:1"), true);
  assert.equal(tagMatches("quay.io/org/app:2", "org/app:1"), false);
  assert.equal(tagMatches("localhost/a:1", ""), false);
});
