/**
 * The CRM targets, one row each, in the order their actions run and their settings are documented.
 * Adding a target: one file beside these (a {@link TargetSpec}) and one row here.
 */
import { AZURE_TABLE } from "./azureTable";
import { DATAVERSE } from "./dataverse";
import { EMAIL } from "./email";
import { HUBSPOT } from "./hubspot";
import { SALESFORCE } from "./salesforce";
import { TEAMS } from "./teams";
import { TargetSpec } from "./types";
import { WEBHOOK } from "./webhook";

export type { BuildContext, ContactColumn, RecordLink, TargetSetting, TargetSpec } from "./types";
export { microsoftTableColumns } from "./azureTable";

export const TARGETS = {
  dataverse: DATAVERSE,
  salesforce: SALESFORCE,
  hubspot: HUBSPOT,
  email: EMAIL,
  webhook: WEBHOOK,
  azureTable: AZURE_TABLE,
  teams: TEAMS,
} satisfies Record<string, TargetSpec>;

export type CrmTarget = keyof typeof TARGETS;
/** The CRM targets a stack can send leads to, in table order. */
export const CRM_TARGETS = Object.keys(TARGETS) as CrmTarget[];

/** A target's row, typed loosely enough to call its functions with any target's data. */
export const targetSpec = (target: CrmTarget): TargetSpec => TARGETS[target];

/**
 * Managed connectors (Microsoft.Web/locations/managedApis) the workflow can use. Table storage is not
 * one of them: the workflow reaches its tables with built-in HTTP actions as its managed identity.
 */
export type ManagedApi = NonNullable<(typeof TARGETS)[CrmTarget]["api"]>;

/** The managed APIs a target list needs, in target order. */
export function apisFor(targets: readonly CrmTarget[]): ManagedApi[] {
  const apis = targets.map((t) => TARGETS[t].api).filter((api): api is ManagedApi => api !== undefined);
  return [...new Set(apis)];
}

/** Connectors that need a person to sign in once after deployment (OAuth consent). */
export const OAUTH_APIS: readonly ManagedApi[] = CRM_TARGETS.filter((t) => TARGETS[t].oauth).map(
  (t) => TARGETS[t].api as ManagedApi,
);

/** Action name per target; part of the run history users read, so stable and descriptive. */
export const TARGET_ACTION = Object.fromEntries(CRM_TARGETS.map((t) => [t, TARGETS[t].action])) as Record<
  CrmTarget,
  string
>;

/** The expression a target's ledger column records: the CRM's record id, or `sent` where there is none. */
export function targetRecordId(target: CrmTarget): string {
  const id = recordIdOf(target);
  return id ? `coalesce(${id}, 'sent')` : "'sent'";
}

/** The expression of the record id in a target's answer, or undefined when it has none. */
export function recordIdOf(target: CrmTarget): string | undefined {
  const { action, recordIdField } = targetSpec(target);
  if (recordIdField === undefined) return undefined;
  const paths = typeof recordIdField === "string" ? [[recordIdField]] : recordIdField;
  const read = (path: readonly (string | number)[]) =>
    `body('${action}')` + path.map((p) => (typeof p === "number" ? `?[${p}]` : `?['${p}']`)).join("");
  return paths.length === 1 ? read(paths[0]) : `coalesce(${paths.map(read).join(", ")})`;
}

/** Names of the local stand-ins that play the targets' CRMs (see TargetSpec.standin). */
export type TargetStandinName = StandinName<(typeof TARGETS)[CrmTarget]>;
type StandinName<S> = S extends { standin: { name: infer N } } ? N : never;

/** The stand-in of each target that has one (the Azure Table target writes to the local tables itself). */
export const TARGET_STANDIN: Partial<Record<CrmTarget, TargetStandinName>> = Object.fromEntries(
  CRM_TARGETS.flatMap((t) => {
    const standin = targetSpec(t).standin;
    return standin ? [[t, standin.name as TargetStandinName]] : [];
  }),
);
