/**
 * The workflow expression functions, with Azure's semantics as documented in "Reference guide to
 * workflow expression functions in Azure Logic Apps and Power Automate". Names are case-insensitive.
 */
import { ExpressionHost } from "../types";
import { fail, FunctionSpec, int, MANY, num, spec, str } from "./args";
import { DATE_FUNCTIONS } from "./dateFunctions";
import { Decimal } from "./decimal";
import { MATH_FUNCTIONS, formatNumber, parseLocaleFloat } from "./numbers";
import { float as toFloat, isObject, lookup, made, numeric, toText, typeName, Xml } from "./values";
import { selectXpath, toXml, xmlToJson } from "./xml";

export type { FunctionSpec } from "./args";

function collection(fn: string, v: unknown): string | unknown[] {
  if (typeof v === "string" || Array.isArray(v)) return v;
  return fail(
    `The template language function '${fn}' expects its parameter to be an array or a string. The provided value is of type '${typeName(v)}'.`,
  );
}

/** Deep equality as `equals()` sees it (strings case-sensitive). */
function same(a: unknown, b: unknown): boolean {
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

function compare(fn: string, a: unknown, b: unknown): number {
  const [na, nb] = [numeric(a), numeric(b)];
  if (na !== undefined && nb !== undefined) return na - nb;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return fail(
    `The template language function '${fn}' expects two parameters of matching types (numbers or strings); received '${typeName(a)}' and '${typeName(b)}'.`,
  );
}

function empty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string" || Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.keys(v).length === 0;
  return false;
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

function guidFormat(guid: string, format: unknown): string {
  const f = format === undefined ? "D" : String(format).toUpperCase();
  const n = guid.replace(/-/g, "");
  switch (f) {
    case "N":
      return n;
    case "D":
      return guid;
    case "B":
      return `{${guid}}`;
    case "P":
      return `(${guid})`;
    default:
      return fail(
        `The template language function 'guid' expects the format 'N', 'D', 'B' or 'P'; received '${String(format)}'.`,
      );
  }
}

function encodeUri(v: unknown): string {
  // .NET's Uri.EscapeDataString also escapes !'()*, which encodeURIComponent leaves.
  return encodeURIComponent(toText(v)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function action(host: ExpressionHost, name: unknown, fn: string): Record<string, unknown> {
  const record = host.action(str(fn, name));
  if (!isObject(record)) {
    fail(
      `The template language expression cannot be evaluated because the action '${String(name)}' referenced by '${fn}' has not run or does not exist in the workflow.`,
    );
  }
  return record as Record<string, unknown>;
}

const outputsOf = (host: ExpressionHost, name: unknown, fn: string) => action(host, name, fn).outputs as unknown;
const bodyOf = (host: ExpressionHost, name: unknown, fn: string) => {
  const outputs = outputsOf(host, name, fn);
  return isObject(outputs) ? (lookup(outputs, "body").value ?? null) : null;
};

export const FUNCTIONS: Record<string, FunctionSpec> = {
  // String
  concat: spec(1, MANY, (a) => (a.every(Array.isArray) ? (a as unknown[][]).flat() : a.map(toText).join(""))),
  substring: spec(2, 3, (a) => {
    const s = str("substring", a[0]);
    const start = int("substring", a[1], 2);
    const length = a[2] === undefined ? s.length - start : int("substring", a[2], 3);
    if (start < 0 || length < 0 || start + length > s.length) {
      fail(
        `The template language function 'substring' parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string.`,
      );
    }
    return s.substr(start, length);
  }),
  slice: spec(2, 3, (a) => {
    const s = str("slice", a[0]);
    return s.slice(int("slice", a[1], 2), a[2] === undefined ? undefined : int("slice", a[2], 3));
  }),
  replace: spec(3, 3, (a) =>
    str("replace", a[0])
      .split(str("replace", a[1], 2))
      .join(str("replace", a[2], 3)),
  ),
  tolower: spec(1, 1, (a) => str("toLower", a[0]).toLowerCase()),
  toupper: spec(1, 1, (a) => str("toUpper", a[0]).toUpperCase()),
  trim: spec(1, 1, (a) => str("trim", a[0]).trim()),
  indexof: spec(2, 2, (a) =>
    str("indexOf", a[0])
      .toLowerCase()
      .indexOf(str("indexOf", a[1], 2).toLowerCase()),
  ),
  lastindexof: spec(2, 2, (a) => {
    const s = str("lastIndexOf", a[0]).toLowerCase();
    const sub = str("lastIndexOf", a[1], 2).toLowerCase();
    // "If only the substring value is empty, the function returns the string length minus 1" (functions reference).
    if (sub === "") return s === "" ? 0 : s.length - 1;
    return s.lastIndexOf(sub);
  }),
  nthindexof: spec(3, 3, (a) => {
    const s = str("nthIndexOf", a[0]).toLowerCase();
    const sub = str("nthIndexOf", a[1], 2).toLowerCase();
    let n = int("nthIndexOf", a[2], 3);
    // "If occurrence is negative, start searching from the end" (functions reference, nthIndexOf()).
    if (n < 0) {
      let at = s.length;
      while (n++ < 0) if ((at = at <= 0 ? -1 : s.lastIndexOf(sub, at - 1)) < 0) return -1;
      return at;
    }
    let at = -1;
    while (n-- > 0) if ((at = s.indexOf(sub, at + 1)) < 0) return -1;
    return at;
  }),
  startswith: spec(2, 2, (a) =>
    str("startsWith", a[0])
      .toLowerCase()
      .startsWith(str("startsWith", a[1], 2).toLowerCase()),
  ),
  endswith: spec(2, 2, (a) =>
    str("endsWith", a[0])
      .toLowerCase()
      .endsWith(str("endsWith", a[1], 2).toLowerCase()),
  ),
  split: spec(2, 2, (a) => str("split", a[0]).split(str("split", a[1], 2))),
  guid: spec(0, 1, (a, host) => guidFormat(host.newGuid(), a[0])),
  chunk: spec(2, 2, (a) => {
    const c = collection("chunk", a[0]);
    const size = int("chunk", a[1], 2);
    const out: unknown[] = [];
    for (let i = 0; i < c.length; i += size) out.push(c.slice(i, i + size));
    return out;
  }),
  isint: spec(1, 1, (a) => /^[-+]?\d+$/.test(str("isInt", a[0]).trim())),
  isfloat: spec(1, 2, (a) => parseLocaleFloat("isFloat", str("isFloat", a[0]), a[1]) !== undefined),
  formatnumber: spec(2, 3, (a) => formatNumber(num("formatNumber", a[0]), str("formatNumber", a[1], 2), a[2])),

  // Collection
  contains: spec(2, 2, (a) => {
    const [c, v] = a;
    if (typeof c === "string") return c.includes(str("contains", v, 2));
    if (Array.isArray(c)) return c.some((x) => same(x, v));
    if (isObject(c)) return lookup(c, str("contains", v, 2)).found;
    return fail(
      `The template language function 'contains' expects its first parameter to be a dictionary (object), an array, or a string. The provided value is of type '${typeName(c)}'.`,
    );
  }),
  empty: spec(1, 1, (a) => empty(a[0])),
  first: spec(1, 1, (a) => collection("first", a[0])[0] ?? null),
  last: spec(1, 1, (a) => {
    const c = collection("last", a[0]);
    return c.length ? c[c.length - 1] : null;
  }),
  join: spec(2, 2, (a) => {
    if (!Array.isArray(a[0]))
      fail(
        `The template language function 'join' expects its first parameter to be an array. The provided value is of type '${typeName(a[0])}'.`,
      );
    return (a[0] as unknown[]).map(toText).join(str("join", a[1], 2));
  }),
  skip: spec(2, 2, (a) => collection("skip", a[0]).slice(int("skip", a[1], 2))),
  take: spec(2, 2, (a) => collection("take", a[0]).slice(0, int("take", a[1], 2))),
  length: spec(1, 1, (a) => collection("length", a[0]).length),
  union: spec(2, MANY, (a) =>
    a.every(Array.isArray)
      ? (a as unknown[][]).flat().filter((v, i, all) => all.findIndex((x) => same(x, v)) === i)
      : Object.assign({}, ...a),
  ),
  intersection: spec(2, MANY, (a) =>
    a.every(Array.isArray)
      ? (a[0] as unknown[]).filter(
          (v, i, first) =>
            first.findIndex((x) => same(x, v)) === i && (a as unknown[][]).every((arr) => arr.some((x) => same(x, v))),
        )
      : Object.fromEntries(
          Object.entries(a[0] as object).filter(([k, v]) =>
            a.every((o) => isObject(o) && lookup(o, k).found && same(lookup(o, k).value, v)),
          ),
        ),
  ),
  createarray: spec(1, MANY, (a) => [...a]),
  reverse: spec(1, 1, (a) => [...(collection("reverse", a[0]) as unknown[])].reverse()),
  sort: spec(1, 2, (a) => {
    const arr = [...(collection("sort", a[0]) as unknown[])];
    const key = a[1] === undefined ? undefined : str("sort", a[1], 2);
    const val = (x: unknown) => (key && isObject(x) ? lookup(x, key).value : x);
    return arr.sort((x, y) => compare("sort", val(x), val(y)));
  }),

  // Logical comparison
  and: spec(1, MANY, (a) => a.every((v) => v === true)),
  or: spec(1, MANY, (a) => a.some((v) => v === true)),
  not: spec(1, 1, (a) => a[0] !== true),
  equals: spec(2, 2, (a) => same(a[0], a[1])),
  greater: spec(2, 2, (a) => compare("greater", a[0], a[1]) > 0),
  greaterorequals: spec(2, 2, (a) => compare("greaterOrEquals", a[0], a[1]) >= 0),
  less: spec(2, 2, (a) => compare("less", a[0], a[1]) < 0),
  lessorequals: spec(2, 2, (a) => compare("lessOrEquals", a[0], a[1]) <= 0),
  if: spec(3, 3, (a) => (a[0] === true ? a[1] : a[2])),
  coalesce: spec(1, MANY, (a) => a.find((v) => v !== null && v !== undefined) ?? null),

  // Conversion
  array: spec(1, 1, (a) => [a[0]]),
  base64: spec(1, 1, (a) => Buffer.from(toText(a[0]), "utf8").toString("base64")),
  base64tostring: spec(1, 1, (a) => Buffer.from(str("base64ToString", a[0]), "base64").toString("utf8")),
  base64tobinary: spec(1, 1, (a) =>
    binary("application/octet-stream", Buffer.from(str("base64ToBinary", a[0]), "base64")),
  ),
  decodebase64: spec(1, 1, (a) => Buffer.from(str("decodeBase64", a[0]), "base64").toString("utf8")),
  bool: spec(1, 1, (a) => toBool(a[0])),
  datauri: spec(
    1,
    1,
    (a) => `data:text/plain;charset=utf-8;base64,${Buffer.from(toText(a[0]), "utf8").toString("base64")}`,
  ),
  decodeuricomponent: spec(1, 1, (a) => decodeURIComponent(str("decodeUriComponent", a[0]))),
  encodeuricomponent: spec(1, 1, (a) => encodeUri(a[0])),
  uricomponent: spec(1, 1, (a) => encodeUri(a[0])),
  uricomponenttostring: spec(1, 1, (a) => decodeURIComponent(str("uriComponentToString", a[0]))),
  float: spec(1, 2, (a) => {
    // float() answers a Float, also for an integral value (float('12,3,4,5678') is 12345678 with Float type).
    if (numeric(a[0]) !== undefined) return toFloat(numeric(a[0])!);
    const n = parseLocaleFloat("float", str("float", a[0]), a[1]);
    return n !== undefined
      ? toFloat(n)
      : fail(
          `The template language function 'float' was invoked with a parameter that is not valid. The value '${String(a[0])}' cannot be converted to the target type 'Float'.`,
        );
  }),
  int: spec(1, 1, (a) => {
    const n = typeof a[0] === "number" ? a[0] : /^\s*[-+]?\d+\s*$/.test(toText(a[0])) ? Number(a[0]) : NaN;
    return Number.isInteger(n)
      ? n
      : fail(
          `The template language function 'int' was invoked with a parameter that is not valid. The value '${toText(a[0])}' cannot be converted to the target type 'Integer'.`,
        );
  }),
  decimal: spec(1, 1, (a) => {
    try {
      made.count++;
      return new Decimal(toText(a[0]).trim());
    } catch {
      return fail(
        `The template language function 'decimal' was invoked with a parameter that is not valid. The value '${toText(a[0])}' cannot be converted to a decimal number.`,
      );
    }
  }),
  json: spec(1, 1, (a) => {
    // "If the string is null, the function returns an empty object" (functions reference, json()).
    if (a[0] === null || a[0] === undefined) return {};
    if (a[0] instanceof Xml) return xmlToJson(a[0], toText(a[0]));
    try {
      return JSON.parse(str("json", a[0]));
    } catch {
      return fail(
        `The template language function 'json' parameter is not valid. The provided value '${String(a[0])}' cannot be parsed: it is not valid JSON.`,
      );
    }
  }),
  string: spec(1, 1, (a) => toText(a[0])),
  xml: spec(1, 1, (a) => toXml(a[0])),
  xpath: spec(2, 2, (a) => selectXpath(a[0], str("xpath", a[1], 2))),
  datauritostring: spec(1, 1, (a) => Buffer.from(dataUri("dataUriToString", a[0]).$content, "base64").toString("utf8")),
  datauritobinary: spec(1, 1, (a) => dataUri("dataUriToBinary", a[0])),
  decodedatauri: spec(1, 1, (a) => dataUri("decodeDataUri", a[0])),
  uricomponenttobinary: spec(1, 1, (a) =>
    binary("application/octet-stream", Buffer.from(decodeURIComponent(str("uriComponentToBinary", a[0])), "utf8")),
  ),
  binary: spec(1, 1, (a) => binary("application/octet-stream", Buffer.from(toText(a[0]), "utf8"))),

  ...MATH_FUNCTIONS,

  ...DATE_FUNCTIONS,

  // Object manipulation
  addproperty: spec(3, 3, (a) => {
    const o = a[0];
    if (!isObject(o))
      return fail(
        `The template language function 'addProperty' expects its first parameter to be an object; received '${typeName(o)}'.`,
      );
    if (lookup(o, str("addProperty", a[1], 2)).found)
      fail(`The template language function 'addProperty' cannot add property '${String(a[1])}': it already exists.`);
    return { ...o, [a[1] as string]: a[2] };
  }),
  setproperty: spec(3, 3, (a) =>
    isObject(a[0])
      ? { ...a[0], [str("setProperty", a[1], 2)]: a[2] }
      : fail(
          `The template language function 'setProperty' expects its first parameter to be an object; received '${typeName(a[0])}'.`,
        ),
  ),
  removeproperty: spec(2, 2, (a) => {
    if (!isObject(a[0]))
      return fail(
        `The template language function 'removeProperty' expects its first parameter to be an object; received '${typeName(a[0])}'.`,
      );
    const copy = { ...a[0] };
    delete copy[str("removeProperty", a[1], 2)];
    return copy;
  }),

  // URI parsing
  urihost: spec(1, 1, (a) => new URL(str("uriHost", a[0])).hostname),
  uripath: spec(1, 1, (a) => new URL(str("uriPath", a[0])).pathname),
  uriquery: spec(1, 1, (a) => new URL(str("uriQuery", a[0])).search),
  urischeme: spec(1, 1, (a) => new URL(str("uriScheme", a[0])).protocol.replace(":", "")),
  uriport: spec(1, 1, (a) => {
    const u = new URL(str("uriPort", a[0]));
    return Number(u.port || (u.protocol === "https:" ? 443 : 80));
  }),
  uripathandquery: spec(1, 1, (a) => {
    const u = new URL(str("uriPathAndQuery", a[0]));
    return u.pathname + u.search;
  }),

  // Workflow
  trigger: spec(0, 0, (_a, host) => host.trigger()),
  triggerbody: spec(0, 0, (_a, host) => {
    const outputs = (host.trigger() as { outputs?: unknown })?.outputs;
    return isObject(outputs) ? (lookup(outputs, "body").value ?? null) : null;
  }),
  triggeroutputs: spec(0, 0, (_a, host) => (host.trigger() as { outputs?: unknown })?.outputs ?? null),
  triggerformdatavalue: spec(1, 1, (a, host) =>
    single("triggerFormDataValue", formValues("triggerFormDataValue", host.trigger(), a[0])),
  ),
  triggerformdatamultivalues: spec(1, 1, (a, host) => formValues("triggerFormDataMultiValues", host.trigger(), a[0])),
  formdatavalue: spec(2, 2, (a, host) =>
    single("formDataValue", formValues("formDataValue", action(host, a[0], "formDataValue"), a[1])),
  ),
  formdatamultivalues: spec(2, 2, (a, host) =>
    formValues("formDataMultiValues", action(host, a[0], "formDataMultiValues"), a[1]),
  ),
  actions: spec(1, 1, (a, host) => action(host, a[0], "actions")),
  body: spec(1, 1, (a, host) => bodyOf(host, a[0], "body")),
  actionbody: spec(1, 1, (a, host) => bodyOf(host, a[0], "actionBody")),
  outputs: spec(1, 1, (a, host) => outputsOf(host, a[0], "outputs") ?? null),
  actionoutputs: spec(1, 1, (a, host) => outputsOf(host, a[0], "actionOutputs") ?? null),
  result: spec(1, 1, (a, host) => host.result(str("result", a[0]))),
  parameters: spec(1, 1, (a, host) => host.parameter(str("parameters", a[0]))),
  variables: spec(1, 1, (a, host) => host.variable(str("variables", a[0]))),
  workflow: spec(0, 0, (_a, host) => host.workflow()),
  item: spec(0, 0, (_a, host) => host.item()),
  items: spec(1, 1, (a, host) => host.items(str("items", a[0]))),
  iterationindexes: spec(1, 1, (a, host) =>
    host.iterationIndexes
      ? host.iterationIndexes(str("iterationIndexes", a[0]))
      : fail("iterationIndexes() is only valid inside an Until loop."),
  ),
  listcallbackurl: spec(0, 0, () => "http://127.0.0.1/local-runtime/callback-url-not-available"),
};

/** Binary content as Logic Apps passes it between actions: `$content-type` and base64 `$content` (logic-apps-content-type.md). */
function binary(contentType: string, bytes: Buffer): { "$content-type": string; $content: string } {
  return { "$content-type": contentType, $content: bytes.toString("base64") };
}

/** `data:[<mediatype>][;base64],<data>` (RFC 2397) as binary content. */
function dataUri(fn: string, v: unknown) {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(str(fn, v));
  if (!m)
    return fail(
      `The template language function '${fn}' expects a data URI ('data:<type>;base64,<data>'); received '${String(v)}'.`,
    );
  const bytes = m[2] ? Buffer.from(m[3], "base64") : Buffer.from(decodeURIComponent(m[3]), "utf8");
  return binary(m[1] || "text/plain;charset=US-ASCII", bytes);
}

/** Values of `key` in a form-encoded body (application/x-www-form-urlencoded) of a trigger or action record. */
function formValues(fn: string, record: unknown, key: unknown): string[] {
  const outputs = isObject(record) ? (record.outputs as unknown) : undefined;
  const body = isObject(outputs) ? lookup(outputs, "body").value : undefined;
  const text = typeof body === "string" ? body : undefined;
  if (text === undefined)
    return fail(
      `The template language function '${fn}' expects form-encoded outputs; the body is of type '${typeName(body)}'.`,
    );
  return new URLSearchParams(text).getAll(str(fn, key, fn.startsWith("trigger") ? 1 : 2));
}

function single(fn: string, values: string[]): string | null {
  if (values.length > 1)
    return fail(`The template language function '${fn}' found ${values.length} values for the key; expected one.`);
  return values[0] ?? null;
}

/** The spec of a function by name (case-insensitive), or undefined. */
export function functionSpec(name: string): FunctionSpec | undefined {
  return FUNCTIONS[name.toLowerCase()];
}
