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

/** The report that was made: the full one, else Screen_lead's alone (a skipped or failed Compose has no outputs). */
const REPORT = `coalesce(actions('${ACTION.deliveryReport}')?['outputs'], actions('${ACTION.screeningReport}')?['outputs'])`;

/** The dead-letter chain: the report, its failures, the dead-letter mark and the failed run. */
export function deadLetterChain(
  table: string,
  targets: CrmTarget[],
  normalizerFunction: boolean,
): Record<string, WorkflowAction> {
  return { ...failureReport(targets, normalizerFunction), ...markDeadLetter(table) };
}

/** The status and error of each step, then the failed steps, their names, and the CRM targets among them. */
function failureReport(targets: CrmTarget[], normalizerFunction: boolean): Record<string, WorkflowAction> {
  const steps = [ACTION.normalize, ACTION.claimDedupKey, ACTION.readDedupClaim, ACTION.checkDuplicate];
  const crmSteps = targets.flatMap((t) => [
    reportEntry(TARGET_ACTION[t], t),
    ...(targets.length > 1 ? [reportEntry(recordName(t), "")] : []),
  ]);
  return {
    [ACTION.deliveryReport]: {
      type: "Compose",
      description:
        "Status and error of each step of Screen_lead and its cases, CRM calls included (read with actions()).",
      // Screen_lead ran (so the archive had succeeded) and failed: on fields it cannot read, in a set-aside case,
      // or in its default case (the processing). Skipped is not awaited: Screen_lead is skipped only when the
      // archive failed, and an unarchived lead has no row to dead-letter (Stop_unarchived_lead fails that run).
      runAfter: { [ACTION.screen]: ["Failed", "TimedOut"], [ACTION.archive]: ["Succeeded"] },
      inputs: {
        steps: [
          screeningEntry(normalizerFunction),
          ...steps.map((name) => reportEntry(name, "")),
          ...crmSteps,
          reportEntry(ACTION.markDelivered, ""),
        ],
        succeededTargets: `@{${deliveredTargets(targets)}}`,
      },
      runtimeConfiguration: SECURE_INPUTS,
    },
    ...screeningReport(),
    [ACTION.collectFailures]: query(
      "The steps that failed or timed out, with their errors.",
      `@${REPORT}?['steps']`,
      "@or(equals(item()?['status'], 'Failed'), equals(item()?['status'], 'TimedOut'))",
      { [ACTION.deliveryReport]: ["Succeeded", "Failed"], [ACTION.screeningReport]: ["Succeeded", "Skipped"] },
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
function markDeadLetter(table: string): Record<string, WorkflowAction> {
  const failedActions = `body('${ACTION.listFailedActions}')`;
  const row = {
    [COLUMN.status]: LEAD_STATUS.deadLetter,
    [COLUMN.failedActions]: `@{join(${failedActions}, ',')}`,
    [COLUMN.failedTargets]: `@{join(body('${ACTION.listFailedTargets}'), ',')}`,
    [COLUMN.deliveredTargets]: `@{${REPORT}?['succeededTargets']}`,
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
function reportEntry(action: string, target: string, status = statusOf(action)): Record<string, string> {
  return {
    name: action,
    target,
    status: `@{${status}}`,
    error: `@{coalesce(actions('${action}')?['error']?['message'], actions('${action}')?['outputs']?['body'], '')}`,
  };
}

/**
 * Screen_lead's own entry. A Switch takes the status of the case that ran, as a Scope does, so a failed
 * delivery fails Screen_lead too; the screening itself failed only when its default case never started
 * (its expression failed, or a set-aside case did). `if()` evaluates both branches: both are plain reads.
 */
function screeningEntry(normalizerFunction: boolean): Record<string, string> {
  // The default case's first action (runAfter {}): it runs whenever the case is taken.
  const first = normalizerFunction ? ACTION.plainMapping : ACTION.normalize;
  const started = `contains(createArray('Succeeded', 'Failed', 'TimedOut'), coalesce(actions('${first}')?['status'], 'NotRun'))`;
  return reportEntry(ACTION.screen, "", `if(${started}, 'Succeeded', ${statusOf(ACTION.screen)})`);
}

/**
 * Screen_lead's entry alone, when the full report could not be made: the screening failed before its default
 * case ran (its expression, or a set-aside case), and the run history need not hold the actions of a case that
 * never ran, which actions() then cannot read. Reads top-level actions only; runs on that failure path only.
 */
function screeningReport(): Record<string, WorkflowAction> {
  return {
    [ACTION.screeningReport]: {
      type: "Compose",
      description: "Screen_lead's status and error, when the delivery report could not read its cases.",
      runAfter: { [ACTION.deliveryReport]: ["Failed"] },
      // Nothing was delivered: no case that delivers ran.
      inputs: { steps: [reportEntry(ACTION.screen, "")], succeededTargets: "" },
      runtimeConfiguration: SECURE_INPUTS,
    },
  };
}

/** An action's status, `NotRun` when it has none (a case not taken). */
function statusOf(action: string): string {
  return `coalesce(actions('${action}')?['status'], 'NotRun')`;
}
