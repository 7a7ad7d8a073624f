/** JSON value helpers with Logic Apps' semantics (type names, string conversion, timestamps). */
import { ExpressionError } from "./parse";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Azure's names of JSON types, as its error messages print them. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "Null";
  if (Array.isArray(v)) return "Array";
  if (typeof v === "string") return "String";
  if (typeof v === "boolean") return "Boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "Integer" : "Float";
  return "Object";
}

/** `string()` and `@{...}`: null is empty, booleans are `True`/`False` (.NET), JSON is compact. */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  return JSON.stringify(v);
}

/** Property lookup: exact name first, then case-insensitive (Logic Apps JSON tolerates key casing). */
export function lookup(obj: Record<string, unknown>, key: string): { found: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return { found: true, value: obj[key] };
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return { found: true, value: obj[k] };
  return { found: false, value: undefined };
}

/** Parses a timestamp the way the date functions accept them: ISO 8601 (UTC unless an offset is given) or `M/d/yyyy H:mm:ss`. */
export function parseTimestamp(text: unknown, fn: string): Date {
  if (typeof text !== "string") {
    throw new ExpressionError(
      `The template language function '${fn}' expects a timestamp string; received a value of type '${typeName(text)}'.`,
    );
  }
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i.exec(text.trim());
  if (us) {
    let hours = Number(us[4] ?? 0);
    if (us[7]?.toUpperCase() === "PM" && hours < 12) hours += 12;
    if (us[7]?.toUpperCase() === "AM" && hours === 12) hours = 0;
    return new Date(
      Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]), hours, Number(us[5] ?? 0), Number(us[6] ?? 0)),
    );
  }
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (iso) {
    const time = iso[2] ?? "00:00:00";
    const frac = /\.(\d+)/.exec(time)?.[1];
    const base = new Date(`${iso[1]}T${time.replace(/\.\d+/, "")}${iso[3] ?? "Z"}`);
    if (!Number.isNaN(base.getTime())) {
      // JS keeps milliseconds only; sub-millisecond digits are dropped.
      if (frac) base.setUTCMilliseconds(Number(frac.padEnd(3, "0").slice(0, 3)));
      return base;
    }
  }
  throw new ExpressionError(
    `The template language function '${fn}' expects its parameter to be a valid timestamp; the value '${text}' is not.`,
  );
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** .NET-style date formatting (the subset Logic Apps workflows use); default is round-trip `o`. */
export function formatDate(date: Date, format = "o"): string {
  const standard: Record<string, string> = {
    o: "yyyy-MM-ddTHH:mm:ss.fffffffZ",
    O: "yyyy-MM-ddTHH:mm:ss.fffffffZ",
    s: "yyyy-MM-ddTHH:mm:ss",
    u: "yyyy-MM-dd HH:mm:ssZ",
  };
  const pattern = standard[format] ?? format;
  const parts: Record<string, () => string> = {
    yyyy: () => pad(date.getUTCFullYear(), 4),
    yy: () => pad(date.getUTCFullYear() % 100, 2),
    MM: () => pad(date.getUTCMonth() + 1, 2),
    M: () => String(date.getUTCMonth() + 1),
    dd: () => pad(date.getUTCDate(), 2),
    d: () => String(date.getUTCDate()),
    HH: () => pad(date.getUTCHours(), 2),
    H: () => String(date.getUTCHours()),
    hh: () => pad(date.getUTCHours() % 12 || 12, 2),
    h: () => String(date.getUTCHours() % 12 || 12),
    mm: () => pad(date.getUTCMinutes(), 2),
    m: () => String(date.getUTCMinutes()),
    ss: () => pad(date.getUTCSeconds(), 2),
    s: () => String(date.getUTCSeconds()),
    fffffff: () => pad(date.getUTCMilliseconds(), 3) + "0000",
    ffffff: () => pad(date.getUTCMilliseconds(), 3) + "000",
    fff: () => pad(date.getUTCMilliseconds(), 3),
    ff: () => pad(date.getUTCMilliseconds(), 3).slice(0, 2),
    f: () => pad(date.getUTCMilliseconds(), 3).slice(0, 1),
    tt: () => (date.getUTCHours() < 12 ? "AM" : "PM"),
    K: () => "Z",
  };
  const tokens = Object.keys(parts).sort((a, b) => b.length - a.length);
  let out = "";
  for (let i = 0; i < pattern.length;) {
    if (pattern[i] === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    const token = tokens.find((t) => pattern.startsWith(t, i));
    if (token) {
      out += parts[token]();
      i += token.length;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}
