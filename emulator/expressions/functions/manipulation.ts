/** Manipulation functions of the functions reference ("JSON & XML"): object properties and coalesce(). */
import { define, fail, table } from "../signature";
import { isObject, lookup, typeName } from "../values";

function object(fn: string, v: unknown): Record<string, unknown> {
  if (!isObject(v))
    fail(
      `The template language function '${fn}' expects its first parameter to be an object; received '${typeName(v)}'.`,
    );
  return v as Record<string, unknown>;
}

function addProperty(o: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  if (lookup(o, name).found)
    fail(`The template language function 'addProperty' cannot add property '${name}': it already exists.`);
  return { ...o, [name]: value };
}

function removeProperty(o: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...o };
  delete copy[name];
  return copy;
}

export const MANIPULATION_FUNCTIONS = table(
  define("addProperty", "x,s,x", ([o, name, value]) => addProperty(object("addProperty", o), name as string, value)),
  define("setProperty", "x,s,x", ([o, name, value]) => ({ ...object("setProperty", o), [name as string]: value })),
  define("removeProperty", "x,s", ([o, name]) => removeProperty(object("removeProperty", o), name as string)),
  define("coalesce", "x+", (a) => a.find((v) => v !== null && v !== undefined) ?? null),
);
