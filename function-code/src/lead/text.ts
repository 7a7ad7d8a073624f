/** Text cleaning shared by every field: nothing a lead sends can crash the function or reach a CRM raw. */

/** Longest value kept per field; the rest is cut with a warning (CRM text fields are far shorter). */
export const MAX_FIELD_LENGTH = 4000;

/** C0/C1 control characters except tab and line breaks (matching them is the point here). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Cells starting with these run as formulas when a CRM export is opened in a spreadsheet. */
const FORMULA_START = /^[=+\-@\t\r]/;

export interface Cleaned {
  value: string;
  warnings: string[];
}

/**
 * A field as text: scalars are converted (with a warning), objects and arrays are refused, control
 * characters removed, whitespace trimmed, overly long values cut.
 */
export function cleanText(field: string, raw: unknown, options: { collapseSpaces?: boolean } = {}): Cleaned {
  const warnings: string[] = [];
  let value: string;
  if (raw === undefined || raw === null) return { value: "", warnings };
  if (typeof raw === "string") value = raw;
  else if (typeof raw === "number" || typeof raw === "boolean") {
    value = String(raw);
    warnings.push(`${field}: expected text, received a ${typeof raw}; converted to "${value}".`);
  } else {
    warnings.push(`${field}: expected text, received ${Array.isArray(raw) ? "an array" : "an object"}; ignored.`);
    return { value: "", warnings };
  }
  if (value.length > MAX_FIELD_LENGTH) {
    warnings.push(`${field}: ${value.length} characters, cut to ${MAX_FIELD_LENGTH}.`);
    value = value.slice(0, MAX_FIELD_LENGTH);
  }
  const stripped = value.replace(CONTROL, "");
  if (stripped !== value) warnings.push(`${field}: control characters removed.`);
  value = stripped.normalize("NFC").trim();
  if (options.collapseSpaces) value = value.replace(/\s+/g, " ");
  return { value, warnings };
}

/**
 * Free text bound for a CRM: a leading formula character is escaped with `'` (OWASP's advice for CSV
 * injection), since leads are often exported to spreadsheets.
 */
export function neutralizeFormula(field: string, value: string, warnings: string[]): string {
  if (!FORMULA_START.test(value)) return value;
  warnings.push(`${field}: starts with "${value[0]}", which spreadsheets run as a formula; prefixed with "'".`);
  return `'${value}`;
}

/** Case-insensitive key lookup (Partner Center's key casing is not guaranteed). */
export function pick(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return undefined;
  const record = obj as Record<string, unknown>;
  if (key in record) return record[key];
  const lower = key.toLowerCase();
  const found = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : record[found];
}
