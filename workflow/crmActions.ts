import { EntityKeys } from "../definition/tableActions";
import { RetryPolicy, RunAfter, WorkflowAction } from "../definition/types";
import { CRM_TARGETS, CrmTarget, RecordLink, recordIdOf, targetSpec, TARGETS } from "../targets";

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
    actions[spec.action] = spec.build(targetOptions, spec.readsRecordLinks ? { ...base, recordLinks } : base);
    const recordId = recordIdOf(target);
    if (spec.recordLink && recordId)
      recordLinks.push({ action: spec.action, url: spec.recordLink(targetOptions, recordId) });
  }
  return actions;
}
