/**
 * Every stack setting the kit reads, in one table: the JSON schema that validates a stack, the README
 * configuration table and `Pulumi.yaml` are all checked against it.
 */

import { CRM_TARGETS, CrmTarget, TARGETS, TargetSetting } from "../targets";
import { OWNER_TARGETS, OWNERS_EXAMPLE } from "./offerOwners";

export { CRM_TARGETS };
export type { CrmTarget };

/**
 * The kit's own project name in `Pulumi.yaml`. Pulumi namespaces config keys with the project's name
 * (`leadkit:targets`), and `pulumi new` renames the project, so programs read their config under
 * `pulumi.getProject()` and the offline loader under `name:` of `Pulumi.yaml`; this is only the fallback.
 */
export const PROJECT = "leadkit";

/**
 * Region when neither `location` nor `azure-native:location` is set. Pulumi's Azure guides teach
 * `pulumi config set azure-native:location <region>`, the value `pulumi new azure-typescript` prompts
 * for (https://www.pulumi.com/docs/iac/get-started/azure/create-project/).
 */
export const FALLBACK_LOCATION = "westeurope";

/** A stack setting: what a target's setting says (targets/types.ts), plus how the stack reads it. */
export interface SettingSpec extends TargetSetting {
  /** Only meaningful (and required) when this target is selected. */
  requiredFor?: CrmTarget;
  /** The target whose setting this is (targets/): it counts only when that target is selected. */
  target?: CrmTarget;
  /** Value is a comma-separated list (JSON schema of the value after parsing: lists split, numbers coerced). */
  list?: boolean;
  /**
   * Value is `key=a+b;key=c` text (or a map of lists as JSON text): a map of lists. Not a YAML map in a stack
   * file: Pulumi.yaml can declare no `object` type (pulumi/pulumi#11321), these settings are declared
   * `string`, and `pulumi up` checks stack values against the declared type ("must be of type 'string'").
   */
  map?: boolean;
}

const ISO_DURATION = "^P(?:\\d+D)?(?:T(?:\\d+H)?(?:\\d+M)?(?:\\d+S)?)?$";

/** Settings the targets own (targets/), in table order. */
type TargetSettingName = { [T in CrmTarget]: keyof (typeof TARGETS)[T]["settings"] }[CrmTarget];

/** Each target's settings as rows of this table: required with their target unless default or optional. */
function targetSettings(): Record<TargetSettingName, SettingSpec> {
  const rows: Record<string, SettingSpec> = {};
  for (const target of CRM_TARGETS) {
    const settings: Record<string, TargetSetting> = TARGETS[target].settings;
    for (const [key, row] of Object.entries(settings))
      rows[key] = row.default || row.optional ? { ...row, target } : { ...row, target, requiredFor: target };
  }
  return rows as Record<TargetSettingName, SettingSpec>;
}

export const SETTINGS = {
  location: {
    outsideDefinition: true,
    schema: { type: "string", pattern: "^[a-z][a-z0-9]+$" },
    description: "Azure region of every resource. Empty: azure-native:location, else westeurope.",
    expect: "an Azure region name in lower case without spaces",
    example: "westeurope",
    default: "",
  },
  resourceGroupName: {
    outsideDefinition: true,
    schema: { type: "string", pattern: "^[-\\w.()]{1,89}[-\\w()]$" },
    // ElasticWebApps: Azure/bicep-registry-modules#3157 (a Flex Consumption plan in a group holding other plans).
    description:
      "Existing resource group to deploy into. Empty: the kit creates one named after the stack. A group that already holds App Service plans in that region can refuse the function app's Flex Consumption plan (\"Requested features 'ElasticWebApps' not available in resource group\"): use a new group, or no function app (archiveRetentionDays 0, no replaySchedule, normalizer not function).",
    expect: "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
    example: "rg-leads-prod",
    default: "",
  },
  targets: {
    schema: { type: "array", items: { type: "string", enum: [...CRM_TARGETS] }, uniqueItems: true },
    description: `Comma-separated CRM targets each lead is sent to: ${CRM_TARGETS.join(", ")}. Empty: leads are only archived.`,
    expect: `a comma-separated list (or a YAML list) of: ${CRM_TARGETS.join(", ")}`,
    example: "dataverse,email",
    default: "",
    list: true,
  },
  offerRoutes: {
    schema: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" }, minItems: 1 },
    },
    description:
      "Per-offer routing: offer id (publisher.offer) or offer display name = the targets its leads go to, joined by +, routes separated by ; (or a map of lists as JSON text). Offers not listed go to every target of targets.",
    expect: "offer=target+target;offer=target with each target one of the stack's targets",
    example: "contoso.offer-a=dataverse+email;contoso.offer-b=salesforce",
    default: "",
    map: true,
  },
  offerOwners: {
    schema: {
      type: "object",
      additionalProperties: { type: "array", items: { type: "string" }, minItems: 1 },
    },
    description:
      `Per-offer record owner: offer id (publisher.offer) or offer display name = target:owner pairs joined by +, offers separated by ; (or a map of lists as JSON text), for ${OWNER_TARGETS.join(", ")}. ` +
      "Dataverse: user/<GUID> or team/<GUID> (the lead's ownerid); Salesforce: a user (005...) or queue (00G...) id (the Lead's OwnerId); HubSpot: an owner id, digits (the contact's hubspot_owner_id). Offers not listed: the CRM's default owner.",
    expect: "offer=target:owner+target:owner;offer=target:owner with each target one of the stack's targets",
    example: OWNERS_EXAMPLE,
    default: "",
    map: true,
  },
  archiveTableName: {
    schema: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]{2,62}$" },
    description: "Azure Table that archives every raw lead before any CRM call (the dead-letter store too).",
    expect: "3-63 letters or digits, starting with a letter (Azure Table naming rules)",
    example: "LeadArchive",
    default: "LeadArchive",
    table: true,
  },
  ...targetSettings(),
  dedupTableName: {
    schema: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]{2,62}$" },
    description:
      "Azure Table of dedup claims: one row per person, offer and action, claimed by the first lead (atomic insert).",
    expect: "3-63 letters or digits, starting with a letter (Azure Table naming rules)",
    example: "LeadDedup",
    default: "LeadDedup",
    table: true,
  },
  dedupWindowDays: {
    schema: { type: "integer", minimum: 1, maximum: 3650 },
    description:
      "Days within which a lead from the same person (e-mail, or phone and name) for the same offer and action is a duplicate and not delivered again.",
    expect: "a whole number of days from 1 to 3650",
    example: "30",
    default: "30",
  },
  archiveRetentionDays: {
    outsideDefinition: true,
    readOffline: true,
    schema: { type: "integer", minimum: 0, maximum: 3650 },
    description:
      "Days archived leads are kept: a daily timer function deletes older archive rows and expired dedup claims, keeping what an undelivered lead's replay reads (see Retention). 0: kept forever (no purge).",
    expect: "a whole number of days from 0 (off) to 3650",
    example: "365",
    default: "365",
  },
  protectLeads: {
    outsideDefinition: true,
    schema: { type: "string", enum: ["true", "false"] },
    description:
      "Pulumi protect on what holds or receives leads (the resource group the kit creates, the storage account, its tables, the workflow): pulumi up refuses a change that would replace or delete them, and pulumi destroy stops. false: a throwaway stack.",
    expect: "true or false",
    example: "false",
    default: "true",
  },
  incompleteLeads: {
    schema: { type: "string", enum: ["archive", "deliver"] },
    description:
      "What happens to a lead with no e-mail, phone or name: archive (kept with Status incomplete, not sent to CRMs) or deliver.",
    expect: "archive or deliver",
    example: "deliver",
    default: "archive",
  },
  crmRetryCount: {
    schema: { type: "integer", minimum: 1, maximum: 90 },
    description: "Retries of each CRM call (exponential back-off) before the lead is dead-lettered.",
    expect: "a whole number from 1 to 90",
    example: "10",
    default: "10",
  },
  crmRetryInterval: {
    schema: { type: "string", pattern: ISO_DURATION },
    description: "First retry interval of CRM calls (ISO 8601, PT5S to P1D).",
    expect: "an ISO 8601 duration from PT5S to P1D",
    example: "PT30S",
    default: "PT30S",
  },
  crmRetryMaxInterval: {
    schema: { type: "string", pattern: ISO_DURATION },
    description: "Longest wait between CRM retries (ISO 8601, PT5S to P1D).",
    expect: "an ISO 8601 duration from PT5S to P1D",
    example: "PT1H",
    default: "PT1H",
  },
  allowedCallerIps: {
    outsideDefinition: true,
    schema: {
      type: "array",
      items: { type: "string", pattern: "^\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?$" },
    },
    description:
      "Comma-separated IPv4 ranges allowed to call the endpoint, replays included (npm run replay from your address, the scheduled replay from the function app). Empty: any caller holding the signed URL (Partner Center publishes no source ranges).",
    expect: "comma-separated IPv4 addresses or CIDR ranges",
    example: "203.0.113.0/24",
    default: "",
    list: true,
  },
  normalizer: {
    schema: { type: "string", enum: ["expressions", "function"] },
    description:
      "How leads are normalized: expressions (workflow expressions only) or function (the function app of function-code/, with the expressions as fallback).",
    expect: "expressions or function",
    example: "function",
    default: "expressions",
  },
  replaySchedule: {
    outsideDefinition: true,
    schema: { type: "string", pattern: "^\\S+( \\S+){5}$" },
    description:
      "NCRONTAB schedule (6 fields) of the function app's automatic replay of dead-lettered leads, e.g. 0 */30 * * * *. Empty: replay by hand with npm run replay.",
    expect: "an NCRONTAB expression of 6 fields separated by single spaces",
    example: "0 */30 * * * *",
    default: "",
  },
  alertEmails: {
    outsideDefinition: true,
    schema: {
      type: "array",
      items: { type: "string", pattern: "^[^@\\s;,]+@[^@\\s;,]+\\.[^@\\s;,]+$" },
    },
    description:
      "Comma-separated addresses e-mailed when a lead run fails or a lead is dead-lettered. Empty: alerts show in the portal only.",
    expect: "comma-separated e-mail addresses",
    example: "ops@contoso.com",
    default: "",
    list: true,
  },
  logRetentionDays: {
    outsideDefinition: true,
    schema: { type: "integer", minimum: 30, maximum: 730 },
    description: "Days the Log Analytics workspace keeps the workflow's run logs.",
    expect: "a whole number from 30 to 730",
    example: "90",
    default: "30",
  },
} satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
