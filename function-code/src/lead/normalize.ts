import { describeAction, LeadAction } from "./actionCode";
import { asText, Attribution, attribution } from "./attribution";
import { COUNTRIES, countryCode } from "./countries";
import { LeadSource, parseLeadSource } from "./leadSource";
import { schemaWarnings } from "./schema";
import { cleanText, neutralizeFormula, pick } from "./text";

export const SCHEMA_VERSION = 1;
const TEST_PREFIX = "msft_test";

export interface NormalizedLead {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  /** As received, cleaned. */
  country: string;
  /** ISO 3166-1 alpha-2, or null when not recognised. */
  countryCode: string | null;
  company: string;
  title: string;
  description: string;
  offerTitle: string;
  leadSource: LeadSource;
  action: LeadAction;
}

/** The fields the workflow's CRM actions read (same names as its plain `Normalize_lead` mapping). */
export interface CrmFields extends Attribution {
  FirstName: string;
  LastName: string;
  Email: string;
  Phone: string;
  Country: string;
  CountryCode: string;
  Company: string;
  Title: string;
  ActionCode: string;
  OfferTitle: string;
  LeadSource: string;
  Description: string;
  DoNotContact: boolean;
}

/**
 * The function's answer. No dedup key: the workflow computes the lead's (workflow/leadScreening.ts `dedupKey`)
 * with or without the function, and reads only `crm` of this answer.
 */
export interface NormalizeResult {
  lead: NormalizedLead;
  crm: CrmFields;
  isTestLead: boolean;
  warnings: string[];
  schemaVersion: number;
}

/** Validates (warnings only) and normalizes a lead object. Never throws on content. */
export function normalizeLead(body: Record<string, unknown>): NormalizeResult {
  const warnings = schemaWarnings(body);
  const user = pick(body, "UserDetails");
  if (user !== undefined && (user === null || typeof user !== "object" || Array.isArray(user))) {
    warnings.push("UserDetails: expected an object; ignored.");
  }
  const text = (source: unknown, key: string, label: string, collapse = false) => {
    const r = cleanText(label, pick(source, key), { collapseSpaces: collapse });
    warnings.push(...r.warnings);
    return r.value;
  };
  const email = text(user, "Email", "UserDetails.Email").toLowerCase();
  if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) && !email.startsWith(TEST_PREFIX)) {
    warnings.push(`UserDetails.Email: "${email}" does not look like an e-mail address.`);
  }
  const country = text(user, "Country", "UserDetails.Country", true);
  const code = countryCode(country);
  if (country && !code) warnings.push(`UserDetails.Country: "${country}" is not a recognised country; kept as is.`);
  const leadSource = parseLeadSource(text(body, "LeadSource", "LeadSource"));
  const action = describeAction(text(body, "ActionCode", "ActionCode") || leadSource.action);

  const lead: NormalizedLead = {
    firstName: text(user, "FirstName", "UserDetails.FirstName", true),
    lastName: text(user, "LastName", "UserDetails.LastName", true),
    email,
    phone: text(user, "Phone", "UserDetails.Phone", true),
    country,
    countryCode: code,
    company: text(user, "Company", "UserDetails.Company", true),
    title: text(user, "Title", "UserDetails.Title", true),
    description: text(body, "Description", "Description"),
    offerTitle: text(body, "OfferTitle", "OfferTitle", true),
    leadSource,
    action,
  };
  const isTestLead = [lead.firstName, lead.lastName, lead.email, lead.description, lead.company].some((v) =>
    v.toLowerCase().startsWith(TEST_PREFIX),
  );
  const crm: CrmFields = {
    FirstName: neutralizeFormula("FirstName", lead.firstName, warnings),
    LastName: neutralizeFormula("LastName", lead.lastName, warnings),
    Email: lead.email,
    Phone: lead.phone,
    Country: code ? COUNTRIES.get(code)!.name : neutralizeFormula("Country", lead.country, warnings),
    CountryCode: code ?? "",
    Company: neutralizeFormula("Company", lead.company, warnings),
    Title: neutralizeFormula("Title", lead.title, warnings),
    ActionCode: action.code,
    OfferTitle: neutralizeFormula("OfferTitle", lead.offerTitle, warnings),
    LeadSource: leadSource.raw,
    Description: neutralizeFormula("Description", lead.description, warnings),
    DoNotContact: action.doNotContact,
    // From the texts as received (not cleaned), so the fields equal the expression mapping's.
    ...attribution(asText(pick(body, "LeadSource")), asText(pick(body, "Description"))),
  };
  return { lead, crm, isTestLead, warnings, schemaVersion: SCHEMA_VERSION };
}
