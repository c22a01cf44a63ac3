import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makeHost } from "../../../tests/support/factories.ts";
import { buildSecurity } from "./security.ts";

const sec = (securityOpt: string[]) =>
  buildSecurity(makeConfig({ securityOpt }), makeHost({ appArmorEnabled: true }));

Deno.test("caps, selinux_opts, privileged and readonly_rootfs map to their keys", () => {
  const spec = buildSecurity(
    makeConfig({
      capAdd: ["SYS_TIME"],
      capDrop: ["CHOWN"],
      selinuxOpts: ["type:spc_t"],
      privileged: true,
      readonlyRootfs: true,
    }),
    makeHost(),
  );
  assert.deepEqual(spec, {
    cap_add: ["SYS_TIME"],
    cap_drop: ["CHOWN"],
    selinux_opts: ["type:spc_t"],
    privileged: true,
    read_only_filesystem: true,
  });
  assert.deepEqual(buildSecurity(makeConfig(), makeHost()), {});
});

Deno.test("apparmor_profile is sent only when the host has AppArmor", () => {
  const config = makeConfig({ apparmorProfile: "unconfined" });
  assert.equal(
    buildSecurity(config, makeHost({ appArmorEnabled: true })).apparmor_profile,
    "unconfined",
  );
  assert.equal(buildSecurity(config, makeHost()).apparmor_profile, undefined);
});

Deno.test("security_opt entries are parsed like podman --security-opt", () => {
  assert.deepEqual(sec(["no-new-privileges"]), { no_new_privileges: true });
  assert.deepEqual(sec(["no-new-privileges:false"]).no_new_privileges, false);
  assert.deepEqual(sec(["label=nested"]).labels_nested, true);
  assert.deepEqual(sec(["label=disable", "label:type:spc_t"]), {
    selinux_opts: ["disable", "type:spc_t"],
    annotations: { "io.podman.annotations.label": "disable,label=type:spc_t" },
  });
  assert.deepEqual(sec(["apparmor=unconfined"]), {
    apparmor_profile: "unconfined",
    annotations: { "io.podman.annotations.apparmor": "unconfined" },
  });
  assert.deepEqual(sec(["seccomp=/etc/s.json"]), {
    seccomp_profile_path: "/etc/s.json",
    annotations: { "io.podman.annotations.seccomp": "/etc/s.json" },
  });
  assert.deepEqual(sec(["proc-opts=hidepid=2,subset=pid"]).procfs_opts, [
    "hidepid=2",
    "subset=pid",
  ]);
  assert.deepEqual(sec(["mask=/proc/a:/proc/b"]).mask, ["/proc/a", "/proc/b"]);
  assert.deepEqual(sec(["unmask=ALL"]).unmask, ["ALL"]);
  assert.deepEqual(sec(["unmask=/proc/a:/proc/b"]).unmask, ["/proc/a", "/proc/b"]);
  assert.deepEqual(sec(["systempaths=unconfined"]).unmask, ["ALL"]);
});

Deno.test("an unknown security_opt is an error naming the value", () => {
  for (
    const bad of ["bogus", "bogus=1", "label=", "systempaths=strict", "=x", "no-new-privileges=yes"]
  ) {
    assert.throws(
      () => sec([bad]),
      (e: unknown) =>
        e instanceof ConfigError && e.field === "security_opt" && e.value === bad &&
        e.message.includes(JSON.stringify(bad)),
    );
  }
});
