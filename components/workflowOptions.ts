/**
 * The plain, checked part of a LeadEndpoint's args: what shapes the workflow definition. Kept apart from the
 * component so that rendering, `npm start` and the bench build a stack's workflow without loading the Pulumi
 * SDK (about 1,000 modules and 1.5 s of start-up).
 */
import { SETTINGS } from "../config/settings";
import { CRM_TARGETS, CrmTarget, targetSpec } from "../targets";
import type { LeadWorkflowOptions } from "../workflow/leadWorkflow";
import type { IncompleteLeads, LeadEndpointArgs } from "./leadEndpoint";

const INCOMPLETE_LEADS: readonly string[] = ["archive", "deliver"];
const isIncompleteLeads = (value: string): value is IncompleteLeads => INCOMPLETE_LEADS.includes(value);

/** Defaults shared with the stack settings, so a component and a stack behave alike. */
const DEFAULTS = {
  archiveTableName: SETTINGS.archiveTableName.default,
  dedupTableName: "LeadDedup",
  dedupWindowDays: 30,
  archiveRetentionDays: 365,
  incompleteLeads: "archive" as IncompleteLeads,
  crmRetry: {
    count: Number(SETTINGS.crmRetryCount.default),
    interval: SETTINGS.crmRetryInterval.default,
    maximumInterval: SETTINGS.crmRetryMaxInterval.default,
  },
};

/** The plain part of the args that shapes the workflow definition. Internal. Exported for testing. */
export function leadWorkflowOptions(args: LeadEndpointArgs): LeadWorkflowOptions {
  const dedupWindowDays = args.dedupWindowDays ?? DEFAULTS.dedupWindowDays;
  if (!Number.isInteger(dedupWindowDays) || dedupWindowDays < 1 || dedupWindowDays > 3650) {
    throw new Error(
      `dedupWindowDays: ${dedupWindowDays} is not valid: must be a whole number of days from 1 to 3650. Fix: dedupWindowDays: ${DEFAULTS.dedupWindowDays}`,
    );
  }
  const incompleteLeads = args.incompleteLeads ?? DEFAULTS.incompleteLeads;
  if (!isIncompleteLeads(incompleteLeads)) {
    throw new Error(
      `incompleteLeads: ${JSON.stringify(incompleteLeads)} is not valid: must be "archive" or "deliver". Fix: incompleteLeads: "${DEFAULTS.incompleteLeads}"`,
    );
  }
  return {
    archiveTableName: args.archiveTableName ?? DEFAULTS.archiveTableName,
    dedupTableName: args.dedupTableName ?? DEFAULTS.dedupTableName,
    dedupWindowDays,
    incompleteLeads,
    ...Object.fromEntries(
      CRM_TARGETS.filter((t) => args[t] !== undefined).map((t) => [t, targetSpec(t).options(args[t])]),
    ),
    crmRetry: args.crmRetry ?? DEFAULTS.crmRetry,
    normalizerFunction: args.normalizerFunction === true,
    ...(args.offerRoutes && Object.keys(args.offerRoutes).length > 0 && { offerRoutes: offerRoutes(args) }),
    ...(args.offerOwners && Object.keys(args.offerOwners).length > 0 && { offerOwners: offerOwners(args) }),
  };
}

/** Days the purge keeps archive rows (0 = no purge), checked like the other numeric args. */
export function archiveRetentionDays(args: LeadEndpointArgs): number {
  const days = args.archiveRetentionDays ?? DEFAULTS.archiveRetentionDays;
  if (!Number.isInteger(days) || days < 0 || days > 3650) {
    throw new Error(
      `archiveRetentionDays: ${days} is not valid: must be a whole number of days from 0 (off) to 3650. Fix: archiveRetentionDays: ${DEFAULTS.archiveRetentionDays}`,
    );
  }
  return days;
}

/** The offer routes, keys lower case (the workflow looks them up so), each target one the args configure. */
function offerRoutes(args: LeadEndpointArgs): Record<string, CrmTarget[]> {
  const configured = CRM_TARGETS.filter((t) => args[t] !== undefined);
  const routes: Record<string, CrmTarget[]> = {};
  for (const [offer, targets] of Object.entries(args.offerRoutes ?? {})) {
    const unknown = targets.find((t) => !(configured as string[]).includes(t));
    if (unknown !== undefined || targets.length === 0) {
      throw new Error(
        `offerRoutes: ${JSON.stringify(offer)} routes to ${JSON.stringify(unknown ?? "nothing")}: each target must be one of the configured targets (${configured.join(", ")}). Fix: offerRoutes: { ${JSON.stringify(offer)}: [${JSON.stringify(configured[0] ?? CRM_TARGETS[0])}] }`,
      );
    }
    // In table order, as the Targets column lists them.
    routes[offer.trim().toLowerCase()] = configured.filter((t) => targets.includes(t));
  }
  return routes;
}

/** The offer owners, keys lower case (matched as routes are), each one a configured target takes (targets/). */
function offerOwners(args: LeadEndpointArgs): NonNullable<LeadWorkflowOptions["offerOwners"]> {
  const configured = CRM_TARGETS.filter((t) => args[t] !== undefined);
  const owners: NonNullable<LeadWorkflowOptions["offerOwners"]> = {};
  for (const [offer, byTarget] of Object.entries(args.offerOwners ?? {})) {
    for (const [target, owner] of Object.entries(byTarget)) {
      const rule = (configured as string[]).includes(target) ? targetSpec(target as CrmTarget).owner : undefined;
      if (!rule || !rule.valid(owner)) {
        const takes = configured.filter((t) => targetSpec(t).owner);
        const must = rule
          ? `must be ${rule.expect}`
          : `each target must be a configured target with record owners (${takes.join(", ") || "none"})`;
        const example = rule ? rule.example : takes.map((t) => targetSpec(t).owner?.example)[0];
        throw new Error(
          `offerOwners: ${JSON.stringify(offer)} sets ${JSON.stringify(target)} owner ${JSON.stringify(owner)}: ${must}. ` +
            `Fix: offerOwners: { ${JSON.stringify(offer)}: { ${JSON.stringify(rule ? target : (takes[0] ?? target))}: ${JSON.stringify(example ?? "")} } }`,
        );
      }
    }
    owners[offer.trim().toLowerCase()] = byTarget as Partial<Record<CrmTarget, string>>;
  }
  return owners;
}
