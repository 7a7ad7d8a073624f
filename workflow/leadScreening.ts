/**
 * What the workflow decides about a lead from its fields alone, as WDL expressions: its normalized
 * fields, whether it is Partner Center's Validate test lead, whether anyone can be contacted, and the
 * identity it is deduplicated by. Each takes a field reader, so the same rule reads the raw trigger
 * body (at archive time) or the normalized lead (later), and cannot drift between the two.
 */
import {
  at,
  LEAD_FIELDS,
  lit,
  NormalizedField,
  rawLeadField,
  rawUserField,
  USER_FIELDS,
} from "../definition/expressions";
import { attributionFields } from "./attribution";

/** Reads a normalized field as a WDL expression (no `@`). */
export type FieldReader = (name: NormalizedField) => string;

/** Prefix of every field of Partner Center's "Validate" test lead. */
export const TEST_LEAD_PREFIX = "MSFT_TEST";

/** A field as received, normalized: trimmed text whatever the key casing, e-mail lower-cased. */
export const fromTrigger: FieldReader = (name) => {
  const raw = (USER_FIELDS as readonly string[]).includes(name)
    ? rawUserField(name as (typeof USER_FIELDS)[number], "''")
    : rawLeadField(name as (typeof LEAD_FIELDS)[number], "''");
  const text = `trim(string(${raw}))`;
  return name === "Email" ? `toLower(${text})` : text;
};

/** The Compose inputs of the expression mapping: every normalized field, DNC, attribution, and the dedup key. */
export function normalizedLead(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...USER_FIELDS, ...LEAD_FIELDS]) out[name] = at(fromTrigger(name));
  // DNC ("Do Not Contact"): a cross-listed partner was asked to make contact; a heads-up only.
  out.DoNotContact = at(`equals(toUpper(${fromTrigger("ActionCode")}), ${lit("DNC")})`);
  // Campaign attribution: parsed out of LeadSource and Description, which stay whole above.
  for (const [name, expr] of Object.entries(attributionFields(fromTrigger))) out[name] = `@{${expr}}`;
  out.DedupKey = `@{${dedupKey(fromTrigger)}}`;
  return out;
}

/** Partner Center's Validate button sends a lead whose fields start with MSFT_TEST (any case). */
export function isTestLead(f: FieldReader): string {
  const checks = (["Email", "FirstName", "LastName", "Description"] as const).map(
    (name) => `startsWith(toUpper(${f(name)}), '${TEST_LEAD_PREFIX}')`,
  );
  return `or(${checks.join(", ")})`;
}

const fullName = (f: FieldReader) => `toLower(trim(concat(${f("FirstName")}, ' ', ${f("LastName")})))`;

/** Whether anyone can be contacted: an e-mail, a phone or a name. */
export function hasContact(f: FieldReader): string {
  return `or(not(empty(${f("Email")})), not(empty(${f("Phone")})), not(empty(${fullName(f)})))`;
}

/**
 * The dedup key: base64 of identity | offer id | action, `/` made `_` (the one base64 character a key may not
 * hold: "The following characters are not allowed in values for the PartitionKey and RowKey properties: The
 * forward slash (/) character ...", same page, #characters-disallowed-in-key-fields), cut to 500 characters (a RowKey
 * holds at most 1 KiB of UTF-16: learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model;
 * 500 base64 characters cover 375 bytes, far beyond any e-mail address). The identity is the e-mail, else
 * phone (digits and `+`) and name; a lead with neither gets a key of its own run, so it never matches another.
 */
export function dedupKey(f: FieldReader): string {
  const phone = ["' '", "'-'", "'('", "')'", "'.'", "'/'"].reduce((e, c) => `replace(${e}, ${c}, '')`, f("Phone"));
  const who = `if(not(empty(${f("Email")})), concat('e:', ${f("Email")}), if(and(not(empty(${phone})), not(empty(${fullName(f)}))), concat('p:', ${phone}, ':', ${fullName(f)}), ''))`;
  const offer = `toLower(if(contains(${f("LeadSource")}, '|'), last(split(${f("LeadSource")}, '|')), ${f("OfferTitle")}))`;
  const key = `take(replace(base64(concat(${who}, '|', trim(${offer}), '|', toUpper(${f("ActionCode")}))), '/', '_'), 500)`;
  return `if(empty(${who}), concat('none-', workflow()?['run']?['name']), ${key})`;
}
