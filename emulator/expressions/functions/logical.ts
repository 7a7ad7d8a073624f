/** Logical comparison functions of the functions reference, and the equality/order the collection functions share. */
import { define, fail, table } from "../signature";
import { numeric, typeName } from "../values";

/** Deep equality as `equals()` sees it (strings case-sensitive). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // "If you use logical functions or conditions to compare values, null values are converted to empty string"
  // (functions reference, Logical comparison functions).
  const x = a ?? "";
  const y = b ?? "";
  if (x === y) return true;
  const nx = numeric(x);
  const ny = numeric(y);
  if (nx !== undefined && ny !== undefined) return nx === ny;
  // equals(true, 1) is true (functions reference, equals()).
  if (typeof x === "boolean" && ny !== undefined) return x === (ny !== 0);
  if (typeof y === "boolean" && nx !== undefined) return y === (nx !== 0);
  if (typeof x !== "object" || typeof y !== "object") return false;
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Order of two numbers or two strings (ordinal); anything else fails naming both types. */
export function compare(fn: string, a: unknown, b: unknown): number {
  const [na, nb] = [numeric(a), numeric(b)];
  if (na !== undefined && nb !== undefined) return na - nb;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return fail(
    `The template language function '${fn}' expects two parameters of matching types (numbers or strings); received '${typeName(a)}' and '${typeName(b)}'.`,
  );
}

/**
 * Order as greater/less/greaterOrEquals/lessOrEquals see it: null is "" first, as in `same()` ("If you use logical
 * functions or conditions to compare values, null values are converted to empty string", functions reference,
 * Logical comparison functions). So null against a number fails as "" against one does. `sort()` keeps `compare`.
 */
const order = (fn: string, a: unknown, b: unknown) => compare(fn, a ?? "", b ?? "");

export const LOGICAL_FUNCTIONS = table(
  define("and", "x+", (a) => a.every((v) => v === true)),
  define("or", "x+", (a) => a.some((v) => v === true)),
  define("not", "x", ([v]) => v !== true),
  define("equals", "x,x", ([a, b]) => same(a, b)),
  define("greater", "x,x", ([a, b]) => order("greater", a, b) > 0),
  define("greaterOrEquals", "x,x", ([a, b]) => order("greaterOrEquals", a, b) >= 0),
  define("less", "x,x", ([a, b]) => order("less", a, b) < 0),
  define("lessOrEquals", "x,x", ([a, b]) => order("lessOrEquals", a, b) <= 0),
  define("if", "x,x,x", ([condition, yes, no]) => (condition === true ? yes : no)),
);
