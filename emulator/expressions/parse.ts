/**
 * Parser of Workflow Definition Language templates (Logic Apps expressions): `"@expr"` (typed value),
 * `"...@{expr}..."` (string interpolation), `"@@..."` (a literal starting with `@`).
 */

import { ExpressionError } from "./error";
import type { FunctionSpec } from "./signature";
import { Token, tokenize } from "./tokens";

export { ExpressionError } from "./error";

/** `[expr]`, `.name`, or their null-safe forms `?[expr]`, `?.name`. */
export interface Access {
  safe: boolean;
  key: Expr;
}

export type Expr =
  | { kind: "literal"; value: string | number | boolean | null; float?: boolean }
  | { kind: "array"; items: Expr[]; access: Access[] }
  | Call;

/** A function call. `spec` is filled on its first evaluation (evaluate.ts): name and argument count never change. */
export interface Call {
  kind: "call";
  name: string;
  args: Expr[];
  access: Access[];
  spec?: FunctionSpec;
}

export type Template =
  | { kind: "text"; value: string }
  | { kind: "expression"; expr: Expr; source: string }
  | { kind: "interpolation"; parts: Array<string | { expr: Expr; source: string }> };

/** The parser phase: a recursive descent over the tokens, one method per construct. */
class Parser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  /** The whole expression: one value and nothing after it. */
  expression(): Expr {
    const expr = this.value();
    if (this.pos < this.tokens.length) this.fail(`unexpected '${String(this.tokens[this.pos].v)}'`);
    return expr;
  }

  private fail(what: string): never {
    const at = this.tokens[this.pos]?.at ?? this.src.length;
    throw new ExpressionError(
      `The template language expression '${this.src}' is not valid: ${what} at position ${at}.`,
    );
  }

  private isPunct(v: string): boolean {
    const tok = this.tokens[this.pos];
    return tok?.t === "punct" && tok.v === v;
  }

  private expect(v: string): void {
    if (!this.isPunct(v)) this.fail(`expected '${v}'`);
    this.pos++;
  }

  /** A literal, an array literal or a function call, with any property access after it. */
  private value(): Expr {
    const tok = this.tokens[this.pos];
    if (!tok) return this.fail("unexpected end of expression");
    if (tok.t === "str" || tok.t === "num") {
      this.pos++;
      return tok.t === "num" ? { kind: "literal", value: tok.v, float: tok.float } : { kind: "literal", value: tok.v };
    }
    if (tok.t === "punct" && tok.v === "[") return this.arrayLiteral();
    if (tok.t === "id") return this.callOrKeyword(tok.v);
    return this.fail(`unexpected '${tok.v}'`);
  }

  /**
   * `[a, b]`: "When you pass arrays or numbers, you don't need wrapping punctuation. For example: length([1, 2, 3])"
   * (logic-apps-workflow-definition-language.md, Operators).
   */
  private arrayLiteral(): Expr {
    this.pos++;
    const items = this.list("]");
    return { kind: "array", items, access: this.access() };
  }

  /** `name(args)`, or the keywords `true`, `false`, `null`. */
  private callOrKeyword(name: string): Expr {
    this.pos++;
    const lower = name.toLowerCase();
    if (!this.isPunct("(")) {
      if (lower === "true" || lower === "false") return { kind: "literal", value: lower === "true" };
      if (lower === "null") return { kind: "literal", value: null };
      return this.fail(`'${name}' is not a function call (missing '(')`);
    }
    this.pos++;
    const args = this.list(")");
    return { kind: "call", name, args, access: this.access() };
  }

  /** Comma-separated values up to the closing punctuation, which it consumes. */
  private list(close: string): Expr[] {
    const items: Expr[] = [];
    if (!this.isPunct(close)) {
      items.push(this.value());
      while (this.isPunct(",")) {
        this.pos++;
        items.push(this.value());
      }
    }
    this.expect(close);
    return items;
  }

  /** `[expr]`, `.name`, `?[expr]`, `?.name`, repeated. */
  private access(): Access[] {
    const access: Access[] = [];
    for (;;) {
      const safe = this.isPunct("?");
      if (safe) this.pos++;
      if (this.isPunct("[")) {
        this.pos++;
        access.push({ safe, key: this.value() });
        this.expect("]");
      } else if (this.isPunct(".")) {
        this.pos++;
        access.push({ safe, key: { kind: "literal", value: this.propertyName() } });
      } else {
        if (safe) this.fail("expected '[' or '.' after '?'");
        return access;
      }
    }
  }

  private propertyName(): string {
    const name = this.tokens[this.pos];
    if (name?.t !== "id") return this.fail("expected a property name after '.'");
    this.pos++;
    return name.v;
  }
}

/** Parses a bare expression (no leading `@`): tokens first, then the parser. */
export function parseExpression(src: string): Expr {
  return new Parser(src, tokenize(src)).expression();
}

const cache = new Map<string, Template>();

/** Parses a JSON string value as Logic Apps reads it. Results are cached: definitions repeat. */
export function parseTemplate(text: string): Template {
  let parsed = cache.get(text);
  if (!parsed) {
    parsed = parseUncached(text);
    cache.set(text, parsed);
  }
  return parsed;
}

function parseUncached(text: string): Template {
  if (!text.startsWith("@") && !text.includes("@{")) return { kind: "text", value: text };
  if (text.startsWith("@@")) return { kind: "text", value: text.slice(1) };
  if (text.startsWith("@") && !text.startsWith("@{")) {
    const source = text.slice(1);
    return { kind: "expression", expr: parseExpression(source), source };
  }
  const parts: Array<string | { expr: Expr; source: string }> = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("@@{", i)) {
      literal += "@{";
      i += 3;
    } else if (text.startsWith("@{", i)) {
      const end = closingBrace(text, i + 2);
      if (end < 0)
        throw new ExpressionError(
          `The template language expression '${text}' is not valid: '@{' at position ${i} is not closed.`,
        );
      if (literal) parts.push(literal);
      literal = "";
      const source = text.slice(i + 2, end);
      parts.push({ expr: parseExpression(source), source });
      i = end + 1;
    } else {
      literal += text[i++];
    }
  }
  if (literal) parts.push(literal);
  return { kind: "interpolation", parts };
}

/** Index of the `}` closing an interpolation, skipping braces inside string literals. */
function closingBrace(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      if (inString && text[i + 1] === "'") i++;
      else inString = !inString;
    } else if (c === "}" && !inString) {
      return i;
    }
  }
  return -1;
}
