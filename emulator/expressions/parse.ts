/**
 * Parser of Workflow Definition Language templates (Logic Apps expressions): `"@expr"` (typed value),
 * `"...@{expr}..."` (string interpolation), `"@@..."` (a literal starting with `@`).
 */

export class ExpressionError extends Error {
  /** Azure's code for template errors. */
  readonly code = "InvalidTemplate";
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

/** `[expr]`, `.name`, or their null-safe forms `?[expr]`, `?.name`. */
export interface Access {
  safe: boolean;
  key: Expr;
}

export type Expr =
  | { kind: "literal"; value: string | number | boolean | null; float?: boolean }
  | { kind: "array"; items: Expr[]; access: Access[] }
  | { kind: "call"; name: string; args: Expr[]; access: Access[] };

export type Template =
  | { kind: "text"; value: string }
  | { kind: "expression"; expr: Expr; source: string }
  | { kind: "interpolation"; parts: Array<string | { expr: Expr; source: string }> };

type Token =
  | { t: "str"; v: string; at: number }
  | { t: "num"; v: number; at: number; float: boolean }
  | { t: "id"; v: string; at: number }
  | { t: "punct"; v: "(" | ")" | "[" | "]" | "," | "." | "?"; at: number };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= src.length)
          throw new ExpressionError(
            `The template language expression '${src}' is not valid: the string literal starting at position ${i} is not terminated.`,
          );
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += src[j++];
      }
      tokens.push({ t: "str", v: value, at: i });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (/[-.]/.test(c) && /[0-9]/.test(src[i + 1] ?? "") && startsValue(tokens))) {
      const m = /^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))!;
      // `5.0` is a Float, `5` an Integer: div(11, 5.0) is 2.2 (functions reference, div()).
      tokens.push({ t: "num", v: Number(m[0]), at: i, float: /[.eE]/.test(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      tokens.push({ t: "id", v: m[0], at: i });
      i += m[0].length;
    } else if ("()[],.?".includes(c)) {
      tokens.push({ t: "punct", v: c as "(", at: i });
      i++;
    } else {
      throw new ExpressionError(
        `The template language expression '${src}' is not valid: unexpected character '${c}' at position ${i}.`,
      );
    }
  }
  return tokens;
}

/** A number may start here (`-1`, `.5`): at the start, or after `(`, `[` or `,`, never after a value. */
function startsValue(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return !last || (last.t === "punct" && ["(", "[", ","].includes(last.v));
}

/** Parses a bare expression (no leading `@`). */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let pos = 0;
  const fail = (what: string): never => {
    const at = tokens[pos]?.at ?? src.length;
    throw new ExpressionError(`The template language expression '${src}' is not valid: ${what} at position ${at}.`);
  };
  const peek = () => tokens[pos];
  const isPunct = (v: string) => peek()?.t === "punct" && peek()!.v === v;
  const expect = (v: string) => (isPunct(v) ? pos++ : fail(`expected '${v}'`));

  const parseAccess = (): Access[] => {
    const access: Access[] = [];
    for (;;) {
      const safe = isPunct("?");
      if (safe) pos++;
      if (isPunct("[")) {
        pos++;
        access.push({ safe, key: parseValue() });
        expect("]");
      } else if (isPunct(".")) {
        pos++;
        const name = peek();
        if (name?.t !== "id") fail("expected a property name after '.'");
        pos++;
        access.push({ safe, key: { kind: "literal", value: (name as { v: string }).v } });
      } else {
        if (safe) fail("expected '[' or '.' after '?'");
        return access;
      }
    }
  };

  const parseValue = (): Expr => {
    const tok = peek();
    if (!tok) return fail("unexpected end of expression");
    if (tok.t === "str") {
      pos++;
      return { kind: "literal", value: tok.v };
    }
    if (tok.t === "num") {
      pos++;
      return { kind: "literal", value: tok.v, float: tok.float };
    }
    if (tok.t === "punct" && tok.v === "[") {
      // An array literal: "When you pass arrays or numbers, you don't need wrapping punctuation. For example:
      // length([1, 2, 3])" (logic-apps-workflow-definition-language.md, Operators).
      pos++;
      const items: Expr[] = [];
      if (!isPunct("]")) {
        items.push(parseValue());
        while (isPunct(",")) {
          pos++;
          items.push(parseValue());
        }
      }
      expect("]");
      return { kind: "array", items, access: parseAccess() };
    }
    if (tok.t === "id") {
      pos++;
      const lower = tok.v.toLowerCase();
      if (!isPunct("(")) {
        if (lower === "true" || lower === "false") return { kind: "literal", value: lower === "true" };
        if (lower === "null") return { kind: "literal", value: null };
        return fail(`'${tok.v}' is not a function call (missing '(')`);
      }
      pos++;
      const args: Expr[] = [];
      if (!isPunct(")")) {
        args.push(parseValue());
        while (isPunct(",")) {
          pos++;
          args.push(parseValue());
        }
      }
      expect(")");
      return { kind: "call", name: tok.v, args, access: parseAccess() };
    }
    return fail(`unexpected '${tok.v}'`);
  };

  const expr = parseValue();
  if (pos < tokens.length) fail(`unexpected '${String(tokens[pos].v)}'`);
  return expr;
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
