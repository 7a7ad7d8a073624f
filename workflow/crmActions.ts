import { CrmTarget } from "../config/settings";
import { connectionName } from "./connections";
import { field, htmlEscaped, interp, NormalizedField, rawLeadField, TABLE_TEXT_LIMIT } from "./expressions";
import { EntityKeys, upsertEntity } from "./tableActions";
import { RetryPolicy, RunAfter, WorkflowAction } from "./wdl";

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
export const FIELD_LIMITS = {
  dataverse: {
    subject: 300,
    firstname: 50,
    lastname: 50,
    emailaddress1: 100,
    telephone1: 50,
    companyname: 100,
    jobtitle: 100,
    address1_country: 80,
    description: 2000,
  },
  salesforce: {
    FirstName: 40,
    LastName: 80,
    Company: 255,
    Email: 80,
    Phone: 40,
    Title: 128,
    Country: 80,
    Description: 32000,
  },
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
  const dv = FIELD_LIMITS.dataverse;
  const sf = FIELD_LIMITS.salesforce;
  const dvLimits = {
    FirstName: dv.firstname,
    LastName: dv.lastname,
    Email: dv.emailaddress1,
    Phone: dv.telephone1,
    Company: dv.companyname,
    Title: dv.jobtitle,
    Country: dv.address1_country,
  };
  const sfLimits = {
    FirstName: sf.FirstName,
    LastName: sf.LastName,
    Email: sf.Email,
    Phone: sf.Phone,
    Company: sf.Company,
    Title: sf.Title,
    Country: sf.Country,
  };
  // When a contact field had to be cut, the description carries it as received (as far as it fits).
  const asReceived = (limits: Partial<Record<NormalizedField, number>>) => {
    const over = Object.entries(limits).map(([name, n]) => `greater(length(${f(name as NormalizedField)}), ${n})`);
    const whole = (["FirstName", "LastName", "Company", "Title", "Email", "Phone", "Country"] as const)
      .map((name) => `'\n${name}: ', ${f(name)}`)
      .join(", ");
    return `if(or(${over.join(", ")}), concat('\n\nAs received (cut to fit the CRM):', ${whole}), '')`;
  };
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
          subject: cut(`concat('Marketplace lead: ', ${f("OfferTitle")}, ' (', ${f("ActionCode")}, ')')`, dv.subject),
          firstname: cut(f("FirstName"), dv.firstname),
          lastname: cut(orNotProvided("LastName"), dv.lastname),
          emailaddress1: cut(f("Email"), dv.emailaddress1),
          telephone1: cut(f("Phone"), dv.telephone1),
          companyname: cut(f("Company"), dv.companyname),
          jobtitle: cut(f("Title"), dv.jobtitle),
          address1_country: cut(f("Country"), dv.address1_country),
          description: cut(
            `concat(${f("Description")}, '\n\nLead source: ', ${f("LeadSource")}, ${asReceived(dvLimits)})`,
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
          FirstName: cut(f("FirstName"), sf.FirstName),
          LastName: cut(orNotProvided("LastName"), sf.LastName),
          Company: cut(orNotProvided("Company"), sf.Company),
          Email: cut(f("Email"), sf.Email),
          Phone: cut(f("Phone"), sf.Phone),
          Title: cut(f("Title"), sf.Title),
          Country: cut(f("Country"), sf.Country),
          Description: cut(
            `concat(${f("Description")}, '\n\nOffer: ', ${f("OfferTitle")}, '\nLead source: ', ${f("LeadSource")}, ${asReceived(sfLimits)})`,
            sf.Description,
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
          lead: `@outputs('${options.normalizeAction}')`,
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
