import { CrmTarget } from "../config/settings";

/**
 * Managed connectors (Microsoft.Web/locations/managedApis) the workflow can use. Table storage is not
 * one of them: the workflow reaches its tables with built-in HTTP actions as its managed identity.
 */
export type ManagedApi = "commondataservice" | "salesforce" | "office365";

/** The managed connector each CRM target calls; the webhook and the Azure Table use built-in HTTP actions. */
export const TARGET_API: Record<CrmTarget, ManagedApi | undefined> = {
  dataverse: "commondataservice",
  salesforce: "salesforce",
  email: "office365",
  webhook: undefined,
  azureTable: undefined,
};

/** Connectors that need a person to sign in once after deployment (OAuth consent). */
export const OAUTH_APIS: readonly ManagedApi[] = ["salesforce", "office365"];

/** `host.connection.name` of an ApiConnection action: resolved through the `$connections` parameter. */
export function connectionName(api: ManagedApi): string {
  return `@parameters('$connections')['${api}']['connectionId']`;
}

/** The managed APIs a target list needs. */
export function apisFor(targets: readonly CrmTarget[]): ManagedApi[] {
  const apis = new Set<ManagedApi>();
  for (const t of targets) {
    const api = TARGET_API[t];
    if (api) apis.add(api);
  }
  return [...apis];
}
