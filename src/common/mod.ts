/**
 * Small helpers shared by every layer (no imports of other folders).
 *
 * @module
 */
export { sleep, sleepOrAbort } from "./sleep.ts";
export { errorMessage } from "./error_message.ts";
