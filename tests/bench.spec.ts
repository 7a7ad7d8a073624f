/** How the benchmark counts billable executions from a run history. */
import * as assert from "assert";
import { billable } from "../scripts/bench";
import { ActionRun, WorkflowRun } from "../local/types";

const action = (name: string, type: string, status: ActionRun["status"], retries = 0): ActionRun => ({
  name,
  type,
  status,
  code: "",
  startTime: "",
  endTime: "",
  retryHistory: retries
    ? Array.from({ length: retries }, () => ({ startTime: "", endTime: "", code: "500" }))
    : undefined,
});

describe("benchmark billing count", () => {
  it("counts the trigger and executed built-in actions, and every connector attempt; skipped ones are free", () => {
    const run = {
      actions: {
        Archive_raw_lead: action("Archive_raw_lead", "ApiConnection", "Succeeded"),
        Respond: action("Respond", "Response", "Succeeded"),
        Create_dataverse_lead: action("Create_dataverse_lead", "ApiConnection", "Failed", 3),
        Post_webhook: action("Post_webhook", "Http", "Succeeded", 1),
        Mark_delivered: action("Mark_delivered", "ApiConnection", "Skipped"),
      },
    } as unknown as WorkflowRun;
    assert.deepStrictEqual(billable(run), { actions: 4, connectorCalls: 5 });
  });
});
