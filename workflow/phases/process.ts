/**
 * Phase 3: the Screen_lead Switch's default case (a lead neither set aside nor a test): the optional
 * function call, normalize, drop a duplicate, deliver to each target this run owes.
 */
import { CrmTarget } from "../../config/settings";
import { RetryPolicy, RunAfter, WorkflowAction } from "../../definition/types";
import { crmActions, CrmOptions } from "../crmActions";
import { ACTION, ARCHIVE_KEYS, LeadWorkflowOptions } from "../names";
import { DEDUP_RESOLVED, dedupActions } from "./dedup";
import { deliveryActions, markDelivered } from "./delivery";
import { normalizeActions, normalizerCall } from "./normalize";

/**
 * The actions of the default case. They used to sit in a Process_lead Scope after the Switch; in the
 * case they cost one execution less per lead (a Switch, like a Scope, is billed as one action, and the
 * actions of the cases not taken do not run: learn.microsoft.com/azure/logic-apps/logic-apps-pricing,
 * logic-apps-control-flow-switch-statement), and the Switch fails when this case does (see deadLetter.ts).
 */
export function processCase(options: LeadWorkflowOptions, targets: CrmTarget[]): Record<string, WorkflowAction> {
  const retry: RetryPolicy = { type: "exponential", ...options.crmRetry };
  const crmOptions: CrmOptions = { ...options, retry, normalizeAction: ACTION.normalize, keys: ARCHIVE_KEYS };
  const delivery = deliveryActions(
    targets,
    crmActions(crmOptions, {}),
    options.archiveTableName,
    DEDUP_RESOLVED,
    options.offerRoutes,
  );
  // Marked once every call of this run succeeded (or, with no target, once dedup is resolved).
  const delivered: RunAfter =
    targets.length > 0 ? Object.fromEntries(Object.keys(delivery).map((n) => [n, ["Succeeded"]])) : DEDUP_RESOLVED;
  return {
    ...normalization(options.normalizerFunction === true),
    ...dedupActions(options),
    ...delivery,
    ...markDelivered(options, targets, delivered),
  };
}

/**
 * The expression mapping, and with the function app its call, first in the case. The call runs beside
 * the mapping; whatever its outcome, `Normalize_lead` takes over once both are done (a failed call is
 * handled there, so it does not fail the case: logic-apps-exception-handling#scopes), and once
 * `Function_fields` has read the answer or been skipped.
 */
function normalization(useFunction: boolean): Record<string, WorkflowAction> {
  const actions = normalizeActions(useFunction);
  if (!useFunction) return actions;
  const normalize = actions[ACTION.normalize];
  return {
    [ACTION.normalizeFunction]: normalizerCall(),
    ...actions,
    [ACTION.normalize]: {
      ...normalize,
      runAfter: { ...normalize.runAfter, [ACTION.normalizeFunction]: ["Succeeded", "Failed", "TimedOut"] },
    },
  };
}
