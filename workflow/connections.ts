import { CrmTarget } from "../config/settings";

/** Managed connectors (Microsoft.Web/locations/managedApis) the workflow can use. */
export type ManagedApi = "azuretables" | "commondataservice" | "salesforce" | "office365";

/** The managed connector each CRM target calls; the webhook uses the built-in HTTP action. */
export const TARGET_API: Record<CrmTarget, ManagedApi | undefined> = {
  dataverse: "commondataservice",
  salesforce: "salesforce",
  email: "office365",
  webhook: undefined,
  azureTable: "azuretables",
};

/** Connectors that need a person to sign in once after deployment (OAuth consent). */
export const OAUTH_APIS: readonly ManagedApi[] = ["salesforce", "office365"];

/** `host.connection.name` of an ApiConnection action: resolved through the `$connections` parameter. */
export function connectionName(api: ManagedApi): string {
  return `@parameters('$connections')['${api}']['connectionId']`;
}

/** The managed APIs a target list needs, table storage first (the archive always uses it). */
export function apisFor(targets: readonly CrmTarget[]): ManagedApi[] {
  const apis = new Set<ManagedApi>(["azuretables"]);
  for (const t of targets) {
    const api = TARGET_API[t];
    if (api) apis.add(api);
  }
  return [...apis];
}
