/** Phase 1: the archive write, the answer to Partner Center, and the stop when the lead is not archived. */
import { CrmTarget } from "../../config/settings";
import { TABLE_TEXT_LIMIT } from "../../definition/expressions";
import { ARCHIVE_RETRY, ARCHIVE_TIMEOUT, upsertEntity } from "../../definition/tableActions";
import { RunAfter, WorkflowAction } from "../../definition/types";
import { COLUMN, LEAD_STATUS, REPLAY_OF_HEADER } from "../../function-code/src/contract";
import { microsoftTableColumns } from "../crmActions";
import {
  ACTION,
  ARCHIVE_KEYS,
  header,
  LeadWorkflowOptions,
  ORIGIN,
  ORIGIN_TIME_TEXT,
  runTargets,
  THIS_ROW,
} from "../names";

const ARCHIVED = `equals(actions('${ACTION.archive}')?['status'], 'Succeeded')`;

/** The archive write, the answer, and the stop of a lead that could not be archived. */
export function archiveAndAnswer(options: LeadWorkflowOptions, targets: CrmTarget[]): Record<string, WorkflowAction> {
  return {
    [ACTION.archive]: upsertEntity(options.archiveTableName, ARCHIVE_KEYS, archiveRow(targets, options.offerRoutes), {
      runAfter: {},
      description: "Archives the raw lead before anything else, so no lead is lost whatever fails later.",
      retryPolicy: ARCHIVE_RETRY,
      timeout: ARCHIVE_TIMEOUT,
    }),
    [ACTION.respond]: respond(),
    [ACTION.stopUnarchived]: stopUnarchived(),
  };
}

/** The row as first written: the raw lead, where it comes from, and the targets this run owes it to. */
function archiveRow(targets: CrmTarget[], routes: LeadWorkflowOptions["offerRoutes"]): Record<string, unknown> {
  return {
    // Decided later (Screen_lead): nothing that reads the lead's fields may keep it from being archived.
    [COLUMN.status]: LEAD_STATUS.received,
    [COLUMN.receivedTime]: "@{trigger()?['startTime']}",
    [COLUMN.leadJson]: `@{take(string(triggerBody()), ${TABLE_TEXT_LIMIT})}`,
    [COLUMN.leadJsonTruncated]: `@greater(length(string(triggerBody())), ${TABLE_TEXT_LIMIT})`,
    [COLUMN.replayOf]: `@{coalesce(${header(REPLAY_OF_HEADER)}, '')}`,
    [COLUMN.leadOrigin]: `@{${ORIGIN}}`,
    [COLUMN.leadOriginTime]: `@{${ORIGIN_TIME_TEXT}}`,
    [COLUMN.targets]: `@{${runTargets(targets, routes)}}`,
    ...microsoftTableColumns(),
  };
}

function respond(): WorkflowAction {
  return {
    type: "Response",
    kind: "Http",
    description: "Answers Partner Center as soon as the lead is archived (500 if it could not be).",
    runAfter: { [ACTION.archive]: ["Succeeded", "Failed", "TimedOut"] },
    inputs: {
      statusCode: `@if(${ARCHIVED}, 200, 500)`,
      headers: { "Content-Type": "application/json" },
      body: {
        status: `@{if(${ARCHIVED}, 'accepted', 'not-archived')}`,
        runId: "@{workflow()?['run']?['name']}",
        // Its archive row's keys: `npm run send` and `replay --wait` read that one row instead of searching every
        // partition (a month each) for the run id.
        row: `@{${THIS_ROW}}`,
      },
    },
  };
}

function stopUnarchived(): WorkflowAction {
  const answered: RunAfter = { [ACTION.respond]: ["Succeeded", "Failed", "TimedOut"] };
  return {
    type: "Terminate",
    description: "No CRM is called for a lead that is not archived.",
    runAfter: { ...answered, [ACTION.archive]: ["Failed", "TimedOut"] },
    inputs: {
      runStatus: "Failed",
      runError: {
        code: "LeadNotArchived",
        message:
          "The lead could not be archived, so no CRM was called. It is kept in this run's trigger outputs: resubmit the run once storage is back.",
      },
    },
  };
}
