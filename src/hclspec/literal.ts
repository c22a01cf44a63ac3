/**
 * Evaluation of `Literal.value`: HCL expression source text with no
 * variables. Supports the constant subset Nomad plugins use in practice:
 * `true`/`false`/`null`, numbers, quoted strings (HCL escapes), heredoc-free
 * tuples `[...]` and objects `{ k = v }`. Function calls and interpolation
 * are rejected.
 *
 * @module
 */

import { CtyNumber, type CtyObject, type CtyValue } from "./value.ts";

/** Thrown when a literal does not parse. */
export class LiteralError extends Error {
  /** The literal's source text. */
  readonly source: string;
  constructor(source: string, reason: string) {
    super(`invalid HCL literal ${JSON.stringify(source)}: ${reason}`);
    this.name = "LiteralError";
    this.source = source;
  }
}

/** Evaluates literal HCL expression source text; throws {@link LiteralError}. */
export function evalLiteral(source: string): CtyValue {
  const p = new LiteralParser(source);
  const v = p.expr();
  p.skipSpace();
  if (!p.done()) p.fail(`unexpected text at offset ${p.pos}`);
  return v;
}

class LiteralParser {
  pos = 0;
  constructor(readonly src: string) {}

  fail(reason: string): never {
    throw new LiteralError(this.src, reason);
  }

  done(): boolean {
    return this.pos >= this.src.length;
  }

  skipSpace(): void {
    for (;;) {
      const rest = this.src.slice(this.pos);
      const m = /^(?:\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
      if (!m) return;
      this.pos += m[0].length;
    }
  }

  peek(): string {
    this.skipSpace();
    return this.src[this.pos] ?? "";
  }

  expr(): CtyValue {
    const c = this.peek();
    if (c === "") this.fail("empty expression");
    if (c === '"') return this.string();
    if (c === "[") return this.tuple();
    if (c === "{") return this.object();
    if (c === "-" || /[0-9]/.test(c)) return this.number();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail(`unexpected ${JSON.stringify(c)} at offset ${this.pos}`);
    this.pos += m[0].length;
    if (m[0] === "true") return true;
    if (m[0] === "false") return false;
    if (m[0] === "null") return null;
    if (this.peek() === "(") this.fail(`function calls are not supported (${m[0]})`);
    return this.fail(`unknown variable ${JSON.stringify(m[0])} (literals have no variables)`);
  }

  number(): CtyNumber {
    const m = /^-?\s*\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.src.slice(this.pos));
    if (!m) this.fail(`bad number at offset ${this.pos}`);
    this.pos += m[0].length;
    const n = CtyNumber.parse(m[0].replace(/\s+/g, ""));
    if (!n) this.fail(`bad number ${JSON.stringify(m[0])}`);
    return n;
  }

  string(): string {
    this.pos++; // opening quote
    let out = "";
    while (!this.done()) {
      const c = this.src[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const e = this.src[this.pos + 1];
        this.pos += 2;
        switch (e) {
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case '"':
            out += '"';
            break;
          case "\\":
            out += "\\";
            break;
          case "u":
          case "U": {
            const len = e === "u" ? 4 : 8;
            const hex = this.src.slice(this.pos, this.pos + len);
            if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail("bad unicode escape");
            out += String.fromCodePoint(parseInt(hex, 16));
            this.pos += len;
            break;
          }
          default:
            this.fail(`unknown escape \\${e}`);
        }
        continue;
      }
      if (this.src.startsWith("$${", this.pos) || this.src.startsWith("%%{", this.pos)) {
        out += this.src[this.pos] + "{";
        this.pos += 3;
        continue;
      }
      if (this.src.startsWith("${", this.pos) || this.src.startsWith("%{", this.pos)) {
        this.fail("templates are not supported in literals");
      }
      if (c === "\n") this.fail("unterminated string");
      out += c;
      this.pos++;
    }
    return this.fail("unterminated string");
  }

  tuple(): CtyValue[] {
    this.pos++;
    const out: CtyValue[] = [];
    while (this.peek() !== "]") {
      if (this.done()) this.fail("unterminated tuple");
      out.push(this.expr());
      const sep = this.peek();
      if (sep === ",") this.pos++;
      else if (sep !== "]") this.fail(`expected "," or "]" at offset ${this.pos}`);
    }
    this.pos++;
    return out;
  }

  object(): CtyObject {
    this.pos++;
    const out: CtyObject = {};
    while (this.peek() !== "}") {
      if (this.done()) this.fail("unterminated object");
      let key: string;
      if (this.peek() === '"') {
        key = this.string();
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
        if (!m) this.fail(`expected an object key at offset ${this.pos}`);
        key = m[0];
        this.pos += key.length;
      }
      const eq = this.peek();
      if (eq !== "=" && eq !== ":") this.fail(`expected "=" after key ${JSON.stringify(key)}`);
      this.pos++;
      if (Object.hasOwn(out, key)) this.fail(`duplicate object key ${JSON.stringify(key)}`);
      out[key] = this.expr();
      const sep = this.peek();
      if (sep === ",") this.pos++;
    }
    this.pos++;
    return out;
  }
}
