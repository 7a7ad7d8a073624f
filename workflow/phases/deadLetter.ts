/**
 * Phase 4, when processing failed: a report of every step, the failed ones, and the archive row marked
 * `dead-letter` with what failed and what was delivered (so a replay sends only what is owed); then the
 * run fails, so that failed-run alerts fire.
 */
import { CrmTarget } from "../../config/settings";
import { TABLE_TEXT_LIMIT } from "../../definition/expressions";
import { mergeEntity } from "../../definition/tableActions";
import { RunAfter, WorkflowAction } from "../../definition/types";
import { COLUMN, LEAD_STATUS } from "../../function-code/src/contract";
import { TARGET_ACTION } from "../crmActions";
import { ACTION, ARCHIVE_KEYS, recordName, SECURE_ALL, SECURE_INPUTS } from "../names";

/** The dead-letter chain: the report, its failures, the dead-letter mark and the failed run. */
export function deadLetterChain(table: string, targets: CrmTarget[]): Record<string, WorkflowAction> {
  return { ...failureReport(targets), ...markDeadLetter(table, targets) };
}

/** The status and error of each step, then the failed steps, their names, and the CRM targets among them. */
function failureReport(targets: CrmTarget[]): Record<string, WorkflowAction> {
  const steps = [ACTION.screen, ACTION.normalize, ACTION.claimDedupKey, ACTION.readDedupClaim, ACTION.checkDuplicate];
  const crmSteps = targets.flatMap((t) => [
    reportEntry(TARGET_ACTION[t], t),
    ...(targets.length > 1 ? [reportEntry(recordName(t), "")] : []),
  ]);
  return {
    [ACTION.deliveryReport]: {
      type: "Compose",
      description: "Status and error of each step of Process_lead, CRM calls included (read with actions()).",
      // Skipped: the screening failed on fields it cannot read (the lead is archived, so it is dead-lettered).
      runAfter: { [ACTION.process]: ["Failed", "TimedOut", "Skipped"], [ACTION.archive]: ["Succeeded"] },
      inputs: [...steps.map((name) => reportEntry(name, "")), ...crmSteps, reportEntry(ACTION.markDelivered, "")],
      runtimeConfiguration: SECURE_INPUTS,
    },
    [ACTION.collectFailures]: query(
      "The steps that failed or timed out, with their errors.",
      `@outputs('${ACTION.deliveryReport}')`,
      "@or(equals(item()?['status'], 'Failed'), equals(item()?['status'], 'TimedOut'))",
      { [ACTION.deliveryReport]: ["Succeeded"] },
    ),
    [ACTION.listFailedActions]: select(
      "Names of the failed steps.",
      `@body('${ACTION.collectFailures}')`,
      "@item()?['name']",
      { [ACTION.collectFailures]: ["Succeeded"] },
    ),
    [ACTION.failedTargets]: query(
      "The failed steps that are CRM calls.",
      `@body('${ACTION.collectFailures}')`,
      "@not(empty(item()?['target']))",
      { [ACTION.listFailedActions]: ["Succeeded"] },
    ),
    [ACTION.listFailedTargets]: select("Their targets.", `@body('${ACTION.failedTargets}')`, "@item()?['target']", {
      [ACTION.failedTargets]: ["Succeeded"],
    }),
  };
}

/** The archive row marked `dead-letter` with the failures, and the run failed. */
function markDeadLetter(table: string, targets: CrmTarget[]): Record<string, WorkflowAction> {
  const failedActions = `body('${ACTION.listFailedActions}')`;
  const row = {
    [COLUMN.status]: LEAD_STATUS.deadLetter,
    [COLUMN.failedActions]: `@{join(${failedActions}, ',')}`,
    [COLUMN.failedTargets]: `@{join(body('${ACTION.listFailedTargets}'), ',')}`,
    [COLUMN.deliveredTargets]: `@{${deliveredTargets(targets)}}`,
    [COLUMN.lastError]: `@{take(string(body('${ACTION.collectFailures}')), ${TABLE_TEXT_LIMIT})}`,
    ProcessedTime: "@{utcNow()}",
  };
  return {
    [ACTION.markDeadLetter]: mergeEntity(table, ARCHIVE_KEYS, row, {
      runAfter: { [ACTION.listFailedTargets]: ["Succeeded"] },
      description: "Dead-letters the archived lead: kept with its error until it is replayed.",
    }),
    [ACTION.failRun]: {
      type: "Terminate",
      description: "Fails the run so that failed-run alerts fire.",
      runAfter: { [ACTION.markDeadLetter]: ["Succeeded", "Failed", "TimedOut"] },
      inputs: {
        runStatus: "Failed",
        runError: {
          code: "LeadDeadLettered",
          message:
            `Delivery failed after retries in: @{join(${failedActions}, ', ')}. ` +
            `The lead is archived in table ${table} with ${COLUMN.status} '${LEAD_STATUS.deadLetter}'; replay it once the target is back.`,
        },
      },
    },
  };
}

/** Comma text of the targets whose call succeeded in this run: a replay never re-sends to them. */
function deliveredTargets(targets: CrmTarget[]): string {
  if (targets.length === 0) return "''";
  const each = targets.map((t) => `if(equals(actions('${TARGET_ACTION[t]}')?['status'], 'Succeeded'), ',${t}', '')`);
  // `,a,b` or ``, then the leading comma dropped. Not if()+substring(): if() evaluates both branches.
  const list = `concat('^', ${each.join(", ")})`;
  return `replace(replace(${list}, '^,', ''), '^', '')`;
}

/** A Query over an earlier action's array; its items carry step errors, so both sides are hidden. */
function query(description: string, from: string, where: string, runAfter: RunAfter): WorkflowAction {
  return { type: "Query", description, runAfter, inputs: { from, where }, runtimeConfiguration: SECURE_ALL };
}

/** A Select over an earlier action's array; hidden likewise. */
function select(description: string, from: string, selectExpr: string, runAfter: RunAfter): WorkflowAction {
  return {
    type: "Select",
    description,
    runAfter,
    inputs: { from, select: selectExpr },
    runtimeConfiguration: SECURE_ALL,
  };
}

/** One entry of the delivery report: a step's status and error, read with actions() at any depth. */
function reportEntry(action: string, target: string): Record<string, string> {
  const status = `coalesce(actions('${action}')?['status'], 'NotRun')`;
  return {
    name: action,
    target,
    status: `@{${status}}`,
    error: `@{coalesce(actions('${action}')?['error']?['message'], actions('${action}')?['outputs']?['body'], '')}`,
  };
}
