/** JSON value helpers with Logic Apps' semantics (type names, string conversion, timestamps). */
import { Node as XNode, XMLSerializer } from "@xmldom/xmldom";
import { Decimal } from "./decimal";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * A Float whose value is integral (`5.0`, `mul(1.5, 2)`): JS numbers lose that type, Azure keeps it ("If either the
 * dividend or divisor has Float type, the result has Float type", functions reference, div()). Non-integral JS
 * numbers are Floats already; only these need a wrapper, and only inside an evaluation (see toPlain).
 */
export class Float {
  constructor(readonly value: number) {}
}

/** An XML document or node made by xml() or selected by xpath(). */
export class Xml {
  constructor(readonly node: XNode) {}
}

/** Counts wrapped values created, so toPlain walks a result only when an evaluation made one. */
export const made = { count: 0 };

export const float = (n: number): number | Float => (Number.isInteger(n) ? (made.count++, new Float(n)) : n);

/** Azure's names of JSON types, as its error messages print them. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "Null";
  if (Array.isArray(v)) return "Array";
  if (typeof v === "string") return "String";
  if (typeof v === "boolean") return "Boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "Integer" : "Float";
  if (v instanceof Float) return "Float";
  if (v instanceof Decimal) return "Decimal";
  if (v instanceof Xml) return "Xml";
  return "Object";
}

/** `string()` and `@{...}`: null is empty, booleans are `True`/`False` (.NET), JSON is compact. */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (v instanceof Float) return String(v.value);
  // decimal(): "wrap any decimal output with the string function" to keep its digits (functions reference).
  if (v instanceof Decimal) return v.toString();
  if (v instanceof Xml) return serializeXml(v.node);
  return JSON.stringify(toPlain(v));
}

export const serializeXml = (node: XNode): string => new XMLSerializer().serializeToString(node);

/**
 * The JSON an evaluation hands back: Floats become numbers, decimals numbers ("you can lose precision if you use
 * the decimal result as a number", functions reference), XML a content envelope with `$content-type` and
 * `$content` (base64), as "Handle content types in Azure Logic Apps" (logic-apps-content-type.md) describes.
 */
export function toPlain(v: unknown): unknown {
  if (v instanceof Float) return v.value;
  if (v instanceof Decimal) return v.toNumber();
  if (v instanceof Xml) {
    const text = serializeXml(v.node);
    return { "$content-type": "application/xml;charset=utf-8", $content: Buffer.from(text, "utf8").toString("base64") };
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
    return out;
  }
  return v;
}

/** The numeric value of a number, Float or decimal, else undefined. */
export function numeric(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v instanceof Float) return v.value;
  if (v instanceof Decimal) return v.toNumber();
  return undefined;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** What find() returns for a key the object does not hold (a held value may be undefined). */
export const MISSING: unique symbol = Symbol("missing");

/**
 * Property lookup: exact name first, then case-insensitive (Logic Apps JSON tolerates key casing); MISSING if
 * absent. Allocates nothing on a hit: property access is the engine's hottest path.
 */
export function find(obj: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  // An ASCII key can only match a key of its length: the one character whose lower case is longer ('İ', U+0130)
  // lowers to a non-ASCII pair. The length test skips lowering every other key.
  const anyLength = NON_ASCII.test(key);
  for (const k in obj) {
    if ((anyLength || k.length === key.length) && Object.prototype.hasOwnProperty.call(obj, k)) {
      if (k.toLowerCase() === lower) return obj[k];
    }
  }
  return MISSING;
}

/** find() as a record: `found` false for a key the object does not hold. */
export function lookup(obj: Record<string, unknown>, key: string): { found: boolean; value: unknown } {
  const value = find(obj, key);
  return value === MISSING ? { found: false, value: undefined } : { found: true, value };
}
