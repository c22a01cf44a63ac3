/**
 * The deployment profile run-job starts the plugin under: the test profile
 * (tests/profile.json) plus run-job's own data dir (alloc dirs, go-plugin
 * socket) and the sockets its plugin config names. Never -A.
 *
 * @module
 */
import { TEST_PROFILE } from "../../tests/support/harness/mod.ts";
import { parseProfile } from "../../src/profile/profile.ts";

/** Unix socket paths and http(s) hosts named by `socket_path = "…"` in a plugin config body. */
export function socketsOf(body: string): { paths: string[]; hosts: string[] } {
  const paths: string[] = [];
  const hosts: string[] = [];
  for (const m of body.matchAll(/socket_path\s*=\s*"([^"]+)"/g)) {
    const v = m[1]!;
    if (/^https?:\/\//.test(v)) {
      const u = new URL(v);
      hosts.push(u.port ? u.host : `${u.hostname}:${u.protocol === "https:" ? 443 : 80}`);
    } else paths.push(v.replace(/^unix:\/\//, ""));
  }
  return { paths: paths.filter((p) => p.startsWith("/")), hosts };
}

/** Writes `<dataDir>/profile.json`; returns its path (for NOMAD_DRIVER_PODMAN_PROFILE). */
export async function writeRunJobProfile(dir: string, body: string): Promise<string> {
  const dataDir = dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`.replace(/\/\.?\//g, "/");
  const base = parseProfile(await Deno.readTextFile(TEST_PROFILE), TEST_PROFILE);
  const { paths, hosts } = socketsOf(body);
  const profile = {
    ...base,
    data_dir: [dataDir, ...base.data_dir],
    podman_socket: [...new Set([...paths, ...base.podman_socket, "/run/podman/podman.sock"])],
    net: [...new Set([...base.net, ...hosts])],
  };
  const path = `${dataDir}/profile.json`;
  await Deno.writeTextFile(path, JSON.stringify(profile, null, 2));
  return path;
}
