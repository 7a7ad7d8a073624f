/**
 * Math with Azure's number types: Integer stays Integer, "If either the dividend or divisor has Float type, the
 * result has Float type" (functions reference, div()), a decimal() operand keeps .NET decimal digits (decimal.js).
 */
import { Decimal } from "../decimal";
import { define, fail, int, num, table } from "../signature";
import { float, Float, made, numeric } from "../values";

/** A Float argument: a Float wrapper or a non-integral number. */
const isFloatValue = (v: unknown) => v instanceof Float || (typeof v === "number" && !Number.isInteger(v));

type Op = (x: number, y: number) => number;
type DecOp = (x: Decimal, y: Decimal) => Decimal;

function arithmetic(fn: string, a: unknown[], op: Op, dec: DecOp, intOp: Op = op): unknown {
  const [x, y] = [num(fn, a[0]), num(fn, a[1], 2)];
  if (a[0] instanceof Decimal || a[1] instanceof Decimal) {
    made.count++;
    return dec(new Decimal(decText(a[0])), new Decimal(decText(a[1])));
  }
  return isFloatValue(a[0]) || isFloatValue(a[1]) ? float(op(x, y)) : intOp(x, y);
}

const decText = (v: unknown) => (v instanceof Decimal ? v.toString() : String(numeric(v)));

function nonZero(fn: string, v: unknown): void {
  if (numeric(v) === 0) fail(`The template language function '${fn}' cannot divide by zero.`);
}

function extreme(fn: string, a: unknown[], pick: (x: number, y: number) => boolean): unknown {
  const list = Array.isArray(a[0]) ? (a[0] as unknown[]) : a;
  if (list.length === 0) return fail(`The template language function '${fn}' expects at least one number.`);
  return list.reduce((best, v, i) => (pick(num(fn, v, i + 1), num(fn, best)) ? v : best));
}

export const MATH_FUNCTIONS = table(
  define("add", "x,x", (a) =>
    arithmetic(
      "add",
      a,
      (x, y) => x + y,
      (x, y) => x.plus(y),
    ),
  ),
  define("sub", "x,x", (a) =>
    arithmetic(
      "sub",
      a,
      (x, y) => x - y,
      (x, y) => x.minus(y),
    ),
  ),
  define("mul", "x,x", (a) =>
    arithmetic(
      "mul",
      a,
      (x, y) => x * y,
      (x, y) => x.times(y),
    ),
  ),
  define("div", "x,x", (a) => {
    nonZero("div", a[1]);
    return arithmetic(
      "div",
      a,
      (x, y) => x / y,
      (x, y) => x.div(y),
      (x, y) => Math.trunc(x / y),
    );
  }),
  // "the result matches the sign of the dividend" (functions reference, mod()), as JS % does.
  define("mod", "x,x", (a) => {
    nonZero("mod", a[1]);
    return arithmetic(
      "mod",
      a,
      (x, y) => x % y,
      (x, y) => x.mod(y),
    );
  }),
  define("min", "x+", (a) => extreme("min", a, (x, y) => x < y)),
  define("max", "x+", (a) => extreme("max", a, (x, y) => x > y)),
  define("rand", "i,i", (a) => {
    const lo = int("rand", a[0]);
    return lo + Math.floor(Math.random() * (int("rand", a[1], 2) - lo));
  }),
  define("range", "i,i", (a) => Array.from({ length: int("range", a[1], 2) }, (_, i) => int("range", a[0]) + i)),
);
