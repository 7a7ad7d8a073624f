/** The CRM calls of a lead, each success recorded on its archive row (the delivery ledger), then the final mark. */
import { CrmTarget } from "../../config/settings";
import { mergeEntity } from "../../definition/tableActions";
import { RunAfter, WorkflowAction } from "../../definition/types";
import { COLUMN, LEAD_STATUS, sentColumn } from "../../function-code/src/contract";
import { targetSpec } from "../../targets";
import { TARGET_ACTION, targetRecordId } from "../crmActions";
import { ACTION, ARCHIVE_KEYS, dedupKeyOf, gateName, LeadWorkflowOptions, recordName, runTargets } from "../names";
import { functionUsable } from "./normalize";
import { ATTRIBUTION_FIELDS, attributionRead } from "../attribution";

/**
 * The CRM calls. With several targets, each is wrapped in an If that sends the lead when this run owes
 * it to that target, then records the success on the archive row (`Sent_<target>`): a replay re-sends
 * only what is owed. With one target a replay owes it or nothing (the replay repairs the row without
 * sending), so the call needs no gate and `Mark_delivered` is its record.
 */
export function deliveryActions(
  targets: CrmTarget[],
  actions: Record<string, WorkflowAction>,
  table: string,
  runAfter: RunAfter,
  routes: LeadWorkflowOptions["offerRoutes"] = {},
): Record<string, WorkflowAction> {
  if (targets.length === 1) {
    const name = TARGET_ACTION[targets[0]];
    return { [name]: { ...actions[name], runAfter } };
  }
  const owed = `split(${runTargets(targets, routes)}, ',')`;
  return Object.fromEntries(
    targets.map((t) => [
      gateName(t),
      { ...gate(t, actions[TARGET_ACTION[t]], table, owed), runAfter: { ...runAfter, ...linkedGates(t, targets) } },
    ]),
  );
}

/**
 * A notice that shows a link to the CRM record (TargetSpec.readsRecordLinks) waits for the gates of the targets
 * before it that create one, and only for their success: running after a failure would handle it, and the
 * Process_lead scope would succeed without the dead-letter chain. A failed CRM call leaves the notice owed
 * (skipped), so the replay sends both, the notice with its link.
 */
function linkedGates(target: CrmTarget, targets: CrmTarget[]): RunAfter {
  if (!targetSpec(target).readsRecordLinks) return {};
  const before = targets.slice(0, targets.indexOf(target)).filter((t) => targetSpec(t).recordLink);
  return Object.fromEntries(before.map((t) => [gateName(t), ["Succeeded"]]));
}

/** The If that sends the lead to `target` when `owed` (this run's targets) lists it, and records the success. */
function gate(target: CrmTarget, call: WorkflowAction, table: string, owed: string): WorkflowAction {
  const name = TARGET_ACTION[target];
  return {
    type: "If",
    description: `Sends the lead to ${target} and records it, unless this run does not owe it to ${target}.`,
    runAfter: {},
    expression: { contains: [`@${owed}`, target] },
    actions: {
      [name]: { ...call, runAfter: {} },
      [recordName(target)]: mergeEntity(
        table,
        ARCHIVE_KEYS,
        { [sentColumn(target)]: `@{${targetRecordId(target)}}`, [`${sentColumn(target)}Time`]: "@{utcNow()}" },
        {
          runAfter: { [name]: ["Succeeded"] },
          description: `Records on the archive row that ${target} has the lead.`,
        },
      ),
    },
    else: { actions: {} },
  };
}

/** The final mark: `delivered` (or `archived` with no target), with the ledger entry of a single target. */
export function markDelivered(
  options: LeadWorkflowOptions,
  targets: CrmTarget[],
  runAfter: RunAfter,
): Record<string, WorkflowAction> {
  const single = targets.length === 1 ? targets[0] : undefined;
  const row = {
    [COLUMN.status]: targets.length > 0 ? LEAD_STATUS.delivered : LEAD_STATUS.archivedOnly,
    [COLUMN.deliveredTargets]: `@{${runTargets(targets, options.offerRoutes)}}`,
    [COLUMN.dedupKey]: `@{${dedupKeyOf()}}`,
    ProcessedTime: "@{utcNow()}",
    // One target: this write is its ledger entry (no separate record action to pay for).
    ...(single && { [sentColumn(single)]: `@{${targetRecordId(single)}}` }),
    ...(options.normalizerFunction && normalizerColumns()),
    // Campaign attribution, a column each, for reports by offer and campaign.
    ...Object.fromEntries(ATTRIBUTION_FIELDS.map((name) => [name, `@{${attributionRead(name, ACTION.normalize)}}`])),
  };
  const description = "Marks the archived lead delivered to every target of this run.";
  return {
    [ACTION.markDelivered]: mergeEntity(options.archiveTableName, ARCHIVE_KEYS, row, { runAfter, description }),
  };
}

/** Which normalizer the lead's fields came from, and the function's error when it was not used. */
function normalizerColumns(): Record<string, string> {
  const fn = ACTION.normalizeFunction;
  const fields = ACTION.functionFields;
  // The call failed: its error. It succeeded: why Function_fields made nothing of the answer. Chosen by the call's
  // status, so Function_fields' skip ("runAfter condition not satisfied") is never the reason recorded. Else the
  // answer itself (a failed HTTP action may carry no `error`: Learn's result() example, logic-apps-exception-
  // handling; an empty crm fails nothing).
  const error =
    `coalesce(if(equals(actions('${fn}')?['status'], 'Succeeded'), actions('${fields}')?['error'], ` +
    `actions('${fn}')?['error']), actions('${fn}')?['outputs']?['body'], '')`;
  return {
    Normalizer: `@{if(${functionUsable()}, 'function', 'expressions')}`,
    NormalizerError: `@{if(${functionUsable()}, '', take(string(${error}), 4000))}`,
  };
}
