import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { buildUserns } from "./userns.ts";

Deno.test("userns: empty, host, nomap, ns:PATH", () => {
  assert.deepEqual(buildUserns(""), {});
  assert.deepEqual(buildUserns("host"), { userns: { nsmode: "host" } });
  assert.deepEqual(buildUserns("nomap"), { userns: { nsmode: "nomap" } });
  assert.deepEqual(buildUserns("ns:/proc/1/ns/user"), {
    userns: { nsmode: "path", value: "/proc/1/ns/user" },
  });
});

Deno.test("userns auto sends idmappings with AutoUserNs (Podman ignores auto without it)", () => {
  assert.deepEqual(buildUserns("auto"), {
    userns: { nsmode: "auto" },
    idmappings: { AutoUserNs: true, AutoUserNsOpts: {} },
  });
  assert.deepEqual(buildUserns("auto:uidmapping=0:1000:10,gidmapping=0:2000:10,size=65536"), {
    userns: { nsmode: "auto", value: "uidmapping=0:1000:10,gidmapping=0:2000:10,size=65536" },
    idmappings: {
      AutoUserNs: true,
      AutoUserNsOpts: {
        Size: 65536,
        AdditionalUIDMappings: [{ container_id: 0, host_id: 1000, size: 10 }],
        AdditionalGIDMappings: [{ container_id: 0, host_id: 2000, size: 10 }],
      },
    },
  });
});

Deno.test("userns keep-id passes options with an empty idmappings object", () => {
  assert.deepEqual(buildUserns("keep-id"), { userns: { nsmode: "keep-id" }, idmappings: {} });
  assert.deepEqual(buildUserns("keep-id:uid=200,gid=210"), {
    userns: { nsmode: "keep-id", value: "uid=200,gid=210" },
    idmappings: {},
  });
});

Deno.test("invalid userns values are errors naming the value", () => {
  for (
    const bad of [
      "private",
      "bogus",
      "host:x",
      "auto:size=x",
      "auto:uidmapping=1:2",
      "auto:foo=1",
      "keep-id:user=1",
      "ns:relative",
    ]
  ) {
    assert.throws(
      () => buildUserns(bad),
      (e: unknown) => e instanceof ConfigError && e.field === "userns" && e.value === bad,
      bad,
    );
  }
});
