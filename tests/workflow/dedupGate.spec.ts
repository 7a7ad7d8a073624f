/**
 * No lead reaches a target unless its dedup claim was made or resolved. A lead whose fields cannot be
 * normalized skips the claim; in Azure every successor of a failed action is Skipped
 * (learn.microsoft.com/azure/logic-apps/error-exception-handling, "Manage the run after behavior"), so a gate
 * that accepts "read and check both skipped" opens there too, and the lead goes out with no claim: a copy of it
 * arriving meanwhile is delivered again. Each definition runs here with its normalization made to fail.
 */
import * as assert from "assert";
import { leadWorkflowOptions } from "../../components/workflowOptions";
import { startRun } from "../../emulator/runtime";
import { WorkflowDefinition } from "../../definition/types";
import { Connectors, HttpCall, JsonObject } from "../../emulator/types";
import { loadStack, listStacks } from "../../program/stacks";
import { ACTION, buildLeadWorkflow } from "../../workflow/leadWorkflow";
import { allTargetsWorkflow, sample } from "../support/fixtures";

const TABLES = "https://acct.table.core.windows.net/";

/** Every definition the kit makes for a lead: the example stacks, every target, and none. */
function definitions(): [string, WorkflowDefinition][] {
  return [
    ...listStacks().map((s): [string, WorkflowDefinition] => [`stack ${s}`, loadStack(s).definition]),
    ["every target", allTargetsWorkflow().definition],
    ["every target, with the function", allTargetsWorkflow(true).definition],
    ["no target", buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope" })).definition],
  ];
}

/** The definition with `Normalize_lead` failing: an expression that selects a property of a string. */
function normalizationFails(definition: WorkflowDefinition): JsonObject {
  const copy = JSON.parse(JSON.stringify(definition));
  const actions = copy.actions[ACTION.screen].default.actions;
  actions[ACTION.normalize].inputs = "@triggerBody()?['OfferTitle']?['cannot']";
  return copy;
}

/** Tables answer as for a new lead (no claim yet); every other call succeeds. Each call is recorded. */
function recording(): Connectors & { calls: string[] } {
  const calls: string[] = [];
  const answer = (c: { actionName: string; method: string }) => {
    calls.push(c.actionName);
    return { statusCode: c.method === "GET" ? 404 : 204, headers: { ETag: 'W/"1"' }, body: { leadid: "L1", id: "1" } };
  };
  return { calls, http: async (c: HttpCall) => answer(c), apiConnection: async (c) => answer(c) };
}

describe("dedup gate: a lead that skipped its claim reaches no target", () => {
  for (const [label, definition] of definitions()) {
    it(`${label}: Normalize_lead failing stops delivery; the lead is archived and dead-lettered`, async () => {
      const connectors = recording();
      const parameters = Object.fromEntries(
        Object.entries((definition.parameters ?? {}) as Record<string, { defaultValue?: unknown }>).map(([k, p]) => [
          k,
          p.defaultValue ?? (k === "tableEndpoint" ? TABLES : `https://${k.toLowerCase()}.example`),
        ]),
      );
      const handle = startRun({
        definition: normalizationFails(definition),
        workflowName: "leads",
        parameters: { ...parameters, tableEndpoint: TABLES },
        request: { method: "POST", headers: { "content-type": "application/json" }, body: sample("full") },
        connectors,
        retryDelayMs: () => 0,
      });
      assert.ok(handle.accepted);
      const [response, run] = await Promise.all([handle.response, handle.done]);
      assert.strictEqual(response.statusCode, 200, "archived first, so Partner Center is answered 200");
      assert.strictEqual(run.actions[ACTION.normalize].status, "Failed");
      assert.strictEqual(run.actions[ACTION.claimDedupKey].status, "Skipped");
      // Archive (and the function's call, first in processing), then the dead letter: no claim, no target, no mark.
      const called = connectors.calls.filter((name) => name !== ACTION.normalizeFunction);
      assert.deepStrictEqual(called, [ACTION.archive, ACTION.markDeadLetter]);
      assert.strictEqual(run.status, "Failed");
    });
  }
});
