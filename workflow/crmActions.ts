import { EntityKeys } from "../definition/tableActions";
import { RetryPolicy, RunAfter, WorkflowAction } from "../definition/types";
import { CRM_TARGETS, CrmTarget, RecordLink, recordIdOf, targetSpec, TARGETS } from "../targets";
import { offerMatches, offerTable } from "./offerMatch";

export { microsoftTableColumns, TARGET_ACTION, targetRecordId } from "../targets";

/** Each target's workflow options (what its `options` makes of the component's args). */
export type TargetOptions = { [T in CrmTarget]?: ReturnType<(typeof TARGETS)[T]["options"]> };

/** What the CRM actions need to know; built from the stack's settings. */
export interface CrmOptions extends TargetOptions {
  /** Retry policy of every CRM call. */
  retry: RetryPolicy;
  /** Name of the Compose action holding the normalized lead. */
  normalizeAction: string;
  /** Keys of the archived row, sent along so a CRM record can be traced back to it. */
  keys: EntityKeys;
  /** Per-offer record owners (offer lower case to each target's owner as written); see LeadWorkflowOptions. */
  offerOwners?: Record<string, Partial<Record<CrmTarget, string>>>;
}

/** Builds the action of each configured target, in the order of TARGETS. */
export function crmActions(options: CrmOptions, runAfter: RunAfter): Record<string, WorkflowAction> {
  const base = { runAfter, retry: options.retry, normalizeAction: options.normalizeAction, keys: options.keys };
  const actions: Record<string, WorkflowAction> = {};
  // Links to the records of the targets built so far, for a notice that shows them (TargetSpec.recordLink).
  const recordLinks: RecordLink[] = [];
  for (const target of CRM_TARGETS) {
    const spec = targetSpec(target);
    const targetOptions = options[target];
    if (!targetOptions) continue;
    const owner = ownerOf(target, options.offerOwners ?? {});
    const context = { ...base, ...(spec.readsRecordLinks && { recordLinks }), ...(owner && { owner }) };
    actions[spec.action] = spec.build(targetOptions, context);
    const recordId = recordIdOf(target);
    if (spec.recordLink && recordId)
      recordLinks.push({ action: spec.action, url: spec.recordLink(targetOptions, recordId) });
  }
  return actions;
}

/**
 * The expression of a target's record owner for the lead's offer, matched as offer routes match (by offer id,
 * then display name), in the form the target's field takes; undefined when no offer lists an owner for it.
 */
function ownerOf(target: CrmTarget, owners: Record<string, Partial<Record<CrmTarget, string>>>): string | undefined {
  const rule = targetSpec(target).owner;
  const table = Object.fromEntries(
    Object.entries(owners).flatMap(([offer, byTarget]) => {
      const owner = byTarget[target];
      return owner !== undefined && rule ? [[offer, rule.value(owner)]] : [];
    }),
  );
  if (Object.keys(table).length === 0) return undefined;
  return `coalesce(${offerMatches(offerTable(table)).join(", ")})`;
}
