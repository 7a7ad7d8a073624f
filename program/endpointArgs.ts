import type * as pulumi from "@pulumi/pulumi";
import type { LeadEndpointArgs } from "../components/leadEndpoint";
import { KitConfig } from "../config/stackConfig";

/** Secret settings, read with `requireSecret` by the program (placeholders when rendering offline). */
export interface SecretSettings {
  dataverseClientSecret?: pulumi.Input<string>;
  webhookSecret?: pulumi.Input<string>;
  hubspotToken?: pulumi.Input<string>;
  teamsWebhookUrl?: pulumi.Input<string>;
}

/** Maps a validated stack to the component's args: the one path from settings to resources. */
export function endpointArgs(config: KitConfig, secrets: SecretSettings): LeadEndpointArgs {
  return {
    location: config.location,
    resourceGroupName: config.resourceGroupName,
    archiveTableName: config.archiveTableName,
    dedupTableName: config.dedupTableName,
    dedupWindowDays: config.dedupWindowDays,
    archiveRetentionDays: config.archiveRetentionDays,
    protectLeads: config.protectLeads,
    incompleteLeads: config.incompleteLeads,
    dataverse: config.dataverse && { ...config.dataverse, clientSecret: required(secrets.dataverseClientSecret) },
    salesforce: config.salesforce,
    hubspot: config.hubspot && { ...config.hubspot, token: required(secrets.hubspotToken) },
    email: config.email,
    webhook: config.webhook && { ...config.webhook, secret: required(secrets.webhookSecret) },
    azureTable: config.azureTable,
    teams: config.teams && { webhookUrl: required(secrets.teamsWebhookUrl) },
    crmRetry: config.crmRetry,
    allowedCallerIps: config.allowedCallerIps,
    normalizerFunction: config.normalizer === "function",
    replaySchedule: config.replaySchedule,
    alertEmails: config.alertEmails,
    logRetentionDays: config.logRetentionDays,
    ...(Object.keys(config.offerRoutes).length > 0 && { offerRoutes: config.offerRoutes }),
    ...(Object.keys(config.offerOwners).length > 0 && { offerOwners: config.offerOwners }),
  };
}

function required<T>(value: T | undefined): T {
  // parseStackConfig has already reported a missing secret; this guards direct callers.
  if (value === undefined) throw new Error("A secret setting required by the selected targets is missing.");
  return value;
}
