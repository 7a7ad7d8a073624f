/** Number formatting and parsing with a locale: formatNumber() (.NET numeric formats on Intl) and float()/isFloat(). */
import { fail, str } from "./signature";

/** Group and decimal separators of a locale, from Intl. */
function separators(locale: string): { group: string; decimal: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  return {
    group: parts.find((p) => p.type === "group")?.value ?? ",",
    decimal: parts.find((p) => p.type === "decimal")?.value ?? ".",
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A float as .NET's Double.Parse reads it with the locale's separators. The reference's float() examples ("Examples of
 * unexpectedly valid inputs") show the rules: group separators anywhere in the integer part ('12,3,4,5678'), the
 * sign before or after the number ('1234567,8+', '12345,6,78,-'), a decimal separator with no digits on one side
 * ('12345678.-', '.12345678').
 */
export function parseLocaleFloat(fn: string, text: string, locale: unknown): number | undefined {
  const { group, decimal } =
    locale === undefined ? { group: ",", decimal: "." } : separators(validLocale(fn, str(fn, locale, 2)));
  const g = group.replace(/\u00a0|\u202f/, " ");
  const t = text.trim().replace(/\u00a0|\u202f/g, " ");
  const re = new RegExp(`^([-+])?((?:\\d(?:\\d|${escape(g)})*)?)(?:${escape(decimal)}(\\d*))?([eE][-+]?\\d+)?([-+])?$`);
  const m = re.exec(t);
  if (!m || (m[1] && m[5])) return undefined;
  const whole = m[2].split(g).join("");
  const fraction = m[3] ?? "";
  if (!whole && !fraction) return undefined;
  const sign = (m[1] ?? m[5]) === "-" ? "-" : "";
  return Number(`${sign}${whole || "0"}.${fraction || "0"}${m[4] ?? ""}`);
}

function validLocale(fn: string, locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0];
  } catch {
    return fail(`The template language function '${fn}' was given the locale '${locale}', which is not valid.`);
  }
}

/** Currency of a locale's region, for 'C'. Regions outside this table fail with a clear error. */
/**
 * Regions whose currency .NET's culture data (what Azure formats with) writes otherwise than ICU (Intl):
 * the reference prints `formatNumber(17.35, 'C2', 'is-IS')` as `17,35 kr`, ICU `17,35\u00a0kr.`. Refused
 * with a clear error rather than answered with a value Azure would not give.
 */
const CURRENCY_DIFFERS: readonly string[] = ["IS"];

const CURRENCY: Record<string, string> = {
  US: "USD",
  GB: "GBP",
  IS: "ISK",
  DE: "EUR",
  FR: "EUR",
  ES: "EUR",
  IT: "EUR",
  NL: "EUR",
  IE: "EUR",
  AT: "EUR",
  BE: "EUR",
  PT: "EUR",
  FI: "EUR",
  JP: "JPY",
  CA: "CAD",
  AU: "AUD",
  CH: "CHF",
  SE: "SEK",
  NO: "NOK",
  DK: "DKK",
  IN: "INR",
  BR: "BRL",
  MX: "MXN",
  CN: "CNY",
  PL: "PLN",
  NZ: "NZD",
  ZA: "ZAR",
};

/** formatNumber(<number>, <format>, <locale>?): .NET standard (N, F, C, D, P) and custom ('0,0.00', '#.##') formats. */
export function formatNumber(n: number, format: string, localeArg: unknown): string {
  const locale = localeArg === undefined ? "en-US" : validLocale("formatNumber", str("formatNumber", localeArg, 3));
  const std = /^([NnFfCcDdPp])(\d*)$/.exec(format);
  if (std) return standardNumber(n, std[1].toUpperCase(), std[2], locale);
  const custom = /^([^#0,.]*)([#0,]*)(?:\.([#0]+))?([^#0,.]*)$/.exec(format);
  if (!custom || !custom[2])
    return fail(
      `The template language function 'formatNumber' cannot apply the format '${format}' in the local runtime; supported: N, F, C, D, P with digits, and custom patterns of 0, #, ',' and '.'.`,
    );
  const [, prefix, whole, frac = "", suffix] = custom;
  return (
    prefix +
    new Intl.NumberFormat(locale, {
      useGrouping: whole.replace(/,+$/, "").includes(","),
      minimumIntegerDigits: Math.max(1, (whole.match(/0/g) ?? []).length),
      minimumFractionDigits: (frac.match(/0/g) ?? []).length,
      maximumFractionDigits: frac.length,
    }).format(n) +
    suffix
  );
}

function standardNumber(n: number, kind: string, digitsText: string, locale: string): string {
  const digits = digitsText === "" ? undefined : Number(digitsText);
  const fixed = (d: number) => ({ minimumFractionDigits: d, maximumFractionDigits: d });
  switch (kind) {
    case "N":
      return new Intl.NumberFormat(locale, fixed(digits ?? 2)).format(n);
    case "F":
      return new Intl.NumberFormat(locale, { ...fixed(digits ?? 2), useGrouping: false }).format(n);
    case "P":
      return new Intl.NumberFormat(locale, { style: "percent", ...fixed(digits ?? 2) }).format(n);
    case "D":
      if (!Number.isInteger(n))
        fail(`The template language function 'formatNumber' format 'D' needs an integer; received '${n}'.`);
      return new Intl.NumberFormat(locale, {
        useGrouping: false,
        minimumIntegerDigits: Math.max(1, digits ?? 1),
      }).format(n);
  }
  const region = new Intl.Locale(locale).maximize().region ?? "";
  const currency =
    CURRENCY[region] ??
    fail(
      `The template language function 'formatNumber' does not know the currency of locale '${locale}' in the local runtime.`,
    );
  if (CURRENCY_DIFFERS.includes(region))
    fail(
      `The template language function 'formatNumber' cannot format currency ('${kind}') for locale '${locale}' as Azure does in the local runtime: .NET and ICU disagree on its symbol and spacing.`,
    );
  return new Intl.NumberFormat(locale, { style: "currency", currency, ...fixed(digits ?? 2) }).format(n);
}
