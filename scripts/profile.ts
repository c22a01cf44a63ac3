/**
 * Prints the Deno permission flags of a deployment profile, one per line
 * (used by `scripts/nomad-driver-podman` and `scripts/compile.sh`).
 *
 *   deno run -P=profile scripts/profile.ts [--profile FILE] [--data-dir DIR]... [--socket PATH]...
 *     [--plugin-socket-dir DIR]... [--auth-file FILE]... [--image-archive-root DIR]...
 *     [--read PATH]... [--net HOST:PORT]... [--env NAME]... [--credential-helper NAME]...
 *     [--explain]
 *
 * The profile file is FILE, else $NOMAD_DRIVER_PODMAN_PROFILE, else
 * /etc/nomad-driver-podman/profile.json when it exists, else the defaults
 * (src/profile/profile.ts). A setting given on the command line replaces the
 * file's list for that setting (`--socket` is short for `--podman-socket`).
 * Exit code 2 with a message naming the setting on bad input.
 *
 * @module
 */
import {
  applyOverrides,
  cloneProfile,
  DEFAULT_PROFILE,
  type DeploymentProfile,
  type HostFacts,
  parseProfile,
  permissionFlags,
  PROFILE_SETTINGS,
  ProfileError,
  type ProfileSetting,
  resolveProfile,
  RUNTIME_FLAGS,
  settingFlag,
} from "../src/profile/profile.ts";

const DEFAULT_FILE = "/etc/nomad-driver-podman/profile.json";

const enc = new TextEncoder();
const out = (line: string) => Deno.stdout.writeSync(enc.encode(`${line}\n`));
const errLine = (line: string) => Deno.stderr.writeSync(enc.encode(`${line}\n`));

function hostFacts(): HostFacts {
  return {
    tempDir: Deno.env.get("TMPDIR") || "/tmp",
    pluginSocketDirEnv: Deno.env.get("PLUGIN_UNIX_SOCKET_DIR") || undefined,
    uid: Deno.uid() ?? 0,
    listDir(path) {
      try {
        return [...Deno.readDirSync(path)].filter((e) => e.isDirectory).map((e) => e.name);
      } catch {
        return [];
      }
    },
    subordinateUids() {
      let subuid = "";
      let passwd = "";
      try {
        subuid = Deno.readTextFileSync("/etc/subuid");
        passwd = Deno.readTextFileSync("/etc/passwd");
      } catch {
        return [];
      }
      const uidOf = new Map<string, number>();
      for (const line of passwd.split("\n")) {
        const f = line.split(":");
        if (f.length > 2 && /^\d+$/.test(f[2]!)) uidOf.set(f[0]!, Number(f[2]));
      }
      const out: number[] = [];
      for (const line of subuid.split("\n")) {
        const name = line.split(":")[0] ?? "";
        if (/^\d+$/.test(name)) out.push(Number(name));
        else if (uidOf.has(name)) out.push(uidOf.get(name)!);
      }
      return out;
    },
  };
}

function flagSetting(flag: string): ProfileSetting | undefined {
  if (flag === "--socket") return "podman_socket";
  return PROFILE_SETTINGS.find((s) => settingFlag(s) === flag);
}

function main(args: string[]): number {
  let file: string | undefined;
  let explain = false;
  const overrides: Partial<Record<ProfileSetting, string[]>> = {};
  for (let i = 0; i < args.length; i++) {
    let arg = args[i]!;
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === "--explain") {
      explain = true;
      continue;
    }
    const setting = arg === "--profile" ? "profile" : flagSetting(arg);
    if (setting === undefined) {
      errLine(`profile: unknown option ${arg}`);
      return 2;
    }
    value ??= args[++i];
    if (value === undefined) {
      errLine(`profile: ${arg} needs a value`);
      return 2;
    }
    if (setting === "profile") file = value;
    else (overrides[setting] ??= []).push(...value.split(",").filter((v) => v !== ""));
  }
  file ??= Deno.env.get("NOMAD_DRIVER_PODMAN_PROFILE") || undefined;
  if (file === undefined) {
    try {
      Deno.statSync(DEFAULT_FILE);
      file = DEFAULT_FILE;
    } catch { /* no profile file: defaults */ }
  }
  try {
    let profile: DeploymentProfile = cloneProfile(DEFAULT_PROFILE);
    if (file !== undefined) {
      let text: string;
      try {
        text = Deno.readTextFileSync(file);
      } catch (err) {
        throw new ProfileError("profile", file, `${file}: cannot read the profile: ${err}`);
      }
      profile = parseProfile(text, file);
    }
    profile = applyOverrides(profile, overrides);
    const resolved = resolveProfile(profile, hostFacts());
    if (explain) {
      errLine(`profile: ${file ?? "(defaults)"}`);
      for (const s of PROFILE_SETTINGS) errLine(`  ${s} = ${JSON.stringify(profile[s])}`);
    }
    for (const f of [...permissionFlags(resolved), ...RUNTIME_FLAGS]) out(f);
    return 0;
  } catch (err) {
    if (err instanceof ProfileError) {
      errLine(`profile: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.main) Deno.exit(main(Deno.args));
