/**
 * HCL type expressions (`string`, `list(map(string))`, `object({a = number})`,
 * ...) as used in `Attr.type` and `BlockAttrs.type`, parsed into a small
 * structural type model shared by the decoder and the test-side encoder.
 *
 * @module
 */

/** A cty type, as far as hclspec type expressions can name it. */
export type CtyType =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "bool" }
  | { kind: "any" }
  | { kind: "list"; elem: CtyType }
  | { kind: "set"; elem: CtyType }
  | { kind: "map"; elem: CtyType }
  | { kind: "object"; attrs: Record<string, CtyType> }
  | { kind: "tuple"; elems: CtyType[] };

/** Thrown when a type expression does not parse. */
export class TypeExprError extends Error {
  /** The offending type expression text. */
  readonly expr: string;
  constructor(expr: string, reason: string) {
    super(`invalid HCL type expression ${JSON.stringify(expr)}: ${reason}`);
    this.name = "TypeExprError";
    this.expr = expr;
  }
}

/** Shorthand constructors for {@link CtyType}. */
export const T = {
  string: { kind: "string" } as CtyType,
  number: { kind: "number" } as CtyType,
  bool: { kind: "bool" } as CtyType,
  any: { kind: "any" } as CtyType,
  list: (elem: CtyType): CtyType => ({ kind: "list", elem }),
  set: (elem: CtyType): CtyType => ({ kind: "set", elem }),
  map: (elem: CtyType): CtyType => ({ kind: "map", elem }),
  object: (attrs: Record<string, CtyType>): CtyType => ({ kind: "object", attrs }),
  tuple: (elems: CtyType[]): CtyType => ({ kind: "tuple", elems }),
};

/** Parses an HCL type expression; throws {@link TypeExprError}. */
export function parseTypeExpr(expr: string): CtyType {
  const p = new TypeParser(expr);
  const t = p.type();
  p.skipSpace();
  if (!p.done()) throw new TypeExprError(expr, `unexpected text at offset ${p.pos}`);
  return t;
}

/** Writes a type back as an HCL type expression. */
export function typeToString(t: CtyType): string {
  switch (t.kind) {
    case "string":
    case "number":
    case "bool":
    case "any":
      return t.kind;
    case "list":
    case "set":
    case "map":
      return `${t.kind}(${typeToString(t.elem)})`;
    case "object": {
      const inner = Object.entries(t.attrs).map(([k, v]) => `${k} = ${typeToString(v)}`);
      return `object({${inner.join(", ")}})`;
    }
    case "tuple":
      return `tuple([${t.elems.map(typeToString).join(", ")}])`;
  }
}

class TypeParser {
  pos = 0;
  constructor(readonly src: string) {}

  done(): boolean {
    return this.pos >= this.src.length;
  }

  skipSpace(): void {
    while (!this.done() && /\s/.test(this.src[this.pos])) this.pos++;
  }

  expect(ch: string): void {
    this.skipSpace();
    if (this.src[this.pos] !== ch) {
      throw new TypeExprError(this.src, `expected ${JSON.stringify(ch)} at offset ${this.pos}`);
    }
    this.pos++;
  }

  ident(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
    if (!m) throw new TypeExprError(this.src, `expected a name at offset ${this.pos}`);
    this.pos += m[0].length;
    return m[0];
  }

  peek(): string {
    this.skipSpace();
    return this.src[this.pos] ?? "";
  }

  type(): CtyType {
    const name = this.ident();
    switch (name) {
      case "string":
      case "number":
      case "bool":
      case "any":
        return { kind: name };
      case "list":
      case "set":
      case "map": {
        this.expect("(");
        const elem = this.type();
        this.expect(")");
        return { kind: name, elem };
      }
      case "object": {
        this.expect("(");
        this.expect("{");
        const attrs: Record<string, CtyType> = {};
        while (this.peek() !== "}") {
          const key = this.peek() === '"' ? this.quoted() : this.ident();
          const sep = this.peek();
          if (sep !== "=" && sep !== ":") {
            throw new TypeExprError(this.src, `expected "=" after ${key}`);
          }
          this.pos++;
          attrs[key] = this.type();
          if (this.peek() === ",") this.pos++;
        }
        this.expect("}");
        this.expect(")");
        return { kind: "object", attrs };
      }
      case "tuple": {
        this.expect("(");
        this.expect("[");
        const elems: CtyType[] = [];
        while (this.peek() !== "]") {
          elems.push(this.type());
          if (this.peek() === ",") this.pos++;
        }
        this.expect("]");
        this.expect(")");
        return { kind: "tuple", elems };
      }
      default:
        throw new TypeExprError(this.src, `unknown type ${JSON.stringify(name)}`);
    }
  }

  quoted(): string {
    this.skipSpace();
    const m = /^"(?:[^"\\]|\\.)*"/.exec(this.src.slice(this.pos));
    if (!m) throw new TypeExprError(this.src, `unterminated string at offset ${this.pos}`);
    this.pos += m[0].length;
    return JSON.parse(m[0]) as string;
  }
}
