/**
 * Every HTTP action the kit makes takes its receiver's first answer, a 202 included. By default an HTTP action
 * polls the `location` of a 202 "until the receiver stops processing and returns a "200 OK" success response or
 * other non-202 response" (learn.microsoft.com/azure/connectors/connectors-native-http#asynchronous-request-response-behavior):
 * a webhook answering 202 with a Location (a Durable Functions starter) would have the lead it already holds
 * dead-lettered by a failed poll, and its replay send it twice. `"operationOptions": "DisableAsyncPattern"` turns
 * that off (Learn, logic-apps-workflow-actions-triggers#operation-options).
 */
import * as assert from "assert";
import { actionNodes } from "../../azure-rules/definitionRules";
import { leadWorkflowOptions } from "../../components/workflowOptions";
import { WorkflowDefinition } from "../../definition/types";
import { listStacks, loadStack } from "../../program/stacks";
import { buildLeadWorkflow } from "../../workflow/leadWorkflow";
import { allTargetsWorkflow } from "../support/fixtures";

/** Each Http action of a definition (nested ones included), with its operationOptions. */
const httpActions = (definition: WorkflowDefinition) =>
  actionNodes(definition)
    .filter((n) => n.action.type === "Http")
    .map((n) => [n.name, n.action.operationOptions]);

describe("HTTP actions take the first answer (DisableAsyncPattern)", () => {
  it("every target, with the function: the deliveries, the normalizer call and every table call", () => {
    assert.deepStrictEqual(
      httpActions(allTargetsWorkflow(true).definition).sort(),
      [
        "Archive_raw_lead",
        "Claim_dedup_key",
        "Mark_dead_letter",
        "Mark_delivered",
        "Mark_duplicate",
        "Mark_incomplete",
        "Mark_test_lead",
        "Normalize_lead_function",
        "Post_teams_notice",
        "Post_webhook",
        "Read_dedup_claim",
        "Record_azureTable",
        "Record_dataverse",
        "Record_email",
        "Record_hubspot",
        "Record_salesforce",
        "Record_teams",
        "Record_webhook",
        "Renew_dedup_claim",
        "Upsert_hubspot_contact",
        "Write_marketplace_table",
      ].map((name) => [name, "DisableAsyncPattern"]),
    );
  });

  const definitions: [string, WorkflowDefinition][] = [
    ...listStacks().map((s): [string, WorkflowDefinition] => [`stack ${s}`, loadStack(s).definition]),
    ["every target", allTargetsWorkflow().definition],
    ["no target", buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope" })).definition],
  ];
  for (const [label, definition] of definitions) {
    it(`${label}: every Http action carries it`, () => {
      const found = httpActions(definition);
      assert.ok(found.length >= 9, `${found.length} Http actions`);
      assert.deepStrictEqual(
        found,
        found.map(([name]) => [name, "DisableAsyncPattern"]),
      );
    });
  }
});
