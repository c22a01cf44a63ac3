/**
 * The one error type configuration decoding throws.
 *
 * @module
 */

/** Fields whose values are never echoed into messages. */
const SECRET_FIELD = /pass(word)?|secret|token|credential/i;

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
    super(`invalid config ${field} = ${render(field, value)}: ${reason}`);
    this.name = "ConfigError";
    this.field = field;
    this.value = value;
  }
}

function render(field: string, value: unknown): string {
  if (SECRET_FIELD.test(field) && typeof value === "string") return "<redacted>";
  if (value === undefined) return "<missing>";
  if (typeof value === "bigint") return value.toString();
  try {
    return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v) ??
      String(value);
  } catch {
    return String(value);
  }
}
