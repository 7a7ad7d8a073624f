/** The tokenizer of expressions: string, number, identifier and punctuation tokens with their source position. */
import { ExpressionError } from "./error";

export type Token =
  | { t: "str"; v: string; at: number }
  | { t: "num"; v: number; at: number; float: boolean }
  | { t: "id"; v: string; at: number }
  | { t: "punct"; v: "(" | ")" | "[" | "]" | "," | "." | "?"; at: number };

/** A `'...'` literal from `at`, with `''` as an escaped quote; returns the value and the index after it. */
function stringLiteral(src: string, at: number): { value: string; end: number } {
  let value = "";
  let j = at + 1;
  for (;;) {
    if (j >= src.length)
      throw new ExpressionError(
        `The template language expression '${src}' is not valid: the string literal starting at position ${at} is not terminated.`,
      );
    if (src[j] === "'") {
      if (src[j + 1] !== "'") return { value, end: j + 1 };
      value += "'";
      j += 2;
    } else {
      value += src[j++];
    }
  }
}

/** A number may start here (`-1`, `.5`): at the start, or after `(`, `[` or `,`, never after a value. */
function startsValue(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return !last || (last.t === "punct" && ["(", "[", ","].includes(last.v));
}

/** The token at `i` and the index after it, or undefined for whitespace. */
function next(src: string, i: number, tokens: Token[]): { token?: Token; end: number } {
  const c = src[i];
  if (/\s/.test(c)) return { end: i + 1 };
  if (c === "'") {
    const { value, end } = stringLiteral(src, i);
    return { token: { t: "str", v: value, at: i }, end };
  }
  if (/[0-9]/.test(c) || (/[-.]/.test(c) && /[0-9]/.test(src[i + 1] ?? "") && startsValue(tokens))) {
    const m = /^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))!;
    // `5.0` is a Float, `5` an Integer: div(11, 5.0) is 2.2 (functions reference, div()).
    return { token: { t: "num", v: Number(m[0]), at: i, float: /[.eE]/.test(m[0]) }, end: i + m[0].length };
  }
  if (/[A-Za-z_$]/.test(c)) {
    const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
    return { token: { t: "id", v: m[0], at: i }, end: i + m[0].length };
  }
  if ("()[],.?".includes(c)) return { token: { t: "punct", v: c as "(", at: i }, end: i + 1 };
  throw new ExpressionError(
    `The template language expression '${src}' is not valid: unexpected character '${c}' at position ${i}.`,
  );
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < src.length;) {
    const { token, end } = next(src, i, tokens);
    if (token) tokens.push(token);
    i = end;
  }
  return tokens;
}
