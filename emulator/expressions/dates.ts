/**
 * Timestamps as the date functions keep them: .NET DateTime semantics documented in the functions reference
 * ("The default format for the timestamp is 'o' (yyyy-MM-ddTHH:mm:ss.fffffffK) ... preserves time zone
 * information"), so a timestamp knows whether it is UTC (`Z`) or has no zone (no suffix: formatDateTime('03/15/2018')
 * returns '2018-03-15T00:00:00.0000000'). Names of months and days come from Intl for the locale.
 */
import { ExpressionError } from "./parse";
import { typeName } from "./values";

export interface Stamp {
  /** Wall-clock time as UTC milliseconds. */
  ms: number;
  /** Sub-millisecond ticks (0-9999), kept for the 7-digit 'o' format. */
  ticks: number;
  utc: boolean;
}

const fail = (message: string): never => {
  throw new ExpressionError(message);
};

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?$/i;

/**
 * Whether the fields name a real time: Date.UTC rolls 30 February over to 2 March and minute 60 to the next hour,
 * where .NET's DateTime parsing refuses the text ("s does not contain a valid string representation of a date and
 * time", learn.microsoft.com/dotnet/api/system.datetime.parse).
 */
function real(ms: number, y: string, mo: string, d: string, h = 0, mi = 0, s = 0): boolean {
  const back = new Date(ms);
  return (
    back.getUTCFullYear() === +y &&
    back.getUTCMonth() + 1 === +mo &&
    back.getUTCDate() === +d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  );
}

/** ISO 8601 (an offset converts to UTC) or the en-US `M/d/yyyy H:mm:ss` that the reference's examples use. */
export function parseStamp(text: unknown, fn: string): Stamp {
  if (typeof text !== "string") {
    return fail(
      `The template language function '${fn}' expects a timestamp string; received a value of type '${typeName(text)}'.`,
    );
  }
  const t = text.trim();
  const iso = ISO.exec(t);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso;
    const ms = Date.UTC(+y, +mo - 1, +d, +(h ?? 0), +(mi ?? 0), +(s ?? 0), +(frac ?? "0").padEnd(3, "0").slice(0, 3));
    const ticks = +(frac ?? "0").padEnd(7, "0").slice(3, 7);
    if (real(ms, y, mo, d, +(h ?? 0), +(mi ?? 0), +(s ?? 0))) {
      if (!zone) return { ms, ticks, utc: false };
      const off = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (+zone.slice(1, 3) * 60 + +zone.slice(-2));
      return { ms: ms - off * 60_000, ticks, utc: true };
    }
  }
  const us = US.exec(t);
  if (us) {
    let hours = Number(us[4] ?? 0);
    if (us[7]?.toUpperCase() === "PM" && hours < 12) hours += 12;
    if (us[7]?.toUpperCase() === "AM" && hours === 12) hours = 0;
    const ms = Date.UTC(+us[3], +us[1] - 1, +us[2], hours, +(us[5] ?? 0), +(us[6] ?? 0));
    if (real(ms, us[3], us[1], us[2], hours, +(us[5] ?? 0), +(us[6] ?? 0))) return { ms, ticks: 0, utc: false };
  }
  return fail(
    `The template language function '${fn}' expects its parameter to be a valid timestamp; the value '${text}' is not.`,
  );
}

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, "0");

/** .NET standard format strings (en-US patterns), "Standard date and time format strings" on Microsoft Learn. */
const STANDARD: Record<string, string> = {
  d: "M/d/yyyy",
  D: "dddd, MMMM d, yyyy",
  f: "dddd, MMMM d, yyyy h:mm tt",
  F: "dddd, MMMM d, yyyy h:mm:ss tt",
  g: "M/d/yyyy h:mm tt",
  G: "M/d/yyyy h:mm:ss tt",
  m: "MMMM d",
  M: "MMMM d",
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: "h:mm tt",
  T: "h:mm:ss tt",
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  y: "MMMM yyyy",
  Y: "MMMM yyyy",
};
/** Standard formats whose pattern is locale-invariant. */
const INVARIANT = new Set(["o", "O", "r", "R", "s", "u"]);

export type Token = { kind: "field"; field: string } | { kind: "literal"; text: string };

/** Splits a .NET custom format into fields (runs of one letter) and literals ('quoted', "quoted", \x). */
export function tokenizeFormat(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'" || c === '"') {
      const end = pattern.indexOf(c, i + 1);
      tokens.push({ kind: "literal", text: pattern.slice(i + 1, end < 0 ? undefined : end) });
      i = end < 0 ? pattern.length : end + 1;
    } else if (c === "\\") {
      tokens.push({ kind: "literal", text: pattern[i + 1] ?? "" });
      i += 2;
    } else if (c === "%") {
      i++;
    } else if ("dfFhHKmMstyz".includes(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      tokens.push({ kind: "field", field: pattern.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: "literal", text: c });
      i++;
    }
  }
  return tokens;
}

const names = new Map<string, string[]>();
/** Month or day names of a locale from Intl (`long` or `short`). */
export function localNames(locale: string, what: "month" | "weekday", width: "long" | "short"): string[] {
  const key = `${locale}|${what}|${width}`;
  let list = names.get(key);
  if (!list) {
    const f = new Intl.DateTimeFormat(locale, { [what]: width, timeZone: "UTC" });
    // 2017-01-01 was a Sunday: days from it, months from the 1st of each month.
    list = Array.from({ length: what === "month" ? 12 : 7 }, (_, i) =>
      f.format(what === "month" ? Date.UTC(2017, i, 1) : Date.UTC(2017, 0, 1 + i)).replace(/\.$/, ""),
    );
    names.set(key, list);
  }
  return list;
}

export function checkLocale(fn: string, locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0];
  } catch {
    return fail(`The template language function '${fn}' was given the locale '${locale}', which is not valid.`);
  }
}

function field(f: string, s: Stamp, locale: string, fn: string): string {
  const d = new Date(s.ms);
  const frac = pad(d.getUTCMilliseconds(), 3) + pad(s.ticks, 4);
  const c = f[0];
  const n = f.length;
  const h12 = d.getUTCHours() % 12 || 12;
  switch (c) {
    case "y":
      return n === 1
        ? String(d.getUTCFullYear() % 100)
        : pad(n === 2 ? d.getUTCFullYear() % 100 : d.getUTCFullYear(), n);
    case "M":
      return n <= 2
        ? pad(d.getUTCMonth() + 1, n)
        : localNames(locale, "month", n === 3 ? "short" : "long")[d.getUTCMonth()];
    case "d":
      return n <= 2 ? pad(d.getUTCDate(), n) : localNames(locale, "weekday", n === 3 ? "short" : "long")[d.getUTCDay()];
    case "H":
      return pad(d.getUTCHours(), Math.min(n, 2));
    case "h":
      return pad(h12, Math.min(n, 2));
    case "m":
      return pad(d.getUTCMinutes(), Math.min(n, 2));
    case "s":
      return pad(d.getUTCSeconds(), Math.min(n, 2));
    case "f":
      return frac.slice(0, n);
    case "F":
      return frac.slice(0, n).replace(/0+$/, "");
    case "t":
      return (d.getUTCHours() < 12 ? "AM" : "PM").slice(0, n);
    case "K":
      return s.utc ? "Z" : "";
    case "z":
      return s.utc ? (n === 1 ? "+0" : n === 2 ? "+00" : "+00:00") : fail(unsupportedZone(fn));
  }
  return f;
}

const unsupportedZone = (fn: string) =>
  `The template language function '${fn}' cannot print the offset ('z') of a timestamp without a time zone in the local runtime.`;

const unsupportedUniversal = (fn: string) =>
  `The template language function '${fn}' cannot apply the format 'U' to a timestamp without a time zone in the local runtime (.NET converts it from the machine's time zone); convert it with convertToUtc() first.`;

/** Formats like .NET's DateTime.ToString(format, culture); default 'o'. */
export function formatStamp(s: Stamp, format = "o", locale = "en-US", fn = "formatDateTime"): string {
  let pattern = format;
  if (format.length === 1) {
    // 'U' is the full pattern ('F') of the time converted to UTC ("Standard date and time format strings", The
    // universal full format specifier); a time without a zone would be converted from the machine's zone.
    if (format === "U" && !s.utc) fail(unsupportedUniversal(fn));
    pattern =
      (format === "U" ? STANDARD.F : STANDARD[format]) ??
      fail(`The template language function '${fn}' was given the format '${format}', which is not a valid format.`);
    if (!INVARIANT.has(format) && !/^en(-us)?$/i.test(locale)) {
      fail(
        `The template language function '${fn}' cannot apply the standard format '${format}' for locale '${locale}' in the local runtime (its patterns are en-US only); use a custom format such as 'dd/MM/yyyy'.`,
      );
    }
  }
  return tokenizeFormat(pattern)
    .map((t) => (t.kind === "literal" ? t.text : field(t.field, s, locale, fn)))
    .join("");
}

/** A timestamp-valued result: formatted, 'o' by default. */
export function stampResult(s: Stamp, format: unknown, fn: string): string {
  if (format !== undefined && typeof format !== "string")
    fail(`The template language function '${fn}' expects its format to be a string; received '${typeName(format)}'.`);
  return formatStamp(s, (format as string | undefined) ?? "o", "en-US", fn);
}
