/** Dataverse / Dynamics 365 Sales: a row in the `leads` table, as a service principal (no sign-in). */
import { randomUUID } from "crypto";
import { connectionName } from "../definition/connections";
import { lit } from "../definition/expressions";
import { ATTRIBUTION } from "../function-code/src/contract";
import {
  asReceived,
  attributionRead,
  campaignNote,
  contactFields,
  crmCall,
  cut,
  leadReads,
  withOptionalFields,
} from "./payload";
import { BuildContext, ContactColumn, RecordOwner, TargetSpec } from "./types";

const GUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const isGuid = (text: string) => new RegExp(GUID).test(text);
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

/** The component's args of this target (components/leadEndpoint.ts DataverseArgs). */
interface Args {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: unknown;
  campaigns?: Record<string, string>;
}

interface Options {
  url: string;
  /** Campaign value (lower case) to the `campaigns` row it binds; absent: campaigns go as text only. */
  campaigns?: Record<string, string>;
}

/**
 * A lookup is set on create by binding the related row: `<navigation property>@odata.bind` = `/<entity set>(<id>)`
 * ("Associate table rows on create", learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api).
 * The lead's `ownerid` is writable (lead table reference, "Assign: update the ownerid property":
 * learn.microsoft.com/dynamics365/sales/developer/entities/lead) and binds a user or a team: `ownerid@odata.bind`
 * to `systemusers(...)` or `teams(...)` (learn.microsoft.com/power-apps/developer/data-platform/aad-group-team,
 * "Assign a record to a Microsoft Entra ID group" / "... group member").
 */
const OWNER_SETS = { user: "systemusers", team: "teams" } as const;
const OWNER: RecordOwner = {
  field: "ownerid@odata.bind",
  expect: "user/<GUID> (a Dataverse user, systemusers) or team/<GUID> (an owner team, teams)",
  example: `team/${ZERO_GUID}`,
  valid: (owner) => {
    const [kind, id, extra] = owner.split("/");
    return kind in OWNER_SETS && id !== undefined && isGuid(id) && extra === undefined;
  },
  value: (owner) => {
    const [kind, id] = owner.split("/") as [keyof typeof OWNER_SETS, string];
    return `/${OWNER_SETS[kind]}(${id})`;
  },
};

const CAMPAIGNS_FIX = `Fix: pulumi config set dataverseCampaigns "contoso-spring=${ZERO_GUID}"`;

/**
 * `campaign=GUID;campaign=GUID`, or a YAML map (JSON text), as written; or the first problem. Campaigns match
 * without regard to case (like offers), so two spellings of one campaign are refused.
 */
export function parseCampaigns(text: string): { campaigns: Record<string, string> } | { problem: string } {
  let pairs: Array<[string, string, string]>;
  if (text.trim().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { problem: `${JSON.stringify(text)} is not a campaign=GUID map. ${CAMPAIGNS_FIX}` };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return { problem: `${JSON.stringify(text)} is not a campaign=GUID map. ${CAMPAIGNS_FIX}` };
    pairs = Object.entries(parsed).map(([k, v]) => [`${k}=${String(v)}`, k.trim(), String(v).trim()]);
  } else {
    pairs = text
      .split(";")
      .map((p) => p.trim())
      .filter((p) => p !== "")
      .map((p) => [p, p.slice(0, Math.max(p.lastIndexOf("="), 0)).trim(), p.slice(p.lastIndexOf("=") + 1).trim()]);
  }
  const campaigns: Record<string, string> = {};
  for (const [pair, campaign, id] of pairs) {
    if (!pair.includes("=") || campaign === "")
      return { problem: `"${pair}" is not a campaign=GUID pair. ${CAMPAIGNS_FIX}` };
    if (!isGuid(id)) return { problem: `"${pair}": "${id}" is not a campaign row id (a GUID). ${CAMPAIGNS_FIX}` };
    if (Object.keys(campaigns).some((c) => c.toLowerCase() === campaign.toLowerCase()))
      return {
        problem: `"${pair}": campaign "${campaign}" is listed twice (campaigns match without regard to case). ${CAMPAIGNS_FIX}`,
      };
    campaigns[campaign] = id;
  }
  return { campaigns };
}

/**
 * The lead's Source Campaign: `campaignid` is a lookup to `campaign` (lead table reference, CampaignId,
 * learn.microsoft.com/dynamics365/sales/developer/entities/lead), bound as `/campaigns(<id>)`. An expression of
 * the bind of the lead's campaign (ATTRIBUTION campaign, mktcmpid), null when the campaign is not mapped.
 */
function campaignBind(campaigns: Record<string, string>, context: BuildContext): string {
  const table = Object.fromEntries(Object.entries(campaigns).map(([c, id]) => [c, `/campaigns(${id})`]));
  return `json(${lit(JSON.stringify(table))})?[toLower(${attributionRead(ATTRIBUTION.campaign, context)})]`;
}

/**
 * Lengths from the `lead` table reference, MaxLength of each column
 * (learn.microsoft.com/power-apps/developer/data-platform/reference/entities/lead).
 */
const COLUMNS: readonly ContactColumn[] = [
  { column: "firstname", field: "FirstName", limit: 50 },
  { column: "lastname", field: "LastName", limit: 50, required: true },
  { column: "emailaddress1", field: "Email", limit: 100, whole: true },
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
      outsideDefinition: true,
      schema: { type: "string", pattern: GUID },
      description: "Microsoft Entra tenant id of the Dataverse application user (service principal).",
      expect: "a GUID",
      example: "00000000-0000-0000-0000-000000000000",
      default: "",
    },
    dataverseClientId: {
      outsideDefinition: true,
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
    dataverseCampaigns: {
      schema: { type: "string" },
      description:
        "Opt-in Dataverse campaign lookup: campaign value (mktcmpid of the lead) = the GUID of its Dataverse campaign row, " +
        "pairs separated by ; (or a map as JSON text). A lead whose campaign is listed gets its Source Campaign (campaignid) set; " +
        "others, and every lead without this setting, carry the campaign as text in the description only.",
      expect: "campaign=GUID pairs separated by ;",
      example: `contoso-spring=${ZERO_GUID}`,
      default: "",
      optional: true,
      check: (value: string) => {
        const parsed = parseCampaigns(value);
        return "problem" in parsed ? parsed.problem : undefined;
      },
    },
  },
  config: (setting) => {
    const parsed = parseCampaigns(setting("dataverseCampaigns") ?? "");
    const campaigns = "campaigns" in parsed ? parsed.campaigns : {};
    return {
      url: setting("dataverseUrl"),
      tenantId: setting("dataverseTenantId"),
      clientId: setting("dataverseClientId"),
      ...(Object.keys(campaigns).length > 0 && { campaigns }),
    };
  },
  options: (args: Args): Options => {
    const campaigns = Object.entries(args.campaigns ?? {});
    const parsed = parseCampaigns(JSON.stringify(Object.fromEntries(campaigns)));
    // The stack's settings were checked already; a component user passing a bad map hears it here.
    if ("problem" in parsed) throw new Error(`dataverse.campaigns: ${parsed.problem}`);
    if (campaigns.length === 0) return { url: args.url };
    return { url: args.url, campaigns: Object.fromEntries(campaigns.map(([c, id]) => [c.trim().toLowerCase(), id])) };
  },
  contactColumns: COLUMNS,
  owner: OWNER,
  build(options: Options, context) {
    const { f, doNotContact } = leadReads(context);
    const optional: Array<[string, string]> = [
      ...(context.owner ? [[OWNER.field, context.owner] as [string, string]] : []),
      ...(options.campaigns
        ? [["campaignid@odata.bind", campaignBind(options.campaigns, context)] as [string, string]]
        : []),
    ];
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
        body: withOptionalFields(
          {
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
          optional,
        ),
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
} satisfies TargetSpec<
  { url: string; tenantId: string; clientId: string; campaigns?: Record<string, string> },
  Args,
  Options
>;
