/** Salesforce: a Lead through the Salesforce connector (OAuth: a person signs in once after deployment). */
import { randomUUID } from "crypto";
import { connectionName } from "../definition/connections";
import { asReceived, campaignNote, contactFields, crmCall, cut, leadReads, withOptionalFields } from "./payload";
import { ContactColumn, RecordOwner, TargetSpec } from "./types";

/** The component's args of this target (components/leadEndpoint.ts SalesforceArgs). */
interface Args {
  loginUri?: string;
  leadSource?: string;
}

/**
 * Lengths from the Object Reference, Lead fields (developer.salesforce.com/docs/atlas.en-us.object_reference.meta/
 * object_reference/sforce_api_objects_lead.htm): text field lengths.
 */
export const COLUMNS: readonly ContactColumn[] = [
  { column: "FirstName", field: "FirstName", limit: 40 },
  { column: "LastName", field: "LastName", limit: 80, required: true },
  { column: "Company", field: "Company", limit: 255, required: true },
  { column: "Email", field: "Email", limit: 80, address: true },
  { column: "Phone", field: "Phone", limit: 40 },
  { column: "Title", field: "Title", limit: 128 },
  { column: "Country", field: "Country", limit: 80 },
];

const TEXT_LIMITS = { Description: 32000 } as const;

/** An e-mail address to the stand-in: simpler than Salesforce's own test, the one the payload applies (payload.ts). */
export const ADDRESS = /^[^ @]+@[^ @]+\.[^ @.]+$/;

/**
 * What Salesforce refuses in a new Lead, as the stand-in answers it: a REST error array (developer.salesforce.com/
 * docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm) with the StatusCode values of the SOAP API's core data
 * types (REQUIRED_FIELD_MISSING, STRING_TOO_LONG, INVALID_EMAIL_ADDRESS). An empty text is no value: Salesforce
 * stores '' as null (salesforce.stackexchange.com/questions/333174).
 */
function refusals(lead: Record<string, unknown>): Array<{ message: string; errorCode: string; fields: string[] }> {
  const text = (column: string) => (typeof lead[column] === "string" ? (lead[column] as string) : "");
  const missing = COLUMNS.filter((c) => c.required && text(c.column) === "").map((c) => c.column);
  if (missing.length > 0)
    return [
      {
        message: `Required fields are missing: [${missing.join(", ")}]`,
        errorCode: "REQUIRED_FIELD_MISSING",
        fields: missing,
      },
    ];
  const email = text("Email");
  if (email !== "" && !ADDRESS.test(email))
    return [
      { message: `Email: invalid email address: ${email}`, errorCode: "INVALID_EMAIL_ADDRESS", fields: ["Email"] },
    ];
  return [...COLUMNS, ...Object.entries(TEXT_LIMITS).map(([column, limit]) => ({ column, limit }))]
    .filter((c) => text(c.column).length > c.limit)
    .map((c) => ({
      message: `${c.column}: data value too large (max length=${c.limit})`,
      errorCode: "STRING_TOO_LONG",
      fields: [c.column],
    }));
}

/**
 * A Lead's owner: "When creating or updating a Case or Lead, a client application ... can set this field to any
 * valid User in the organization or to any valid queue of the appropriate type" (OwnerId, Frequently Occurring
 * Fields: developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_fequently_occurring_fields.htm).
 * Ids are 15 case-sensitive or 18 case-safe letters and digits, both taken by every API (ID field type, quoted at
 * salesforce.stackexchange.com/tags/salesforce-id/info); a user's begin 005, a queue's (a Group) 00G (object key
 * prefixes, salesforceben.com/salesforce-object-key-prefix-list): a lead, role or profile id is refused here.
 */
const OWNER: RecordOwner = {
  field: "OwnerId",
  expect: "a user id (005...) or a queue id (00G...), 15 or 18 letters and digits",
  example: "00G000000000001",
  valid: (owner) => /^(005|00G)([A-Za-z0-9]{12}|[A-Za-z0-9]{15})$/.test(owner),
  value: (owner) => owner,
};
const API = "salesforce" as const;

const SETTINGS = {
  salesforceLoginUri: {
    outsideDefinition: true,
    schema: { type: "string", pattern: "^https://[^\\s/]+$" },
    description: "Salesforce login host: https://login.salesforce.com, or https://test.salesforce.com for a sandbox.",
    expect: "an https URL without a path",
    example: "https://login.salesforce.com",
    default: "https://login.salesforce.com",
  },
  salesforceLeadSource: {
    schema: { type: "string", minLength: 1, maxLength: 40 },
    description: "Value written to Lead.LeadSource; must exist in the org's Lead Source picklist.",
    expect: "1-40 characters",
    example: "Web",
    default: "Web",
  },
};

export const SALESFORCE = {
  action: "Create_salesforce_lead",
  api: API,
  oauth: true,
  settings: SETTINGS,
  config: (setting) => ({ loginUri: setting("salesforceLoginUri"), leadSource: setting("salesforceLeadSource") }),
  options: (args: Args) => ({ leadSource: args.leadSource ?? SETTINGS.salesforceLeadSource.default }),
  contactColumns: COLUMNS,
  owner: OWNER,
  build(options: { leadSource: string }, context) {
    const { f, doNotContact } = leadReads(context);
    return crmCall(
      "Creates a Salesforce Lead (LastName and Company are required there).",
      context.runAfter,
      context.retry,
      {
        host: { connection: { name: connectionName(API) } },
        method: "post",
        path: `/v2/datasets/default/tables/@{encodeURIComponent(encodeURIComponent('Lead'))}/items`,
        body: withOptionalFields(
          {
            ...contactFields(COLUMNS, context),
            Description: cut(
              `concat(${f("Description")}, '\n\nOffer: ', ${f("OfferTitle")}, '\nLead source: ', ${f("LeadSource")}, ${campaignNote(context)}, ${asReceived(COLUMNS, context)})`,
              TEXT_LIMITS.Description,
            ),
            LeadSource: options.leadSource,
            HasOptedOutOfEmail: doNotContact,
            DoNotCall: doNotContact,
          },
          context.owner ? [[OWNER.field, context.owner]] : [],
        ),
      },
    );
  },
  recordIdField: "Id",
  connectionParameters: ["token:LoginUri"],
  connection: (args) => ({
    nonSecretParameterValues: { "token:LoginUri": args?.loginUri ?? SETTINGS.salesforceLoginUri.default },
  }),
  standin: {
    name: API,
    answer: (body) => {
      const errors = refusals(body as Record<string, unknown>);
      if (errors.length > 0) return { statusCode: 400, body: errors };
      return {
        statusCode: 201,
        body: { Id: `00Q${randomUUID().replace(/-/g, "").slice(0, 15)}`, ...(body as object) },
      };
    },
  },
} satisfies TargetSpec<{ loginUri: string; leadSource: string }, Args, { leadSource: string }>;
