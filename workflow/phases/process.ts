/** Phase 3: the Process_lead scope: normalize, drop a duplicate, deliver to each target this run owes. */
import { CrmTarget } from "../../config/settings";
import { RetryPolicy, RunAfter, WorkflowAction } from "../../definition/types";
import { crmActions, CrmOptions } from "../crmActions";
import { ACTION, ARCHIVE_KEYS, LeadWorkflowOptions } from "../names";
import { DEDUP_RESOLVED, dedupActions } from "./dedup";
import { deliveryActions, markDelivered } from "./delivery";
import { normalizeActions } from "./normalize";

export function processScope(options: LeadWorkflowOptions, targets: CrmTarget[]): WorkflowAction {
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
    type: "Scope",
    description: "Normalizes the lead, drops a duplicate, and delivers it to every CRM target it is owed to.",
    runAfter: {
      [ACTION.screen]: ["Succeeded"],
      // The function is optional: whatever its outcome, the expression mapping takes over.
      ...(options.normalizerFunction ? { [ACTION.normalizeFunction]: ["Succeeded", "Failed", "TimedOut"] } : {}),
    },
    actions: {
      ...normalizeActions(options.normalizerFunction === true),
      ...dedupActions(options),
      ...delivery,
      ...markDelivered(options, targets, delivered),
    },
  };
}
