/** Dataverse / Dynamics 365 Sales: a row in the `leads` table, as a service principal (no sign-in). */
import { randomUUID } from "crypto";
import { connectionName } from "../definition/connections";
import { asReceived, campaignNote, contactFields, crmCall, cut, leadReads } from "./payload";
import { ContactColumn, TargetSpec } from "./types";

const GUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** The component's args of this target (components/leadEndpoint.ts DataverseArgs). */
interface Args {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: unknown;
}

/**
 * Lengths from the `lead` table reference, MaxLength of each column
 * (learn.microsoft.com/power-apps/developer/data-platform/reference/entities/lead).
 */
const COLUMNS: readonly ContactColumn[] = [
  { column: "firstname", field: "FirstName", limit: 50 },
  { column: "lastname", field: "LastName", limit: 50, required: true },
  { column: "emailaddress1", field: "Email", limit: 100 },
  { column: "telephone1", field: "Phone", limit: 50 },
  { column: "companyname", field: "Company", limit: 100 },
  { column: "jobtitle", field: "Title", limit: 100 },
  { column: "address1_country", field: "Country", limit: 80 },
];

const TEXT_LIMITS = { subject: 300, description: 2000 } as const;
const API = "commondataservice" as const;

export const DATAVERSE = {
  action: "Create_dataverse_lead",
  api: API,
  oauth: false,
  settings: {
    dataverseUrl: {
      schema: { type: "string", pattern: "^https://[a-z0-9][a-z0-9-]*\\.crm[0-9]*\\.dynamics\\.com$" },
      description: "Dataverse / Dynamics 365 environment URL that receives leads in its `leads` table.",
      expect: "the environment URL https://<org>.crm<N>.dynamics.com, without a trailing slash",
      example: "https://contoso.crm4.dynamics.com",
      default: "",
    },
    dataverseTenantId: {
      schema: { type: "string", pattern: GUID },
      description: "Microsoft Entra tenant id of the Dataverse application user (service principal).",
      expect: "a GUID",
      example: "00000000-0000-0000-0000-000000000000",
      default: "",
    },
    dataverseClientId: {
      schema: { type: "string", pattern: GUID },
      description: "Application (client) id of the service principal registered as a Dataverse application user.",
      expect: "a GUID",
      example: "00000000-0000-0000-0000-000000000000",
      default: "",
    },
    dataverseClientSecret: {
      schema: { type: "string", minLength: 1 },
      description: "Client secret of that service principal.",
      expect: "the client secret",
      example: "<client-secret>",
      secret: true,
    },
  },
  config: (setting) => ({
    url: setting("dataverseUrl"),
    tenantId: setting("dataverseTenantId"),
    clientId: setting("dataverseClientId"),
  }),
  options: (args: Args) => ({ url: args.url }),
  contactColumns: COLUMNS,
  build(options: { url: string }, context) {
    const { f, doNotContact } = leadReads(context);
    return crmCall(
      "Creates a row in the Dataverse `leads` table (Dynamics 365 Sales Lead).",
      context.runAfter,
      context.retry,
      {
        host: { connection: { name: connectionName(API) } },
        method: "post",
        path: `/api/data/v9.1/@{encodeURIComponent(encodeURIComponent('leads'))}`,
        headers: {
          prefer: "return=representation,odata.include-annotations=*",
          accept: "application/json;odata.metadata=full",
          organization: options.url,
        },
        body: {
          ...contactFields(COLUMNS, context),
          subject: cut(
            `concat('Marketplace lead: ', ${f("OfferTitle")}, ' (', ${f("ActionCode")}, ')')`,
            TEXT_LIMITS.subject,
          ),
          description: cut(
            `concat(${f("Description")}, '\n\nLead source: ', ${f("LeadSource")}, ${campaignNote(context)}, ${asReceived(COLUMNS, context)})`,
            TEXT_LIMITS.description,
          ),
          donotemail: doNotContact,
          donotphone: doNotContact,
        },
      },
    );
  },
  recordIdField: "leadid",
  // The record's form by URL (learn.microsoft.com/power-apps/developer/model-driven-apps/open-forms-views-dialogs-reports-url).
  recordLink: (options, recordId) =>
    `concat('${options.url}/main.aspx?etn=lead&id=', ${recordId}, '&pagetype=entityrecord')`,
  connectionParameters: [
    "token:clientId",
    "token:clientSecret",
    "token:TenantId",
    "token:grantType",
    "token:resourceUri",
  ],
  connection: (args, secret) =>
    args
      ? {
          parameterValues: {
            "token:clientId": args.clientId,
            "token:clientSecret": secret(args.clientSecret),
            "token:TenantId": args.tenantId,
            "token:grantType": "client_credentials",
          },
        }
      : {},
  standin: {
    name: "commondataservice" as const,
    answer: (body) => ({
      statusCode: 201,
      body: { "@odata.etag": 'W/"1"', leadid: randomUUID(), ...(body as object) },
    }),
  },
} satisfies TargetSpec<{ url: string; tenantId: string; clientId: string }, Args, { url: string }>;
