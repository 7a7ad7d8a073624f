/** Date and time functions of the functions reference. */
import { ExpressionHost } from "../../types";
import { parseWithFormat, parseWithLocale } from "../dateParse";
import { checkLocale, formatStamp, parseStamp, Stamp, stampResult } from "../dates";
import { define, fail, int, optionalStr, str, table } from "../signature";
import { ianaZone, offsetAt, wallToUtc } from "../timezones";

const DAY = 86_400_000;
const FIXED_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY, week: 7 * DAY };

/** Adds `n` units; Month and Year are calendar units (the day clamps to the month's end, as .NET AddMonths does). */
function addUnits(fn: string, s: Stamp, n: number, unit: unknown): Stamp {
  const u = str(fn, unit, 3).toLowerCase();
  if (FIXED_MS[u] !== undefined) return { ...s, ms: s.ms + n * FIXED_MS[u] };
  if (u !== "month" && u !== "year") {
    return fail(
      `The template language function '${fn}' was given the time unit '${String(unit)}'; expected 'Second', 'Minute', 'Hour', 'Day', 'Week', 'Month' or 'Year'.`,
    );
  }
  const d = new Date(s.ms);
  const months = d.getUTCMonth() + n * (u === "year" ? 12 : 1);
  const y = d.getUTCFullYear() + Math.floor(months / 12);
  const m = ((months % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), new Date(Date.UTC(y, m + 1, 0)).getUTCDate());
  return { ...s, ms: Date.UTC(y, m, day) + (s.ms - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) };
}

const shift = (fn: string, unitMs: number) => (a: unknown[]) => {
  const s = parseStamp(a[0], fn);
  return stampResult({ ...s, ms: s.ms + int(fn, a[1], 2) * unitMs }, a[2], fn);
};

const now = (host: ExpressionHost): Stamp => ({ ms: host.now().getTime(), ticks: host.nowTicks?.() ?? 0, utc: true });

function truncate(fn: string, a: unknown[], cut: (d: Date) => number): string {
  const s = parseStamp(a[0], fn);
  return stampResult({ ...s, ms: cut(new Date(s.ms)), ticks: 0 }, a[1], fn);
}

/** .NET TimeSpan text: [-][d.]hh:mm:ss[.fffffff] (dateDifference('2015-02-08', '2018-07-30') is "1268.00:00:00"). */
function timeSpan(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  const days = Math.floor(rest / DAY);
  rest -= days * DAY;
  const p2 = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(rest / 3_600_000);
  const m = Math.floor((rest % 3_600_000) / 60_000);
  const s = Math.floor((rest % 60_000) / 1000);
  const f = rest % 1000 ? `.${String(rest % 1000).padStart(3, "0")}0000` : "";
  return `${sign}${days ? `${days}.` : ""}${p2(h)}:${p2(m)}:${p2(s)}${f}`;
}

function convert(fn: string, ts: unknown, from: string, to: string, format: unknown): string {
  const s = parseStamp(ts, fn);
  const utcMs = s.utc ? s.ms : wallToUtc(ianaZone(fn, from), s.ms);
  const toZone = ianaZone(fn, to);
  if (toZone === "UTC") return stampResult({ ms: utcMs, ticks: s.ticks, utc: true }, format, fn);
  return stampResult({ ms: utcMs + offsetAt(toZone, utcMs) * 60_000, ticks: s.ticks, utc: false }, format, fn);
}

export const DATE_FUNCTIONS = table(
  define("utcNow", "x?", (a, host) => stampResult(now(host), a[0], "utcNow")),
  define("formatDateTime", "x,x?,x?", (a) => {
    const locale = a[2] === undefined ? "en-US" : checkLocale("formatDateTime", str("formatDateTime", a[2], 3));
    const format = optionalStr("formatDateTime", a[1], 2) ?? "o";
    return formatStamp(parseStamp(a[0], "formatDateTime"), format, locale, "formatDateTime");
  }),
  define("addDays", "x,x,x?", shift("addDays", DAY)),
  define("addHours", "x,x,x?", shift("addHours", 3_600_000)),
  define("addMinutes", "x,x,x?", shift("addMinutes", 60_000)),
  define("addSeconds", "x,x,x?", shift("addSeconds", 1000)),
  define("addToTime", "x,x,x,x?", (a) =>
    stampResult(
      addUnits("addToTime", parseStamp(a[0], "addToTime"), int("addToTime", a[1], 2), a[2]),
      a[3],
      "addToTime",
    ),
  ),
  define("subtractFromTime", "x,x,x,x?", (a) => {
    const s = parseStamp(a[0], "subtractFromTime");
    return stampResult(
      addUnits("subtractFromTime", s, -int("subtractFromTime", a[1], 2), a[2]),
      a[3],
      "subtractFromTime",
    );
  }),
  define("getFutureTime", "x,x,x?", (a, host) =>
    stampResult(addUnits("getFutureTime", now(host), int("getFutureTime", a[0]), a[1]), a[2], "getFutureTime"),
  ),
  define("getPastTime", "x,x,x?", (a, host) =>
    stampResult(addUnits("getPastTime", now(host), -int("getPastTime", a[0]), a[1]), a[2], "getPastTime"),
  ),
  define("startOfDay", "x,x?", (a) =>
    truncate("startOfDay", a, (d) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())),
  ),
  define("startOfHour", "x,x?", (a) =>
    truncate("startOfHour", a, (d) => Math.floor(d.getTime() / 3_600_000) * 3_600_000),
  ),
  define("startOfMonth", "x,x?", (a) =>
    truncate("startOfMonth", a, (d) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)),
  ),
  define("dayOfWeek", "x", (a) => new Date(parseStamp(a[0], "dayOfWeek").ms).getUTCDay()),
  define("dayOfMonth", "x", (a) => new Date(parseStamp(a[0], "dayOfMonth").ms).getUTCDate()),
  define("dayOfYear", "x", (a) => {
    const d = new Date(parseStamp(a[0], "dayOfYear").ms);
    return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY) + 1;
  }),
  define("ticks", "x", (a) => {
    const s = parseStamp(a[0], "ticks");
    return s.ms * 10_000 + s.ticks + 621_355_968_000_000_000;
  }),
  define("dateDifference", "x,x", (a) =>
    timeSpan(parseStamp(a[1], "dateDifference").ms - parseStamp(a[0], "dateDifference").ms),
  ),
  define("parseDateTime", "x,x?,x?", (a) => {
    const text = str("parseDateTime", a[0]);
    const locale = a[1] === undefined ? "en-US" : checkLocale("parseDateTime", str("parseDateTime", a[1], 2));
    const format = optionalStr("parseDateTime", a[2], 3);
    const s = format ? parseWithFormat(text, format, locale) : parseWithLocale(text, locale);
    return formatStamp(s);
  }),
  define("convertToUtc", "x,x,x?", (a) => convert("convertToUtc", a[0], str("convertToUtc", a[1], 2), "UTC", a[2])),
  define("convertFromUtc", "x,x,x?", (a) =>
    convert("convertFromUtc", a[0], "UTC", str("convertFromUtc", a[1], 2), a[2]),
  ),
  define("convertTimeZone", "x,x,x,x?", (a) =>
    convert("convertTimeZone", a[0], str("convertTimeZone", a[1], 2), str("convertTimeZone", a[2], 3), a[3]),
  ),
);
