/** String functions of the functions reference ("String functions"). Searches ignore case where the page says so. */
import { formatNumber, parseLocaleFloat } from "../numbers";
import { define, fail, num, table } from "../signature";
import { toText } from "../values";

const lower = (v: unknown) => (v as string).toLowerCase();

/** concat() of values as text; a loop, as the kit's definitions build keys with nested concat() calls. */
function concatText(values: unknown[]): string {
  let text = "";
  for (let i = 0; i < values.length; i++) text += toText(values[i]);
  return text;
}

function lastIndexOf(text: string, search: string): number {
  // "If only the substring value is empty, the function returns the string length minus 1" (functions reference).
  if (search === "") return text === "" ? 0 : text.length - 1;
  return text.lastIndexOf(search);
}

function nthIndexOf(text: string, search: string, occurrence: number): number {
  let n = occurrence;
  // "If occurrence is negative, start searching from the end" (functions reference, nthIndexOf()).
  if (n < 0) {
    let at = text.length;
    while (n++ < 0) if ((at = at <= 0 ? -1 : text.lastIndexOf(search, at - 1)) < 0) return -1;
    return at;
  }
  let at = -1;
  while (n-- > 0) if ((at = text.indexOf(search, at + 1)) < 0) return -1;
  return at;
}

function substring(text: string, start: number, length: number | undefined): string {
  const count = length === undefined ? text.length - start : length;
  if (start < 0 || count < 0 || start + count > text.length) {
    fail(
      `The template language function 'substring' parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string.`,
    );
  }
  return text.substr(start, count);
}

function guidFormat(guid: string, format: string | undefined): string {
  const f = format === undefined ? "D" : format.toUpperCase();
  if (f === "N") return guid.replace(/-/g, "");
  if (f === "D") return guid;
  if (f === "B") return `{${guid}}`;
  if (f === "P") return `(${guid})`;
  return fail(`The template language function 'guid' expects the format 'N', 'D', 'B' or 'P'; received '${format}'.`);
}

export const STRING_FUNCTIONS = table(
  define("concat", "x+", (a) => (a.every(Array.isArray) ? (a as unknown[][]).flat() : concatText(a))),
  define("substring", "s,i,i?", ([s, start, length]) =>
    substring(s as string, start as number, length as number | undefined),
  ),
  define("slice", "s,i,i?", ([s, start, end]) => (s as string).slice(start as number, end as number | undefined)),
  define("replace", "s,s,s", ([s, from, to]) => (s as string).split(from as string).join(to as string)),
  define("toLower", "s", ([s]) => lower(s)),
  define("toUpper", "s", ([s]) => (s as string).toUpperCase()),
  define("trim", "s", ([s]) => (s as string).trim()),
  define("indexOf", "s,s", ([s, search]) => lower(s).indexOf(lower(search))),
  define("lastIndexOf", "s,s", ([s, search]) => lastIndexOf(lower(s), lower(search))),
  define("nthIndexOf", "s,s,i", ([s, search, n]) => nthIndexOf(lower(s), lower(search), n as number)),
  define("startsWith", "s,s", ([s, search]) => lower(s).startsWith(lower(search))),
  define("endsWith", "s,s", ([s, search]) => lower(s).endsWith(lower(search))),
  define("split", "s,s", ([s, separator]) => (s as string).split(separator as string)),
  define("guid", "s?", ([format], host) => guidFormat(host.newGuid(), format as string | undefined)),
  define("isInt", "s", ([s]) => /^[-+]?\d+$/.test((s as string).trim())),
  define("isFloat", "s,x?", ([s, locale]) => parseLocaleFloat("isFloat", s as string, locale) !== undefined),
  define("formatNumber", "n,s,x?", ([n, format, locale]) =>
    formatNumber(num("formatNumber", n), format as string, locale),
  ),
);
