/**
 * Deno permission denials turned into errors that name the path and the
 * deployment-profile setting to change. A denial is never a crash: callers
 * wrap it in their own typed error (InvalidRequestError, ImageError …).
 *
 * @module
 */
import { type ProfileSetting, settingFlag } from "./profile.ts";

/** True for a Deno permission denial (`NotCapable`; older Deno: `PermissionDenied` naming a flag). */
export function isNotCapable(err: unknown): boolean {
  const notCapable = (Deno.errors as Record<string, unknown>)["NotCapable"];
  if (typeof notCapable === "function" && err instanceof (notCapable as ErrorConstructor)) {
    return true;
  }
  return err instanceof Error && /Requires (read|write|net|env|run|sys) access/.test(err.message);
}

/** Something the plugin needed lies outside its deployment profile. */
export class ProfileDeniedError extends Error {
  /** The path (or host) that was refused. */
  readonly path: string;
  /** The profile setting that would grant it. */
  readonly setting: ProfileSetting;
  constructor(what: string, path: string, setting: ProfileSetting, options?: ErrorOptions) {
    super(
      `${what} ${path} is outside the plugin's deployment profile: add it (or a parent directory) ` +
        `to the profile setting ${setting} (profile file key "${setting}", or ` +
        `deno task compile -- ${settingFlag(setting)} ${path}) and restart the plugin`,
      options,
    );
    this.name = "ProfileDeniedError";
    this.path = path;
    this.setting = setting;
  }
}

/** `err` as a {@link ProfileDeniedError} when it is a permission denial, else `undefined`. */
export function profileDenied(
  err: unknown,
  what: string,
  path: string,
  setting: ProfileSetting,
): ProfileDeniedError | undefined {
  return isNotCapable(err)
    ? new ProfileDeniedError(what, path, setting, { cause: err })
    : undefined;
}
