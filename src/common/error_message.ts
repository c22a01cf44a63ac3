/**
 * The text of a thrown value, for logs and error strings.
 *
 * @module
 */

/** `err.message` for an `Error`, else the value as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
