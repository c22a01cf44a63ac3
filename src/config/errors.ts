/**
 * The one error type configuration decoding throws.
 *
 * @module
 */

/** Fields whose values are never echoed into messages. */
const SECRET_FIELD = /pass(word)?|secret|token|credential/i;
/** Longest field path and value text a message echoes (hostile input can be megabytes). */
const MAX_ECHO = 200;

/**
 * Invalid plugin or task configuration. `field` is a dotted path
 * (`auth.tls_verify`, `socket[1].socket_path`) and `value` the offending
 * value; the message names both (a secret field's value is redacted).
 */
export class ConfigError extends Error {
  /** Dotted path of the offending option. */
  readonly field: string;
  /** The offending value as received (undefined when the option is missing). */
  readonly value: unknown;

  constructor(field: string, value: unknown, reason: string) {
    super(`invalid config ${printable(field)} = ${render(field, value)}: ${reason}`);
    this.name = "ConfigError";
    this.field = field;
    this.value = value;
  }
}

/** Cuts text to {@link MAX_ECHO} characters, saying how long it was. */
function clip(text: string): string {
  if (text.length <= MAX_ECHO) return text;
  return `${text.slice(0, MAX_ECHO)}…(${text.length} chars)`;
}

/**
 * A field path safe to echo: control characters and lone surrogates (from
 * invalid UTF-8 keys) escaped, and clipped.
 */
function printable(field: string): string {
  const escaped = clip(field).replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return escaped.toWellFormed();
}

function render(field: string, value: unknown): string {
  if (SECRET_FIELD.test(field) && typeof value === "string") return "<redacted>";
  if (value === undefined) return "<missing>";
  if (typeof value === "bigint") return value.toString();
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v) ??
      String(value);
  } catch {
    // Cycles or a nesting too deep to stringify.
    text = Array.isArray(value) ? "<list>" : typeof value === "object" ? "<map>" : String(value);
  }
  return clip(text).toWellFormed();
}
