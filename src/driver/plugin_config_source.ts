/**
 * The plugin configuration of a SetConfig: the msgpack bytes decoded, or the
 * defaults when Nomad sent none, for the user this plugin runs as (its UID
 * picks the default rootless socket).
 *
 * @module
 */
import { decodePluginConfig, defaultPluginConfig, type PluginConfig } from "../config/mod.ts";

/** Decodes SetConfig's `msgpack_config`; `undefined`: the defaults. */
export function pluginConfigFrom(bytes: Uint8Array | undefined): PluginConfig {
  const uid = Deno.uid() ?? 0;
  return bytes ? decodePluginConfig(bytes, { uid }) : defaultPluginConfig({ uid });
}
