/**
 * parseDateTime('<timestamp>', '<locale>'?, '<format>'?): with a format, the .NET custom pattern read exactly; without
 * one, "attempt parsing with multiple formats that are compatible with the provided locale" (functions reference):
 * day, month and year in the locale's order (from Intl), month names of the locale, an optional H:mm[:ss] time.
 */
import { localNames, parseStamp, Stamp, tokenizeFormat } from "./dates";
import { ExpressionError } from "./parse";

const fail = (message: string): never => {
  throw new ExpressionError(message);
};
const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Parts {
  y?: number;
  M?: number;
  d?: number;
  H?: number;
  m?: number;
  s?: number;
  pm?: boolean;
}

function stampOf(p: Parts, text: string): Stamp {
  let hours = p.H ?? 0;
  if (p.pm !== undefined && hours < 12 && p.pm) hours += 12;
  if (p.y === undefined || p.M === undefined || p.d === undefined || p.M < 1 || p.M > 12 || p.d < 1 || p.d > 31)
    return fail(`The template language function 'parseDateTime' could not parse the timestamp '${text}'.`);
  return { ms: Date.UTC(p.y, p.M - 1, p.d, hours, p.m ?? 0, p.s ?? 0), ticks: 0, utc: false };
}

/** Reads `text` with a .NET custom format, e.g. 'ddMMyyyy' or 'MM/dd/yyyy HH\h'. */
export function parseWithFormat(text: string, format: string, locale: string): Stamp {
  const keys: Array<{ field: string }> = [];
  let source = "^";
  for (const t of tokenizeFormat(format)) {
    if (t.kind === "literal") {
      source += escape(t.text);
      continue;
    }
    const f = t.field;
    keys.push({ field: f });
    if (/^M{3,}$|^d{3,}$/.test(f)) source += "(\\p{L}+\\.?)";
    else if (f === "tt" || f === "t") source += "(AM|PM|A|P)";
    else if (/^y{3,}$/.test(f)) source += `(\\d{${f.length}})`;
    else source += f.length === 1 ? "(\\d{1,2})" : `(\\d{${f.length}})`;
  }
  const m = new RegExp(source + "$", "iu").exec(text.trim());
  if (!m)
    return fail(
      `The template language function 'parseDateTime' could not parse '${text}' with the format '${format}'.`,
    );
  const p: Parts = {};
  keys.forEach(({ field }, i) => assign(p, field, m[i + 1], locale, text));
  return stampOf(p, text);
}

function assign(p: Parts, f: string, v: string, locale: string, text: string): void {
  const c = f[0];
  if (c === "y") p.y = f.length <= 2 ? 2000 + Number(v) : Number(v);
  else if (c === "M") p.M = f.length <= 2 ? Number(v) : (monthOf(v, locale) ?? fail(notMonth(v, text)));
  else if (c === "d" && f.length <= 2) p.d = Number(v);
  else if (c === "H" || c === "h") p.H = Number(v);
  else if (c === "m") p.m = Number(v);
  else if (c === "s") p.s = Number(v);
  else if (c === "t") p.pm = /^p/i.test(v);
}

const notMonth = (v: string, text: string) =>
  `The template language function 'parseDateTime' could not read '${v}' in '${text}' as a month.`;

function monthOf(word: string, locale: string): number | undefined {
  const w = fold(word.replace(/\.$/, ""));
  for (const width of ["long", "short"] as const) {
    const i = localNames(locale, "month", width).findIndex((n) => fold(n) === w);
    if (i >= 0) return i + 1;
  }
  return undefined;
}

/** The order of day, month and year in the locale's numeric dates, e.g. ["d","M","y"] for fr-FR. */
function dateOrder(locale: string): string[] {
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" })
    .formatToParts(0)
    .filter((x) => x.type === "day" || x.type === "month" || x.type === "year")
    .map((x) => (x.type === "day" ? "d" : x.type === "month" ? "M" : "y"));
}

/** Without a format: ISO first, then the locale's numeric order or a month name, and an optional time. */
export function parseWithLocale(text: string, locale: string): Stamp {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return parseStamp(text, "parseDateTime");
  const time = /(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?/i.exec(text);
  const rest = time ? text.replace(time[0], " ") : text;
  const p: Parts = time
    ? { H: +time[1], m: +time[2], s: +(time[3] ?? 0), pm: time[4] ? /pm/i.test(time[4]) : undefined }
    : {};
  const numbers = rest.match(/\d+/g) ?? [];
  const words = rest.match(/\p{L}+\.?/gu) ?? [];
  const month = words.map((w) => monthOf(w, locale)).find((x) => x !== undefined);
  if (month !== undefined) {
    p.M = month;
    p.y = Number(numbers.find((n) => n.length === 4));
    p.d = Number(numbers.find((n) => n.length <= 2));
  } else {
    const order = dateOrder(locale);
    if (numbers.length < 3)
      return fail(`The template language function 'parseDateTime' could not parse '${text}' for locale '${locale}'.`);
    order.forEach((k, i) => assign(p, k === "y" ? "yyyy" : k, numbers[i], locale, text));
  }
  return stampOf(p, text);
}
