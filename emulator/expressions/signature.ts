/**
 * Built-in functions declared once with their signature, so arity and argument-type errors come from one place with
 * one wording (Azure's): `define("substring", "s,i,i?", ([text, start, length]) => ...)`.
 *
 * A signature lists the parameters, comma-separated: `s` string, `i` integer, `n` number (Integer, Float or decimal,
 * passed on as given), `c` collection (string or array), `x` any value. A `?` suffix marks an optional parameter,
 * `+` a last parameter repeated one or more times, `*` zero or more times.
 */
import { ExpressionHost } from "../types";
import { ExpressionError } from "./parse";
import { numeric, typeName } from "./values";

export type Impl = (args: unknown[], host: ExpressionHost) => unknown;

export interface FunctionSpec {
  /** The name as the reference spells it, used in error messages. */
  name: string;
  min: number;
  max: number;
  /** Checks the argument types, then computes. */
  impl: Impl;
}

type Code = "s" | "i" | "n" | "c" | "x";

export const fail = (message: string): never => {
  throw new ExpressionError(message);
};

const expects = (fn: string, position: number, what: string, v: unknown) =>
  `The template language function '${fn}' expects its parameter ${position} to be ${what}. The provided value is of type '${typeName(v)}'.`;

/** Azure's type errors, one wording per parameter type. */
const CHECKS: Record<Code, (fn: string, v: unknown, position: number) => void> = {
  s: (fn, v, p) => typeof v === "string" || fail(expects(fn, p, "a string", v)),
  i: (fn, v, p) => (typeof v === "number" && Number.isInteger(v)) || fail(expects(fn, p, "an integer", v)),
  n: (fn, v, p) => numeric(v) !== undefined || fail(expects(fn, p, "a number", v)),
  c: (fn, v) =>
    typeof v === "string" ||
    Array.isArray(v) ||
    fail(
      `The template language function '${fn}' expects its parameter to be an array or a string. The provided value is of type '${typeName(v)}'.`,
    ),
  x: () => undefined,
};

export function checkArity(name: string, count: number, min: number, max: number): void {
  const plural = (n: number) => (n === 1 ? "" : "s");
  if (count < min) {
    throw new ExpressionError(
      `The template language function '${name}' expects ${min === max ? "" : "at least "}'${min}' parameter${plural(min)}. The function was invoked with '${count}' parameter${plural(count)}.`,
    );
  }
  if (count > max) {
    throw new ExpressionError(
      `The template language function '${name}' expects ${min === max ? "" : "at most "}'${max}' parameter${plural(max)}. The function was invoked with '${count}' parameter${plural(count)}.`,
    );
  }
}

interface Param {
  code: Code;
  optional: boolean;
  repeated: "" | "+" | "*";
}

function parseSignature(name: string, signature: string): Param[] {
  if (!signature) return [];
  return signature.split(",").map((text, i, all) => {
    const m = /^([sincx])([?+*]?)$/.exec(text.trim());
    const repeated = m?.[2] === "+" || m?.[2] === "*" ? m[2] : "";
    if (!m || (repeated && i !== all.length - 1))
      throw new Error(`define('${name}'): bad signature '${signature}' (e.g. "s,i,i?" or "x+")`);
    return { code: m[1] as Code, optional: m[2] === "?" || m[2] === "*", repeated };
  });
}

/** A function of the language: its arity follows from the signature, its arguments are checked before `impl` runs. */
export function define(name: string, signature: string, impl: Impl): FunctionSpec {
  const params = parseSignature(name, signature);
  const last = params[params.length - 1];
  const min = params.filter((p) => !p.optional).length;
  const max = last?.repeated ? Number.MAX_SAFE_INTEGER : params.length;
  // The checks resolved once, not per call; a function taking any values (`x`) skips the loop.
  const checks = params.map((p) => CHECKS[p.code]);
  const lastCheck = checks.length - 1;
  if (params.every((p) => p.code === "x")) return { name, min, max, impl };
  return {
    name,
    min,
    max,
    impl: (args, host) => {
      for (let i = 0; i < args.length; i++) {
        if (args[i] !== undefined) checks[i < lastCheck ? i : lastCheck](name, args[i], i + 1);
      }
      return impl(args, host);
    },
  };
}

/** The functions of a family keyed by lower-case name (function names are case-insensitive). */
export const table = (...specs: FunctionSpec[]): Record<string, FunctionSpec> =>
  Object.fromEntries(specs.map((s) => [s.name.toLowerCase(), s]));

/** Checks for values met inside a function (a format's locale, an object's key), with the same wording. */
export const str = (fn: string, v: unknown, position = 1): string => (CHECKS.s(fn, v, position), v as string);
export const int = (fn: string, v: unknown, position = 1): number => (CHECKS.i(fn, v, position), v as number);
export const num = (fn: string, v: unknown, position = 1): number => (CHECKS.n(fn, v, position), numeric(v)!);
export const optionalStr = (fn: string, v: unknown, position: number) =>
  v === undefined ? undefined : str(fn, v, position);
