/**
 * The package entry: the LeadEndpoint component and its argument types, for other Pulumi programs.
 * Reads no stack config (unlike the kit's own program, index.ts); Pulumi's schema analyzer starts here
 * (package.json "exports") to generate the multi-language schema.
 */
export { LeadEndpoint } from "../components/leadEndpoint";
export type {
  AzureTableArgs,
  CrmRetryArgs,
  DataverseArgs,
  EmailArgs,
  HubspotArgs,
  IncompleteLeads,
  LeadEndpointArgs,
  SalesforceArgs,
  TeamsArgs,
  WebhookArgs,
} from "../components/leadEndpoint";
