/** Conversion functions of the functions reference: types, base64, data URIs, URI components, binary content. */
import { Decimal } from "../decimal";
import { parseLocaleFloat } from "../numbers";
import { define, fail, str, table } from "../signature";
import { float, made, numeric, toText, typeName, Xml } from "../values";
import { xmlToJson } from "../xml";

/** Binary content as Logic Apps passes it between actions: `$content-type` and base64 `$content` (logic-apps-content-type.md). */
function binary(contentType: string, bytes: Buffer): { "$content-type": string; $content: string } {
  return { "$content-type": contentType, $content: bytes.toString("base64") };
}

/** Whether `v` is binary content as {@link binary} makes it. */
function isBinary(v: unknown): v is { "$content-type": string; $content: string } {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Record<string, unknown>)["$content-type"] === "string" &&
    typeof (v as Record<string, unknown>).$content === "string"
  );
}

/** `data:[<mediatype>][;base64],<data>` (RFC 2397) as binary content. */
function dataUri(fn: string, v: string) {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(v);
  if (!m)
    return fail(
      `The template language function '${fn}' expects a data URI ('data:<type>;base64,<data>'); received '${v}'.`,
    );
  const bytes = m[2] ? Buffer.from(m[3], "base64") : Buffer.from(decodeURIComponent(m[3]), "utf8");
  return binary(m[1] || "text/plain;charset=US-ASCII", bytes);
}

function encodeUri(v: unknown): string {
  // .NET's Uri.EscapeDataString also escapes !'()*, which encodeURIComponent leaves.
  return encodeURIComponent(toText(v)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function toBool(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  const n = numeric(v);
  if (n !== undefined) return n !== 0;
  return fail(
    `The template language function 'bool' expects a boolean, a number or 'true'/'false'; received a value of type '${typeName(v)}'.`,
  );
}

/** float() answers a Float, also for an integral value (float('12,3,4,5678') is 12345678 with Float type). */
function toFloat(v: unknown, locale: unknown): unknown {
  const n = numeric(v) ?? (typeof v === "string" ? parseLocaleFloat("float", v, locale) : undefined);
  if (n !== undefined) return float(n);
  if (typeof v !== "string")
    fail(
      `The template language function 'float' expects its parameter 1 to be a string. The provided value is of type '${typeName(v)}'.`,
    );
  return fail(
    `The template language function 'float' was invoked with a parameter that is not valid. The value '${String(v)}' cannot be converted to the target type 'Float'.`,
  );
}

function toInt(v: unknown): number {
  const n = typeof v === "number" ? v : /^\s*[-+]?\d+\s*$/.test(toText(v)) ? Number(v) : NaN;
  if (Number.isInteger(n)) return n;
  return fail(
    `The template language function 'int' was invoked with a parameter that is not valid. The value '${toText(v)}' cannot be converted to the target type 'Integer'.`,
  );
}

function toDecimal(v: unknown): Decimal {
  try {
    made.count++;
    return new Decimal(toText(v).trim());
  } catch {
    return fail(
      `The template language function 'decimal' was invoked with a parameter that is not valid. The value '${toText(v)}' cannot be converted to a decimal number.`,
    );
  }
}

function json(v: unknown): unknown {
  // "If the string is null, the function returns an empty object" (functions reference, json()).
  if (v === null || v === undefined) return {};
  if (v instanceof Xml) return xmlToJson(v, toText(v));
  try {
    return JSON.parse(str("json", v));
  } catch {
    return fail(
      `The template language function 'json' parameter is not valid. The provided value '${String(v)}' cannot be parsed: it is not valid JSON.`,
    );
  }
}

const utf8 = (v: unknown) => Buffer.from(toText(v), "utf8");
const octets = "application/octet-stream";

export const CONVERSION_FUNCTIONS = table(
  define("array", "x", ([v]) => [v]),
  define("base64", "x", ([v]) => utf8(v).toString("base64")),
  define("base64ToString", "s", ([s]) => Buffer.from(s as string, "base64").toString("utf8")),
  define("base64ToBinary", "s", ([s]) => binary(octets, Buffer.from(s as string, "base64"))),
  define("decodeBase64", "s", ([s]) => Buffer.from(s as string, "base64").toString("utf8")),
  define("binary", "x", ([v]) => binary(octets, utf8(v))),
  define("bool", "x", ([v]) => toBool(v)),
  define("dataUri", "x", ([v]) => `data:text/plain;charset=utf-8;base64,${utf8(v).toString("base64")}`),
  define("dataUriToString", "s", ([s]) =>
    Buffer.from(dataUri("dataUriToString", s as string).$content, "base64").toString("utf8"),
  ),
  define("dataUriToBinary", "s", ([s]) => dataUri("dataUriToBinary", s as string)),
  define("decodeDataUri", "s", ([s]) => dataUri("decodeDataUri", s as string)),
  define("decodeUriComponent", "s", ([s]) => decodeURIComponent(s as string)),
  define("encodeUriComponent", "x", ([v]) => encodeUri(v)),
  define("uriComponent", "x", ([v]) => encodeUri(v)),
  define("uriComponentToString", "s", ([s]) => decodeURIComponent(s as string)),
  define("uriComponentToBinary", "s", ([s]) => binary(octets, Buffer.from(decodeURIComponent(s as string), "utf8"))),
  define("float", "x,x?", ([v, locale]) => toFloat(v, locale)),
  define("int", "x", ([v]) => toInt(v)),
  define("decimal", "x", ([v]) => toDecimal(v)),
  define("json", "x", ([v]) => json(v)),
  // Binary content as its text: "@string()` - casts data to `text/plain`", and form data stored as $content is read
  // "with a function like `@string(body('formdataAction'))`" (logic-apps-content-type.md).
  define("string", "x", ([v]) => (isBinary(v) ? Buffer.from(v.$content, "base64").toString("utf8") : toText(v))),
);
