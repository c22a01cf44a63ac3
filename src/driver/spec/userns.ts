/**
 * `userns` and `idmappings` from the `userns` option.
 *
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import type { IdMap, IdMappings, SpecGenerator } from "./types.ts";

function parseIdMap(option: string, raw: string): IdMap {
  const nums = raw.split(":").map((p) => /^\d+$/.test(p) ? Number(p) : NaN);
  if (nums.length !== 3 || nums.some((n) => !Number.isSafeInteger(n))) {
    throw new ConfigError("userns", option, "an ID mapping must be container_id:host_id:size");
  }
  return { container_id: nums[0], host_id: nums[1], size: nums[2] };
}

/**
 * `auto[:uidmapping=C:H:S,gidmapping=C:H:S,size=N]`. The `idmappings` object
 * with `AutoUserNs` is what makes Podman create the namespace: `nsmode:
 * "auto"` alone is silently ignored (reference driver #470/#481/#511).
 */
function parseAuto(userns: string, options: string): SpecGenerator {
  const opts: NonNullable<IdMappings["AutoUserNsOpts"]> = {};
  for (const option of options === "" ? [] : options.split(",")) {
    const eq = option.indexOf("=");
    const key = eq < 0 ? option : option.slice(0, eq);
    const value = eq < 0 ? "" : option.slice(eq + 1);
    switch (key) {
      case "uidmapping":
        (opts.AdditionalUIDMappings ??= []).push(parseIdMap(userns, value));
        break;
      case "gidmapping":
        (opts.AdditionalGIDMappings ??= []).push(parseIdMap(userns, value));
        break;
      case "size": {
        if (!/^\d+$/.test(value) || Number(value) === 0) {
          throw new ConfigError("userns", userns, "size must be a positive integer");
        }
        opts.Size = Number(value);
        break;
      }
      default:
        throw new ConfigError(
          "userns",
          userns,
          `unknown auto option "${key}" (uidmapping, gidmapping, size)`,
        );
    }
  }
  return {
    userns: { nsmode: "auto", ...(options ? { value: options } : {}) },
    idmappings: { AutoUserNs: true, AutoUserNsOpts: opts },
  };
}

/** Parses `userns`: "", host, auto[:…], keep-id[:uid=,gid=], nomap, ns:PATH. */
export function buildUserns(userns: string): SpecGenerator {
  if (userns === "") return {};
  const colon = userns.indexOf(":");
  const mode = colon < 0 ? userns : userns.slice(0, colon);
  const value = colon < 0 ? "" : userns.slice(colon + 1);
  switch (mode) {
    case "host":
      if (value !== "") break;
      return { userns: { nsmode: "host" } };
    case "auto":
      return parseAuto(userns, value);
    case "keep-id":
      for (const opt of value === "" ? [] : value.split(",")) {
        if (!/^(uid|gid)=\d+$/.test(opt)) {
          throw new ConfigError("userns", userns, `unknown keep-id option "${opt}" (uid=, gid=)`);
        }
      }
      return { userns: { nsmode: "keep-id", ...(value ? { value } : {}) }, idmappings: {} };
    case "nomap":
      if (value !== "") break;
      return { userns: { nsmode: "nomap" } };
    case "ns":
      if (!value.startsWith("/")) {
        throw new ConfigError("userns", userns, "ns: needs an absolute namespace path");
      }
      return { userns: { nsmode: "path", value } };
  }
  throw new ConfigError("userns", userns, "must be host, auto[:…], keep-id[:…], nomap or ns:PATH");
}
