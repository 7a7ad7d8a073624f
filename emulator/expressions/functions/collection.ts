/** Collection functions of the functions reference: strings, arrays and sometimes objects. */
import { define, fail, table } from "../signature";
import { isObject, lookup, toText, typeName } from "../values";
import { compare, same } from "./logical";

function empty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string" || Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
}

function contains(c: unknown, v: unknown): boolean {
  if (typeof c === "string" || isObject(c)) {
    if (typeof v !== "string")
      fail(
        `The template language function 'contains' expects its parameter 2 to be a string. The provided value is of type '${typeName(v)}'.`,
      );
    return typeof c === "string" ? c.includes(v as string) : lookup(c, v as string).found;
  }
  if (Array.isArray(c)) return c.some((x) => same(x, v));
  return fail(
    `The template language function 'contains' expects its first parameter to be a dictionary (object), an array, or a string. The provided value is of type '${typeName(c)}'.`,
  );
}

function chunk(c: string | unknown[], size: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < c.length; i += size) out.push(c.slice(i, i + size));
  return out;
}

function union(a: unknown[]): unknown {
  if (!a.every(Array.isArray)) return Object.assign({}, ...a);
  return (a as unknown[][]).flat().filter((v, i, all) => all.findIndex((x) => same(x, v)) === i);
}

function intersection(a: unknown[]): unknown {
  if (a.every(Array.isArray)) {
    const first = a[0] as unknown[];
    const inAll = (v: unknown) => (a as unknown[][]).every((arr) => arr.some((x) => same(x, v)));
    return first.filter((v, i) => first.findIndex((x) => same(x, v)) === i && inAll(v));
  }
  const inAll = (k: string, v: unknown) =>
    a.every((o) => isObject(o) && lookup(o, k).found && same(lookup(o, k).value, v));
  return Object.fromEntries(Object.entries(a[0] as object).filter(([k, v]) => inAll(k, v)));
}

function sort(c: unknown[], key: string | undefined): unknown[] {
  const val = (x: unknown) => (key && isObject(x) ? lookup(x, key).value : x);
  return [...c].sort((x, y) => compare("sort", val(x), val(y)));
}

function join(c: unknown, separator: string): string {
  if (!Array.isArray(c))
    fail(
      `The template language function 'join' expects its first parameter to be an array. The provided value is of type '${typeName(c)}'.`,
    );
  return (c as unknown[]).map(toText).join(separator);
}

type Collection = string | unknown[];

export const COLLECTION_FUNCTIONS = table(
  define("contains", "x,x", ([c, v]) => contains(c, v)),
  define("empty", "x", ([v]) => empty(v)),
  define("first", "c", ([c]) => (c as Collection)[0] ?? null),
  define("last", "c", ([c]) => ((c as Collection).length ? (c as Collection)[(c as Collection).length - 1] : null)),
  define("join", "x,s", ([c, separator]) => join(c, separator as string)),
  define("skip", "c,i", ([c, n]) => (c as Collection).slice(n as number)),
  define("take", "c,i", ([c, n]) => (c as Collection).slice(0, n as number)),
  define("length", "c", ([c]) => (c as Collection).length),
  define("chunk", "c,i", ([c, size]) => chunk(c as Collection, size as number)),
  define("union", "x,x+", (a) => union(a)),
  define("intersection", "x,x+", (a) => intersection(a)),
  define("createArray", "x+", (a) => [...a]),
  define("reverse", "c", ([c]) => [...(c as unknown[])].reverse()),
  define("sort", "c,s?", ([c, key]) => sort(c as unknown[], key as string | undefined)),
);
