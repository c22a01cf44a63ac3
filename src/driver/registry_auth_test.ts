import assert from "node:assert/strict";
import { Logger } from "../plugin_log/mod.ts";
import {
  decodeAuthField,
  formatDockerReference,
  isShortName,
  matchAuthKey,
  normaliseAuthKey,
  parseDockerReference,
  RegistryAuthError,
  type ResolveAuthOptions,
  resolveRegistryAuth,
} from "./registry_auth.ts";

const SECRET = "s3cr3t-Pa55";
const quiet = new Logger("test", { sink: { write() {} }, level: "error" });

function b64(s: string): string {
  return btoa(s);
}

Deno.test("isShortName() follows containers/image's domain rule", () => {
  for (const s of ["busybox", "redis:7", "library/redis", "org/app:1", "busybox@sha256:ab"]) {
    assert.equal(isShortName(s), true, s);
  }
  for (
    const s of [
      "quay.io/x",
      "localhost/ndp/busybox",
      "127.0.0.1:5000/ndp/busybox",
      "registry:5000/x",
      "Upper/x",
    ]
  ) {
    assert.equal(isShortName(s), false, s);
  }
});

Deno.test("parseDockerReference() splits host, path, tag and digest", () => {
  const cases: Array<[string, string, string, string, string]> = [
    ["busybox", "docker.io", "library/busybox", "", ""],
    ["redis:7", "docker.io", "library/redis", "7", ""],
    ["org/app:1.2", "docker.io", "org/app", "1.2", ""],
    ["quay.io/org/app:1.2", "quay.io", "org/app", "1.2", ""],
    // host:port/repo without a tag: the port stays in the host and there is no tag
    ["127.0.0.1:5000/ndp/busybox", "127.0.0.1:5000", "ndp/busybox", "", ""],
    ["127.0.0.1:5000/ndp/busybox:v1", "127.0.0.1:5000", "ndp/busybox", "v1", ""],
    ["docker://quay.io/a/b", "quay.io", "a/b", "", ""],
    ["https://reg.example.com/a/b:t", "reg.example.com", "a/b", "t", ""],
    ["reg.io/a@sha256:abcd", "reg.io", "a", "", "sha256:abcd"],
    ["reg.io:443/a:t@sha256:abcd", "reg.io:443", "a", "t", "sha256:abcd"],
    ["localhost/ndp/busybox:latest", "localhost", "ndp/busybox", "latest", ""],
    ["index.docker.io/library/x", "docker.io", "library/x", "", ""],
  ];
  for (const [ref, host, path, tag, digest] of cases) {
    assert.deepEqual(parseDockerReference(ref), { host, path, tag, digest }, ref);
  }
  assert.throws(() => parseDockerReference("quay.io/"), SyntaxError);
});

Deno.test("formatDockerReference() adds :latest only without tag or digest", () => {
  const f = (s: string) => formatDockerReference(parseDockerReference(s));
  assert.equal(f("busybox"), "docker.io/library/busybox:latest");
  assert.equal(f("127.0.0.1:5000/ndp/busybox"), "127.0.0.1:5000/ndp/busybox:latest");
  assert.equal(f("reg.io/a:v2"), "reg.io/a:v2");
  assert.equal(f("reg.io/a@sha256:ab"), "reg.io/a@sha256:ab");
});

Deno.test("normaliseAuthKey() strips schemes, API suffixes and Docker Hub aliases", () => {
  assert.equal(normaliseAuthKey("https://index.docker.io/v1/"), "docker.io");
  assert.equal(normaliseAuthKey("http://reg.io:5000/"), "reg.io:5000");
  assert.equal(normaliseAuthKey("reg.io/team"), "reg.io/team");
});

Deno.test("matchAuthKey() picks the longest matching key whatever the order", () => {
  const ref = parseDockerReference("reg.io/team/app/web:1");
  const keys = ["reg.io", "https://reg.io/team/app", "reg.io/team", "other.io", "reg.io/team/ap"];
  assert.equal(matchAuthKey(keys, ref), "https://reg.io/team/app");
  assert.equal(matchAuthKey([...keys].reverse(), ref), "https://reg.io/team/app");
  // path-component prefixes only: reg.io/team/ap must not match reg.io/team/app
  assert.equal(matchAuthKey(["reg.io/team/ap"], ref), undefined);
  assert.equal(matchAuthKey(["reg.io/team/app/web/extra"], ref), undefined);
  assert.equal(matchAuthKey(["reg.io:5000"], ref), undefined);
  assert.equal(matchAuthKey(["reg.io"], ref), "reg.io");
  const withPort = parseDockerReference("127.0.0.1:5000/ndp/busybox");
  assert.equal(matchAuthKey(["127.0.0.1", "127.0.0.1:5000"], withPort), "127.0.0.1:5000");
});

Deno.test("decodeAuthField() decodes base64 user:password, colons allowed in the password", () => {
  assert.deepEqual(decodeAuthField(b64("u:p:q")), { username: "u", password: "p:q" });
  assert.deepEqual(decodeAuthField(b64("u:p").replace(/=+$/, "")), {
    username: "u",
    password: "p",
  });
  assert.equal(decodeAuthField(b64("nocolon")), undefined);
  assert.equal(decodeAuthField("!!!"), undefined);
});

async function withAuthFile(
  content: unknown,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ndp-auth-" });
  try {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(
      path,
      typeof content === "string" ? content : JSON.stringify(content),
    );
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function opts(over: Partial<ResolveAuthOptions> = {}): ResolveAuthOptions {
  return {
    taskAuth: undefined,
    pluginAuth: { config: "", helper: "" },
    authSoftFail: false,
    logger: quiet,
    ...over,
  };
}

Deno.test("resolveRegistryAuth() prefers the task's auth block", async () => {
  await withAuthFile({ auths: { "reg.io": { auth: b64("file:pw") } } }, async (path) => {
    const auth = await resolveRegistryAuth(
      "reg.io/a:1",
      opts({
        taskAuth: { username: "task", password: SECRET, tlsVerify: true },
        pluginAuth: { config: path, helper: "" },
      }),
    );
    assert.deepEqual(auth, { username: "task", password: SECRET, serveraddress: "reg.io" });
    // An auth block with only tls_verify does not stop the lookup.
    const fromFile = await resolveRegistryAuth(
      "reg.io/a:1",
      opts({
        taskAuth: { username: "", password: "", tlsVerify: false },
        pluginAuth: { config: path, helper: "" },
      }),
    );
    assert.equal(fromFile?.username, "file");
  });
});

Deno.test("resolveRegistryAuth() uses the longest auth.json key", async () => {
  const file = {
    auths: {
      "reg.io": { auth: b64("domain:pw1") },
      "reg.io/team/app": { auth: b64("full:pw3") },
      "https://reg.io/team": { auth: b64("partial:pw2") },
      "127.0.0.1:5000": { auth: b64("local:pw4") },
    },
  };
  await withAuthFile(file, async (path) => {
    const o = opts({ pluginAuth: { config: path, helper: "" } });
    assert.equal((await resolveRegistryAuth("reg.io/team/app:1", o))?.username, "full");
    assert.equal((await resolveRegistryAuth("reg.io/team/other", o))?.username, "partial");
    assert.equal((await resolveRegistryAuth("reg.io/x", o))?.username, "domain");
    assert.deepEqual(await resolveRegistryAuth("127.0.0.1:5000/ndp/busybox", o), {
      username: "local",
      password: "pw4",
      serveraddress: "127.0.0.1:5000",
    });
    assert.equal(await resolveRegistryAuth("other.io/x", o), undefined);
    // Short names: the registry is registries.conf's choice, plugin secrets are not sent.
    assert.equal(await resolveRegistryAuth("busybox", o), undefined);
  });
});

Deno.test("resolveRegistryAuth() fails on a broken auth file unless auth_soft_fail", async () => {
  await withAuthFile("{not json", async (path) => {
    const o = opts({ pluginAuth: { config: path, helper: "" } });
    await assert.rejects(resolveRegistryAuth("reg.io/a", o), (err: unknown) => {
      assert.ok(err instanceof RegistryAuthError);
      assert.equal(err.field, "auth.config");
      assert.equal(err.value, path);
      assert.match(err.message, /auth\.config/);
      assert.match(err.message, /not valid JSON/);
      return true;
    });
    assert.equal(await resolveRegistryAuth("reg.io/a", { ...o, authSoftFail: true }), undefined);
  });
  const missing = opts({ pluginAuth: { config: "/nonexistent/auth.json", helper: "" } });
  await assert.rejects(resolveRegistryAuth("reg.io/a", missing), /does not exist/);
});

// ---------------------------------------------------------------- helper

const FAKE_HELPER = `#!/bin/sh
read host
case "$host" in
  reg.io) printf '{"ServerURL":"reg.io","Username":"helper-user","Secret":"${SECRET}"}' ;;
  slow.io) exec sleep 5 ;;
  broken.io) printf 'not json ${SECRET}' ;;
  fail.io) echo "backend exploded" >&2; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

async function withFakeHelper(fn: () => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ndp-helper-" });
  const oldPath = Deno.env.get("PATH") ?? "";
  try {
    const bin = `${dir}/docker-credential-fake`;
    await Deno.writeTextFile(bin, FAKE_HELPER);
    await Deno.chmod(bin, 0o755);
    Deno.env.set("PATH", `${dir}:${oldPath}`);
    await fn();
  } finally {
    Deno.env.set("PATH", oldPath);
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolveRegistryAuth() asks docker-credential-<helper> with the host on stdin", async () => {
  await withFakeHelper(async () => {
    const o = opts({ pluginAuth: { config: "", helper: "fake" } });
    assert.deepEqual(await resolveRegistryAuth("reg.io/team/app:1", o), {
      username: "helper-user",
      password: SECRET,
      serveraddress: "reg.io",
    });
    assert.equal(await resolveRegistryAuth("unknown.io/a", o), undefined);
  });
});

Deno.test("resolveRegistryAuth() reports helper failures without the secret", async () => {
  await withFakeHelper(async () => {
    const o = opts({ pluginAuth: { config: "", helper: "fake" } });
    for (const [ref, pattern] of [["broken.io/a", /JSON/], ["fail.io/a", /status 3: backend/]]) {
      await assert.rejects(resolveRegistryAuth(ref as string, o), (err: unknown) => {
        assert.ok(err instanceof RegistryAuthError);
        assert.equal(err.field, "auth.helper");
        assert.match(err.message, pattern as RegExp);
        assert.ok(!err.message.includes(SECRET));
        return true;
      });
    }
    const started = Date.now();
    await assert.rejects(
      resolveRegistryAuth("slow.io/a", { ...o, helperTimeoutMs: 300 }),
      /did not finish within 0.3s/,
    );
    assert.ok(Date.now() - started < 3000, "the helper was not killed at its timeout");
    await assert.rejects(
      resolveRegistryAuth("reg.io/a", opts({ pluginAuth: { config: "", helper: "absent" } })),
      /docker-credential-absent' was not found on PATH/,
    );
    await assert.rejects(
      resolveRegistryAuth("reg.io/a", opts({ pluginAuth: { config: "", helper: "../x" } })),
      /helper name/,
    );
  });
});

Deno.test("resolveRegistryAuth() tries the helper after a failing auth file with auth_soft_fail", async () => {
  await withFakeHelper(async () => {
    const o = opts({
      pluginAuth: { config: "/nonexistent/auth.json", helper: "fake" },
      authSoftFail: true,
    });
    assert.equal((await resolveRegistryAuth("reg.io/a", o))?.username, "helper-user");
    await assert.rejects(resolveRegistryAuth("reg.io/a", { ...o, authSoftFail: false }));
  });
});

Deno.test("resolveRegistryAuth() explains a missing run permission", async () => {
  const o = opts({
    pluginAuth: { config: "", helper: "fake" },
    runHelper: () => Promise.reject(new Deno.errors.NotCapable("Requires run access")),
  });
  await assert.rejects(
    resolveRegistryAuth("reg.io/a", o),
    /add "fake" to the deployment profile setting credential_helper/,
  );
});
