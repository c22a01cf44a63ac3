import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeConfig, makeTask } from "../../../tests/support/factories.ts";
import { buildDevices } from "./devices.ts";

Deno.test("job devices go into path whole; Nomad devices become host:task:perms", () => {
  const task = makeTask({
    devices: [
      { hostPath: "/dev/nvidia0", taskPath: "/dev/nvidia0", cgroupPermissions: "rw" },
      { hostPath: "/dev/fuse", taskPath: "", cgroupPermissions: "" },
    ],
  });
  const spec = buildDevices(
    task,
    makeConfig({ devices: ["/dev/net/tun", "/dev/sda:/dev/xvda:r"] }),
  );
  assert.deepEqual(spec.devices, [
    { path: "/dev/net/tun" },
    { path: "/dev/sda:/dev/xvda:r" },
    { path: "/dev/nvidia0:/dev/nvidia0:rw" },
    { path: "/dev/fuse:/dev/fuse:rwm" },
  ]);
  assert.deepEqual(buildDevices(makeTask(), makeConfig()), {});
});

Deno.test("malformed devices are refused naming the value", () => {
  for (const bad of ["tun", "/dev/a:/dev/b:rx", "/a:/b:r:w"]) {
    assert.throws(
      () => buildDevices(makeTask(), makeConfig({ devices: [bad] })),
      (e: unknown) => e instanceof ConfigError && e.field === "devices" && e.value === bad,
    );
  }
});
