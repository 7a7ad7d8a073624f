import { CrmTarget } from "../config/settings";
import { connectionName } from "../definition/connections";
import { field, htmlEscaped, interp, NormalizedField, rawLeadField, TABLE_TEXT_LIMIT } from "../definition/expressions";
import { EntityKeys, upsertEntity } from "../definition/tableActions";
import { RetryPolicy, RunAfter, WorkflowAction } from "../definition/types";

/** What the CRM actions need to know; built from the stack's settings. */
export interface CrmOptions {
  dataverse?: { url: string };
  salesforce?: { leadSource: string };
  email?: { to: string };
  webhook?: { secretHeader: string };
  azureTable?: { tableName: string };
  /** Retry policy of every CRM call. */
  retry: RetryPolicy;
  /** Name of the Compose action holding the normalized lead. */
  normalizeAction: string;
  /** Keys of the archived row, sent along so a CRM record can be traced back to it. */
  keys: EntityKeys;
}

/** Action name per target; part of the run history users read, so stable and descriptive. */
export const TARGET_ACTION: Record<CrmTarget, string> = {
  dataverse: "Create_dataverse_lead",
  salesforce: "Create_salesforce_lead",
  email: "Send_email_notice",
  webhook: "Post_webhook",
  azureTable: "Write_marketplace_table",
};

/** Run history must not show lead PII, nor the webhook secret header. */
const SECURE_ALL = { secureData: { properties: ["inputs", "outputs"] as Array<"inputs" | "outputs"> } };

/** Salesforce rejects a Lead without LastName or Company, Dataverse without lastname. */
const NOT_PROVIDED = "(not provided)";

/**
 * Longest text each CRM column takes. A longer value is refused with 400, which Logic Apps never retries
 * (it retries 408, 429 and 5xx only: learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling#retry-policies),
 * so the lead would be dead-lettered on every replay. Values are cut to these limits; the archive keeps them whole.
 * Dataverse: the `lead` table reference, MaxLength of each column
 * (learn.microsoft.com/power-apps/developer/data-platform/reference/entities/lead).
 * Salesforce: Object Reference, Lead fields (developer.salesforce.com/docs/atlas.en-us.object_reference.meta/
 * object_reference/sforce_api_objects_lead.htm): text field lengths.
 */
type LimitedCrm = "dataverse" | "salesforce";

/** A CRM contact column: the lead field it takes and its length; `required` gets NOT_PROVIDED when empty. */
interface ContactColumn {
  column: string;
  field: NormalizedField;
  limit: number;
  required?: boolean;
}

export const CONTACT_COLUMNS: Record<LimitedCrm, ContactColumn[]> = {
  dataverse: [
    { column: "firstname", field: "FirstName", limit: 50 },
    { column: "lastname", field: "LastName", limit: 50, required: true },
    { column: "emailaddress1", field: "Email", limit: 100 },
    { column: "telephone1", field: "Phone", limit: 50 },
    { column: "companyname", field: "Company", limit: 100 },
    { column: "jobtitle", field: "Title", limit: 100 },
    { column: "address1_country", field: "Country", limit: 80 },
  ],
  salesforce: [
    { column: "FirstName", field: "FirstName", limit: 40 },
    { column: "LastName", field: "LastName", limit: 80, required: true },
    { column: "Company", field: "Company", limit: 255, required: true },
    { column: "Email", field: "Email", limit: 80 },
    { column: "Phone", field: "Phone", limit: 40 },
    { column: "Title", field: "Title", limit: 128 },
    { column: "Country", field: "Country", limit: 80 },
  ],
};

/** Lengths of the text columns that are not contact fields. */
export const TEXT_LIMITS = {
  dataverse: { subject: 300, description: 2000 },
  salesforce: { Description: 32000 },
} as const;

/** The expression a target's ledger column records: the CRM's record id, or `sent` where there is none. */
export function targetRecordId(target: CrmTarget): string {
  switch (target) {
    case "dataverse":
      return `coalesce(body('${TARGET_ACTION.dataverse}')?['leadid'], 'sent')`;
    case "salesforce":
      return `coalesce(body('${TARGET_ACTION.salesforce}')?['Id'], 'sent')`;
    default:
      return "'sent'";
  }
}

/** `take()` of an interpolated text to a column's limit. */
const cut = (text: string, limit: number) => `@{take(coalesce(${text}, ''), ${limit})}`;

/** Builds the action of each configured target, in the order of {@link TARGET_ACTION}. */
export function crmActions(options: CrmOptions, runAfter: RunAfter): Record<string, WorkflowAction> {
  const f = (name: NormalizedField) => field(name, options.normalizeAction);
  const orNotProvided = (name: NormalizedField) => `if(empty(${f(name)}), '${NOT_PROVIDED}', ${f(name)})`;
  const text = (name: NormalizedField) => interp(f(name));
  const doNotContact = `@outputs('${options.normalizeAction}')?['DoNotContact']`;
  // Each contact column cut to its length (a required one never empty).
  const contact = (crm: LimitedCrm) =>
    Object.fromEntries(
      CONTACT_COLUMNS[crm].map((c) => [c.column, cut(c.required ? orNotProvided(c.field) : f(c.field), c.limit)]),
    );
  // When a contact field had to be cut, the description carries them all as received (as far as it fits).
  const asReceived = (crm: LimitedCrm) => {
    const over = CONTACT_COLUMNS[crm].map((c) => `greater(length(${f(c.field)}), ${c.limit})`);
    const whole = CONTACT_COLUMNS[crm].map((c) => `'\n${c.field}: ', ${f(c.field)}`).join(", ");
    return `if(or(${over.join(", ")}), concat('\n\nAs received (cut to fit the CRM):', ${whole}), '')`;
  };
  const dv = TEXT_LIMITS.dataverse;
  const actions: Record<string, WorkflowAction> = {};

  if (options.dataverse) {
    actions[TARGET_ACTION.dataverse] = crmCall(
      "Creates a row in the Dataverse `leads` table (Dynamics 365 Sales Lead).",
      runAfter,
      options.retry,
      {
        host: { connection: { name: connectionName("commondataservice") } },
        method: "post",
        path: `/api/data/v9.1/@{encodeURIComponent(encodeURIComponent('leads'))}`,
        headers: {
          prefer: "return=representation,odata.include-annotations=*",
          accept: "application/json;odata.metadata=full",
          organization: options.dataverse.url,
        },
        body: {
          ...contact("dataverse"),
          subject: cut(`concat('Marketplace lead: ', ${f("OfferTitle")}, ' (', ${f("ActionCode")}, ')')`, dv.subject),
          description: cut(
            `concat(${f("Description")}, '\n\nLead source: ', ${f("LeadSource")}, ${asReceived("dataverse")})`,
            dv.description,
          ),
          donotemail: doNotContact,
          donotphone: doNotContact,
        },
      },
    );
  }
  if (options.salesforce) {
    actions[TARGET_ACTION.salesforce] = crmCall(
      "Creates a Salesforce Lead (LastName and Company are required there).",
      runAfter,
      options.retry,
      {
        host: { connection: { name: connectionName("salesforce") } },
        method: "post",
        path: `/v2/datasets/default/tables/@{encodeURIComponent(encodeURIComponent('Lead'))}/items`,
        body: {
          ...contact("salesforce"),
          Description: cut(
            `concat(${f("Description")}, '\n\nOffer: ', ${f("OfferTitle")}, '\nLead source: ', ${f("LeadSource")}, ${asReceived("salesforce")})`,
            TEXT_LIMITS.salesforce.Description,
          ),
          LeadSource: options.salesforce.leadSource,
          HasOptedOutOfEmail: doNotContact,
          DoNotCall: doNotContact,
        },
      },
    );
  }
  if (options.email) {
    const row = (label: string, name: NormalizedField) =>
      `<tr><th align="left">${label}</th><td>@{${htmlEscaped(f(name))}}</td></tr>`;
    actions[TARGET_ACTION.email] = crmCall(
      "Sends an Office 365 e-mail notice of the lead to the sales address.",
      runAfter,
      options.retry,
      {
        host: { connection: { name: connectionName("office365") } },
        method: "post",
        path: "/v2/Mail",
        body: {
          To: options.email.to,
          Subject: `New Marketplace lead: ${text("OfferTitle")} (${text("ActionCode")})`,
          Body:
            "<p>A new lead arrived from Microsoft commercial marketplace.</p><table>" +
            row("Name", "FirstName") +
            row("Last name", "LastName") +
            row("E-mail", "Email") +
            row("Phone", "Phone") +
            row("Company", "Company") +
            row("Title", "Title") +
            row("Country", "Country") +
            row("Offer", "OfferTitle") +
            row("Action", "ActionCode") +
            row("Lead source", "LeadSource") +
            row("Description", "Description") +
            "</table><p>@{if(outputs('" +
            options.normalizeAction +
            "')?['DoNotContact'], 'Do not contact (DNC): this is a heads-up only.', '')}</p>",
          Importance: "Normal",
        },
      },
    );
  }
  if (options.webhook) {
    actions[TARGET_ACTION.webhook] = crmCall(
      "POSTs the normalized and the raw lead as JSON to the configured webhook.",
      runAfter,
      options.retry,
      {
        method: "POST",
        uri: "@parameters('webhookUrl')",
        headers: {
          "Content-Type": "application/json",
          [options.webhook.secretHeader]: "@parameters('webhookSecret')",
        },
        body: {
          event: "marketplace.lead",
          archive: { partitionKey: `@{${options.keys.partitionKey}}`, rowKey: `@{${options.keys.rowKey}}` },
          lead: `@removeProperty(outputs('${options.normalizeAction}'), 'DedupKey')`,
          raw: "@triggerBody()",
        },
      },
      "Http",
    );
  }
  if (options.azureTable) {
    actions[TARGET_ACTION.azureTable] = upsertEntity(
      options.azureTable.tableName,
      options.keys,
      microsoftTableColumns(),
      {
        runAfter,
        description:
          "Writes the lead in the layout of Partner Center's 'Azure Table' destination, for tools built on it.",
        retryPolicy: options.retry,
      },
    );
  }
  return actions;
}

/**
 * The columns Partner Center's own "Azure Table" destination writes (table `MarketplaceLeads`),
 * from the raw lead so nothing is lost in translation.
 */
export function microsoftTableColumns(): Record<string, string> {
  const bounded = (expr: string) => `@{take(string(${expr}), ${TABLE_TEXT_LIMIT})}`;
  return {
    ActionCode: bounded(rawLeadField("ActionCode", "''")),
    CreatedTime: "@{trigger()?['startTime']}",
    CustomerInfo: bounded(rawLeadField("UserDetails", "json('{}')")),
    Description: bounded(rawLeadField("Description", "''")),
    LeadSource: bounded(rawLeadField("LeadSource", "''")),
    OfferDisplayName: bounded(rawLeadField("OfferTitle", "''")),
  };
}

function crmCall(
  description: string,
  runAfter: RunAfter,
  retryPolicy: RetryPolicy,
  inputs: Record<string, unknown>,
  type: "ApiConnection" | "Http" = "ApiConnection",
): WorkflowAction {
  return {
    type,
    description,
    runAfter,
    inputs: { ...inputs, retryPolicy },
    runtimeConfiguration: SECURE_ALL,
  };
}
