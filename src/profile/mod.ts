/**
 * The public face of src/profile/: what other folders may import.
 *
 * @module
 */
export { isNotCapable, profileDenied, ProfileDeniedError } from "./denied.ts";
export { PLUGIN_BIND_NAME } from "./profile.ts";
