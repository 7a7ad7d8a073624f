/**
 * The workflow expression functions, with Azure's semantics as documented in "Reference guide to
 * workflow expression functions in Azure Logic Apps and Power Automate". Names are case-insensitive.
 */
import { ExpressionHost } from "../types";
import { ExpressionError } from "./parse";
import { formatDate, isObject, lookup, parseTimestamp, toText, typeName } from "./values";

type Impl = (args: unknown[], host: ExpressionHost) => unknown;

export interface FunctionSpec {
  min: number;
  max: number;
  impl: Impl;
}

const fail = (message: string): never => {
  throw new ExpressionError(message);
};

function str(fn: string, v: unknown, position = 1): string {
  if (typeof v !== "string") {
    fail(
      `The template language function '${fn}' expects its parameter ${position} to be a string. The provided value is of type '${typeName(v)}'.`,
    );
  }
  return v as string;
}

function int(fn: string, v: unknown, position = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    fail(
      `The template language function '${fn}' expects its parameter ${position} to be an integer. The provided value is of type '${typeName(v)}'.`,
    );
  }
  return v as number;
}

function num(fn: string, v: unknown, position = 1): number {
  if (typeof v !== "number") {
    fail(
      `The template language function '${fn}' expects its parameter ${position} to be a number. The provided value is of type '${typeName(v)}'.`,
    );
  }
  return v as number;
}

function collection(fn: string, v: unknown): string | unknown[] {
  if (typeof v === "string" || Array.isArray(v)) return v;
  return fail(
    `The template language function '${fn}' expects its parameter to be an array or a string. The provided value is of type '${typeName(v)}'.`,
  );
}

/** Deep equality as `equals()` sees it (strings case-sensitive). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === b || (a ?? null) === (b ?? null);
  return JSON.stringify(a) === JSON.stringify(b);
}

function compare(fn: string, a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
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
  if (typeof v === "number") return v !== 0;
  return fail(
    `The template language function 'bool' expects a boolean, a number or 'true'/'false'; received a value of type '${typeName(v)}'.`,
  );
}

function addTime(fn: string, args: unknown[], unitMs: number): string {
  const date = parseTimestamp(args[0], fn);
  return formatDate(
    new Date(date.getTime() + int(fn, args[1], 2) * unitMs),
    args[2] === undefined ? "o" : str(fn, args[2], 3),
  );
}

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

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

const spec = (min: number, max: number, impl: Impl): FunctionSpec => ({ min, max, impl });
const MANY = Number.MAX_SAFE_INTEGER;

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
  lastindexof: spec(2, 2, (a) =>
    str("lastIndexOf", a[0])
      .toLowerCase()
      .lastIndexOf(str("lastIndexOf", a[1], 2).toLowerCase()),
  ),
  nthindexof: spec(3, 3, (a) => {
    const s = str("nthIndexOf", a[0]).toLowerCase();
    const sub = str("nthIndexOf", a[1], 2).toLowerCase();
    let n = int("nthIndexOf", a[2], 3);
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
  isfloat: spec(1, 2, (a) => str("isFloat", a[0]).trim() !== "" && !Number.isNaN(Number(a[0]))),
  formatnumber: spec(2, 3, (a) => {
    const n = num("formatNumber", a[0]);
    const f = str("formatNumber", a[1], 2);
    const m = /^[NnFf](\d*)$/.exec(f);
    if (!m)
      return fail(
        `The template language function 'formatNumber' supports the formats 'N<digits>' and 'F<digits>' in the local runtime; received '${f}'.`,
      );
    const digits = m[1] === "" ? 2 : Number(m[1]);
    return /[Nn]/.test(f[0])
      ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : n.toFixed(digits);
  }),

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
  base64tobinary: spec(1, 1, (a) => Buffer.from(str("base64ToBinary", a[0]), "base64").toString("binary")),
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
    const n = typeof a[0] === "number" ? a[0] : Number(str("float", a[0]));
    return Number.isNaN(n)
      ? fail(
          `The template language function 'float' was invoked with a parameter that is not valid. The value cannot be converted to the target type 'Float'.`,
        )
      : n;
  }),
  int: spec(1, 1, (a) => {
    const n = typeof a[0] === "number" ? a[0] : /^\s*[-+]?\d+\s*$/.test(toText(a[0])) ? Number(a[0]) : NaN;
    return Number.isInteger(n)
      ? n
      : fail(
          `The template language function 'int' was invoked with a parameter that is not valid. The value cannot be converted to the target type 'Integer'.`,
        );
  }),
  decimal: spec(1, 1, (a) => Number(toText(a[0]))),
  json: spec(1, 1, (a) => {
    try {
      return JSON.parse(str("json", a[0]));
    } catch {
      return fail(
        `The template language function 'json' parameter is not valid. The provided value '${String(a[0])}' cannot be parsed: it is not valid JSON.`,
      );
    }
  }),
  string: spec(1, 1, (a) => toText(a[0])),
  xml: spec(1, 1, () => fail("The template function 'xml' is not supported by the local runtime.")),
  xpath: spec(2, 2, () => fail("The template function 'xpath' is not supported by the local runtime.")),

  // Math
  add: spec(2, 2, (a) => num("add", a[0]) + num("add", a[1], 2)),
  sub: spec(2, 2, (a) => num("sub", a[0]) - num("sub", a[1], 2)),
  mul: spec(2, 2, (a) => num("mul", a[0]) * num("mul", a[1], 2)),
  div: spec(2, 2, (a) => {
    const x = num("div", a[0]);
    const y = num("div", a[1], 2);
    if (y === 0) fail("The template language function 'div' cannot divide by zero.");
    return Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y;
  }),
  mod: spec(2, 2, (a) => {
    const y = num("mod", a[1], 2);
    if (y === 0) fail("The template language function 'mod' cannot divide by zero.");
    return num("mod", a[0]) % y;
  }),
  min: spec(1, MANY, (a) =>
    Math.min(...((Array.isArray(a[0]) ? a[0] : a) as number[]).map((v, i) => num("min", v, i + 1))),
  ),
  max: spec(1, MANY, (a) =>
    Math.max(...((Array.isArray(a[0]) ? a[0] : a) as number[]).map((v, i) => num("max", v, i + 1))),
  ),
  rand: spec(2, 2, (a) => {
    const lo = int("rand", a[0]);
    return lo + Math.floor(Math.random() * (int("rand", a[1], 2) - lo));
  }),
  range: spec(2, 2, (a) => Array.from({ length: int("range", a[1], 2) }, (_, i) => int("range", a[0]) + i)),

  // Date and time
  utcnow: spec(0, 1, (a, host) => formatDate(host.now(), a[0] === undefined ? "o" : str("utcNow", a[0]))),
  formatdatetime: spec(2, 3, (a) =>
    formatDate(parseTimestamp(a[0], "formatDateTime"), a[1] === undefined ? "o" : str("formatDateTime", a[1], 2)),
  ),
  adddays: spec(2, 3, (a) => addTime("addDays", a, UNIT_MS.day)),
  addhours: spec(2, 3, (a) => addTime("addHours", a, UNIT_MS.hour)),
  addminutes: spec(2, 3, (a) => addTime("addMinutes", a, UNIT_MS.minute)),
  addseconds: spec(2, 3, (a) => addTime("addSeconds", a, UNIT_MS.second)),
  addtotime: spec(3, 4, (a) => {
    const unit =
      UNIT_MS[str("addToTime", a[2], 3).toLowerCase()] ??
      fail(
        `The template language function 'addToTime' does not support the time unit '${String(a[2])}' in the local runtime.`,
      );
    return addTime("addToTime", [a[0], a[1], a[3]], unit);
  }),
  subtractfromtime: spec(3, 4, (a) => {
    const unit =
      UNIT_MS[str("subtractFromTime", a[2], 3).toLowerCase()] ??
      fail(
        `The template language function 'subtractFromTime' does not support the time unit '${String(a[2])}' in the local runtime.`,
      );
    return addTime("subtractFromTime", [a[0], -int("subtractFromTime", a[1], 2), a[3]], unit);
  }),
  startofday: spec(1, 2, (a) => {
    const d = parseTimestamp(a[0], "startOfDay");
    return formatDate(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())), (a[1] as string) ?? "o");
  }),
  startofhour: spec(1, 2, (a) => {
    const d = parseTimestamp(a[0], "startOfHour");
    return formatDate(new Date(Math.floor(d.getTime() / UNIT_MS.hour) * UNIT_MS.hour), (a[1] as string) ?? "o");
  }),
  startofmonth: spec(1, 2, (a) => {
    const d = parseTimestamp(a[0], "startOfMonth");
    return formatDate(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)), (a[1] as string) ?? "o");
  }),
  dayofweek: spec(1, 1, (a) => parseTimestamp(a[0], "dayOfWeek").getUTCDay()),
  dayofmonth: spec(1, 1, (a) => parseTimestamp(a[0], "dayOfMonth").getUTCDate()),
  dayofyear: spec(1, 1, (a) => {
    const d = parseTimestamp(a[0], "dayOfYear");
    return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / UNIT_MS.day) + 1;
  }),
  ticks: spec(1, 1, (a) => parseTimestamp(a[0], "ticks").getTime() * 10_000 + 621_355_968_000_000_000),
  parsedatetime: spec(1, 3, (a) => formatDate(parseTimestamp(a[0], "parseDateTime"), (a[2] as string) ?? "o")),
  converttoutc: spec(2, 3, (a) => timeZone("convertToUtc", a)),
  convertfromutc: spec(2, 3, (a) => timeZone("convertFromUtc", a)),

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
  triggerformdatavalue: spec(1, 1, () =>
    fail("The template function 'triggerFormDataValue' is not supported by the local runtime."),
  ),
  triggerformdatamultivalues: spec(1, 1, () =>
    fail("The template function 'triggerFormDataMultiValues' is not supported by the local runtime."),
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

/** Time zones need Windows zone data the local runtime does not carry: UTC only. */
function timeZone(fn: string, a: unknown[]): string {
  const zone = str(fn, a[1], 2);
  if (!/^(UTC|Coordinated Universal Time)$/i.test(zone)) {
    fail(
      `The template language function '${fn}' supports only the 'UTC' time zone in the local runtime; received '${zone}'.`,
    );
  }
  return formatDate(parseTimestamp(a[0], fn), a[2] === undefined ? "o" : str(fn, a[2], 3));
}

/** The spec of a function by name (case-insensitive), or undefined. */
export function functionSpec(name: string): FunctionSpec | undefined {
  return FUNCTIONS[name.toLowerCase()];
}
