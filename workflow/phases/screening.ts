/**
 * Phase 2: the Validate test lead and (unless `incompleteLeads` is `deliver`) the lead with no e-mail,
 * phone or name end here, successfully: archived with their status, answered, never delivered.
 */
import { mergeEntity } from "../../definition/tableActions";
import { WorkflowAction } from "../../definition/types";
import { COLUMN, LEAD_STATUS } from "../../function-code/src/contract";
import { fromTrigger, hasContact, isTestLead } from "../leadScreening";
import { ACTION, ARCHIVE_KEYS, LeadWorkflowOptions } from "../names";

/** A Switch case that sets the lead aside: its status, and its mark and stop actions with their descriptions. */
interface SetAside {
  branch: string;
  status: string;
  mark: [string, string];
  stop: [string, string];
}

const TEST_LEAD: SetAside = {
  branch: "Test_lead",
  status: LEAD_STATUS.test,
  mark: [ACTION.markTestLead, "Records Partner Center's Validate test lead as such; it never reaches a CRM."],
  stop: [ACTION.stopTestLead, "Ends the run successfully: a test lead is archived and answered, not delivered."],
};

const INCOMPLETE_LEAD: SetAside = {
  branch: "Incomplete_lead",
  status: LEAD_STATUS.incomplete,
  mark: [ACTION.markIncomplete, "Records the lead as incomplete: no e-mail, phone or name to follow up."],
  stop: [ACTION.stopIncomplete, "Ends the run successfully: the lead is archived and answered, not delivered."],
};

/**
 * The Switch on the lead's screening status: one case per lead set aside, the default goes on with
 * `processing` (normalize, dedup, delivery: process.ts). The Switch takes its status from the case that
 * ran, as a Scope does, so a failed delivery fails it and starts the dead-letter chain.
 */
export function screenLead(options: LeadWorkflowOptions, processing: Record<string, WorkflowAction>): WorkflowAction {
  const setAside = options.incompleteLeads === "archive" ? [TEST_LEAD, INCOMPLETE_LEAD] : [TEST_LEAD];
  const cases = Object.fromEntries(
    setAside.map(({ branch, status, mark, stop }) => [
      branch,
      {
        case: status,
        actions: markAndStop(options.archiveTableName, mark, stop, {
          [COLUMN.status]: status,
          ProcessedTime: "@{utcNow()}",
        }),
      },
    ]),
  );
  return {
    type: "Switch",
    description:
      "Sets aside the Validate test lead and the lead nobody can contact (archived, answered, not delivered); delivers the others.",
    runAfter: { [ACTION.respond]: ["Succeeded", "Failed", "TimedOut"], [ACTION.archive]: ["Succeeded"] },
    expression: `@{${screeningStatus(options)}}`,
    cases,
    default: { actions: processing },
  };
}

/** What the lead is, from its fields as received: `test`, `incomplete` (no contact) or `received`. */
function screeningStatus(options: LeadWorkflowOptions): string {
  const incomplete =
    options.incompleteLeads === "archive"
      ? `if(${hasContact(fromTrigger)}, '${LEAD_STATUS.received}', '${LEAD_STATUS.incomplete}')`
      : `'${LEAD_STATUS.received}'`;
  return `if(${isTestLead(fromTrigger)}, '${LEAD_STATUS.test}', ${incomplete})`;
}

/**
 * Records why a lead goes no further (test lead, incomplete, duplicate) on its archive row, then ends
 * the run successfully: the lead is archived and answered, and deliberately not delivered.
 */
export function markAndStop(
  table: string,
  [markName, markDescription]: [string, string],
  [stopName, stopDescription]: [string, string],
  properties: Record<string, unknown>,
): Record<string, WorkflowAction> {
  return {
    [markName]: mergeEntity(table, ARCHIVE_KEYS, properties, { runAfter: {}, description: markDescription }),
    [stopName]: {
      type: "Terminate",
      description: stopDescription,
      runAfter: { [markName]: ["Succeeded"] },
      inputs: { runStatus: "Succeeded" },
    },
  };
}
