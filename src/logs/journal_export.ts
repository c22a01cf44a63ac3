/**
 * A streaming parser of journald's export format (`journalctl -o export`):
 * entries separated by an empty line; a field is `KEY=value\n`, or, when the
 * value is binary or holds a newline, `KEY\n` + a 64-bit little-endian length
 * + the bytes + `\n`. Only the fields a container log needs are kept.
 *
 * @module
 */

/** One journal entry of a container's log. */
export interface JournalEntry {
  /** `__REALTIME_TIMESTAMP`: microseconds since the epoch (0 when absent). */
  realtimeUs: number;
  /** `PRIORITY` (conmon: 6 stdout, 3 stderr); -1 when absent. */
  priority: number;
  /** `CONTAINER_PARTIAL_MESSAGE=true`: the line goes on in the next entry. */
  partial: boolean;
  /** `MESSAGE`, as written (conmon keeps a complete line's newline). */
  message: Uint8Array;
}

/** The export stream broke its own format. */
export class JournalExportError extends Error {
  override readonly name = "JournalExportError";
}

const NL = 0x0a;
const EQ = 0x3d;
const EMPTY = new Uint8Array(0);
const ascii = new TextDecoder();
/** A field name longer than this is not one (a corrupt stream). */
const MAX_KEY = 256;

function asciiNumber(b: Uint8Array): number {
  let n = 0;
  for (const c of b) {
    if (c < 0x30 || c > 0x39) return NaN;
    n = n * 10 + (c - 0x30);
  }
  return b.length > 0 ? n : NaN;
}

/** Parses chunks of an export stream into entries. */
export class JournalExportParser {
  #buf: Uint8Array = EMPTY;
  #entry: JournalEntry = fresh();
  #fields = 0;

  /**
   * Adds bytes; returns the entries completed by them. Entries' messages are
   * views into `chunk`: the caller must not overwrite a chunk it pushed.
   */
  push(chunk: Uint8Array): JournalEntry[] {
    const buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const out: JournalEntry[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(NL, pos);
      if (nl < 0) break;
      if (nl === pos) {
        // An empty line ends the entry.
        if (this.#fields > 0) out.push(this.#entry);
        this.#entry = fresh();
        this.#fields = 0;
        pos = nl + 1;
        continue;
      }
      const eq = buf.indexOf(EQ, pos);
      if (eq >= 0 && eq < nl) {
        this.#field(buf.subarray(pos, eq), buf.subarray(eq + 1, nl));
        pos = nl + 1;
        continue;
      }
      // A binary field: KEY\n, then the length, the bytes and a newline.
      if (nl - pos > MAX_KEY) throw new JournalExportError("a field name longer than 256 bytes");
      const lenAt = nl + 1;
      if (buf.length < lenAt + 8) break;
      const view = new DataView(buf.buffer, buf.byteOffset + lenAt, 8);
      const len = Number(view.getBigUint64(0, true));
      const dataAt = lenAt + 8;
      if (!Number.isSafeInteger(len)) {
        throw new JournalExportError("a binary field length overflows");
      }
      if (buf.length < dataAt + len + 1) break;
      if (buf[dataAt + len] !== NL) {
        throw new JournalExportError("a binary field does not end with a newline");
      }
      this.#field(buf.subarray(pos, nl), buf.subarray(dataAt, dataAt + len));
      pos = dataAt + len + 1;
    }
    // Keep the unparsed tail (copied: the caller may reuse its chunk).
    this.#buf = pos >= buf.length ? EMPTY : buf.slice(pos);
    return out;
  }

  #field(key: Uint8Array, value: Uint8Array): void {
    this.#fields++;
    // Compare by length first: most fields are not wanted.
    switch (key.length) {
      case 7:
        // A view, not a copy: chunks are not reused by the caller (see push()).
        if (ascii.decode(key) === "MESSAGE") this.#entry.message = value;
        break;
      case 8:
        if (ascii.decode(key) === "PRIORITY") this.#entry.priority = asciiNumber(value);
        break;
      case 20:
        if (ascii.decode(key) === "__REALTIME_TIMESTAMP") {
          this.#entry.realtimeUs = asciiNumber(value) || 0;
        }
        break;
      case 25:
        if (ascii.decode(key) === "CONTAINER_PARTIAL_MESSAGE") {
          this.#entry.partial = ascii.decode(value) === "true";
        }
        break;
    }
  }
}

function fresh(): JournalEntry {
  return { realtimeUs: 0, priority: -1, partial: false, message: EMPTY };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
