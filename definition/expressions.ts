/**
 * Building blocks for the workflow's expressions, so every action reads lead fields the same way.
 * Partner Center does not guarantee the casing of the lead's keys (translated docs show
 * `userDetails`), so raw fields are read as PascalCase, then camelCase.
 */

/** Lead fields as the kit names them (PascalCase, as in Microsoft's schema). */
export const USER_FIELDS = ["FirstName", "LastName", "Email", "Phone", "Country", "Company", "Title"] as const;
export const LEAD_FIELDS = ["ActionCode", "OfferTitle", "LeadSource", "Description"] as const;
export type NormalizedField = (typeof USER_FIELDS)[number] | (typeof LEAD_FIELDS)[number];

/** Longest text stored in one Azure Table property (the service limit is 32K UTF-16 characters). */
export const TABLE_TEXT_LIMIT = 30000;

const camel = (name: string) => name[0].toLowerCase() + name.slice(1);

/** `coalesce` of the given expressions. */
const coalesce = (...exprs: string[]) => `coalesce(${exprs.join(", ")})`;

/**
 * `triggerBody()?['X']`, then the camelCase key, then `fallbacks`. Root-level reads only: the
 * trigger guarantees the body is an object, so these never fail.
 */
export function rawLeadField(name: (typeof LEAD_FIELDS)[number] | "UserDetails", ...fallbacks: string[]): string {
  return coalesce(`triggerBody()?['${name}']`, `triggerBody()?['${camel(name)}']`, ...fallbacks);
}

/** A user field as received: `UserDetails.X`, then `userDetails.x`, then `fallbacks`. */
export function rawUserField(name: (typeof USER_FIELDS)[number], ...fallbacks: string[]): string {
  return coalesce(
    `triggerBody()?['UserDetails']?['${name}']`,
    `triggerBody()?['userDetails']?['${camel(name)}']`,
    ...fallbacks,
  );
}

/** Reads a field of the `Normalize_lead` Compose output. */
export function field(name: NormalizedField, normalizeAction: string): string {
  return `outputs('${normalizeAction}')?['${name}']`;
}

/** A text value made safe for an HTML e-mail body: WDL has no HTML encoder, so escape by hand. */
export function htmlEscaped(expr: string): string {
  return `replace(replace(replace(replace(${expr}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;')`;
}

/** `@{expr}` interpolation segment. */
export const interp = (expr: string) => `@{${expr}}`;

/** Whole-value expression. */
export const at = (expr: string) => `@${expr}`;

/** A WDL string literal (single quotes doubled). */
export function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
