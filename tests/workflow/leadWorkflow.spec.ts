/**
 * The workflow definition as data: trigger schema behaviour, the runAfter graph, connection and
 * parameter wiring, retry and secure-data settings, and the rendered snapshots of the example stacks.
 */
import * as assert from "assert";
import * as fs from "fs";
import Ajv from "ajv";
import { leadWorkflowOptions } from "../../components/workflowOptions";
import { renderedPath, renderStack } from "../../scripts/render";
import { CrmTarget } from "../../config/settings";
import { ACTION, buildLeadWorkflow, gateName, TRIGGER_NAME } from "../../workflow/leadWorkflow";
import { strictLeadSchema, triggerLeadSchema } from "../../workflow/leadSchema";
import { stableStringify } from "../../definition/stableJson";
import { listStacks } from "../../program/stacks";
import { WorkflowAction, WorkflowDefinition } from "../../definition/types";
import { TARGET_ACTION } from "../../workflow/crmActions";
import { ARCHIVE_RETRY, ARCHIVE_TIMEOUT, STORAGE_AUDIENCE, worstCaseSeconds } from "../../definition/tableActions";
import { allTargetsWorkflow, asRendered, sample } from "../support/fixtures";

const VALIDATE_LEAD = sample("validate");
const FULL_LEAD = sample("full");
const ALL = allTargetsWorkflow();
const MINIMAL = buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope" }));

/** The actions that process a lead: the screening Switch's default case. */
function processing(definition: WorkflowDefinition): Record<string, WorkflowAction> {
  return (definition.actions[ACTION.screen] as any).default.actions;
}

/** A CRM action inside its per-target gate. */
function crmAction(definition: WorkflowDefinition, target: CrmTarget): WorkflowAction {
  return processing(definition)[gateName(target)].actions![TARGET_ACTION[target]];
}

/** Every action with the scope (parent action name, or "" for the top level) it belongs to. */
function scopes(definition: WorkflowDefinition): Map<string, Record<string, WorkflowAction>> {
  const out = new Map<string, Record<string, WorkflowAction>>();
  const walk = (scopeName: string, actions: Record<string, WorkflowAction>) => {
    out.set(scopeName, actions);
    for (const [name, action] of Object.entries(actions)) {
      if (action.actions) walk(name, action.actions);
      if (action.else) walk(`${name}/else`, action.else.actions);
      for (const [c, branch] of Object.entries((action.cases ?? {}) as Record<string, { actions: any }>))
        walk(`${name}/${c}`, branch.actions);
      const fallback = (action as { default?: { actions: Record<string, WorkflowAction> } }).default;
      if (fallback) walk(`${name}/default`, fallback.actions);
    }
  };
  walk("", definition.actions);
  return out;
}

function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => allStrings(v, out));
  return out;
}

const TARGETS_WITH_WINDOW: CrmTarget = "hubspot";

describe("lead workflow definition", () => {
  describe("trigger schema", () => {
    // strictTypes off: `properties` without `type` is intended (a non-object UserDetails is accepted).
    const validate = new Ajv({ strict: true, strictTypes: false }).compile(triggerLeadSchema());

    for (const [label, body] of [
      ["Partner Center's Validate test lead", VALIDATE_LEAD],
      ["a full lead (Microsoft's sample)", FULL_LEAD],
      ["a lead with extra fields", { ...FULL_LEAD, OfferId: "contoso.app", Plan: { id: "gold" } }],
      ["a lead with missing fields", { UserDetails: { Email: "a@b.example" } }],
      ["an empty object", {}],
      ["a camelCase lead", { userDetails: { firstName: "Zoë" }, actionCode: "PLT" }],
      ["a lead with wrong field types", { ActionCode: 5, UserDetails: "oops", Description: null }],
    ] as const) {
      it(`accepts ${label}`, () => assert.strictEqual(validate(body), true, JSON.stringify(validate.errors)));
    }

    for (const [label, body] of [
      ["an array", [FULL_LEAD]],
      ["a string", "lead"],
      ["a number", 42],
      ["null", null],
      ["a boolean", true],
    ] as const) {
      it(`refuses ${label}`, () => {
        assert.strictEqual(validate(body), false);
        assert.deepStrictEqual(
          validate.errors?.map((e) => e.message),
          ["must be object"],
        );
      });
    }

    it("keeps the published property names, nested UserDetails included", () => {
      const published = strictLeadSchema() as any;
      const trigger = triggerLeadSchema() as any;
      assert.deepStrictEqual(Object.keys(trigger.properties), Object.keys(published.properties));
      assert.deepStrictEqual(
        Object.keys(trigger.properties.UserDetails.properties),
        Object.keys(published.properties.UserDetails.properties),
      );
      assert.deepStrictEqual(trigger.properties.UserDetails.properties.Email, {
        description: "Expected: string. Not enforced.",
      });
    });

    it("is what the Request trigger carries, with schema validation on (non-objects get 400)", () => {
      const trigger = ALL.definition.triggers[TRIGGER_NAME];
      assert.deepStrictEqual(trigger.inputs, { method: "POST", schema: triggerLeadSchema() });
      assert.strictEqual(trigger.type, "Request");
      assert.strictEqual(trigger.kind, "Http");
      assert.strictEqual(trigger.operationOptions, "EnableSchemaValidation");
      assert.deepStrictEqual(trigger.runtimeConfiguration, { secureData: { properties: ["outputs"] } });
    });
  });

  describe("action graph", () => {
    for (const [label, wf] of [
      ["minimal", MINIMAL],
      ["every target", ALL],
    ] as const) {
      it(`${label}: runAfter references only actions of the same scope, without cycles`, () => {
        for (const [scope, actions] of scopes(wf.definition)) {
          for (const [name, action] of Object.entries(actions)) {
            for (const dep of Object.keys(action.runAfter)) {
              assert.ok(dep in actions, `${scope}/${name} runs after unknown ${dep}`);
            }
          }
          // Kahn's algorithm: every action must be schedulable.
          const done = new Set<string>();
          let progressed = true;
          while (progressed) {
            progressed = false;
            for (const [name, action] of Object.entries(actions)) {
              if (!done.has(name) && Object.keys(action.runAfter).every((d) => done.has(d))) {
                done.add(name);
                progressed = true;
              }
            }
          }
          assert.strictEqual(done.size, Object.keys(actions).length, `cycle in scope "${scope}"`);
        }
      });
    }

    it("archives first: the only top-level action that runs at once", () => {
      const first = Object.entries(ALL.definition.actions).filter(([, a]) => Object.keys(a.runAfter).length === 0);
      assert.deepStrictEqual(
        first.map(([n]) => n),
        [ACTION.archive],
      );
      assert.strictEqual(
        ALL.definition.actions[ACTION.archive].inputs && (ALL.definition.actions[ACTION.archive].inputs as any).method,
        "PUT",
      );
    });

    it("answers Partner Center within 60 s whatever storage does: the archive's worst case is bounded", () => {
      const archive = ALL.definition.actions[ACTION.archive] as any;
      assert.deepStrictEqual(archive.inputs.retryPolicy, ARCHIVE_RETRY);
      assert.deepStrictEqual(archive.limit, { timeout: ARCHIVE_TIMEOUT });
      // 3 attempts of 15 s and 2 waits of 5 s, even if limit.timeout bounded each attempt only.
      assert.strictEqual(worstCaseSeconds(archive.inputs.retryPolicy, archive.limit.timeout), 55);
    });

    it("reaches storage only as its managed identity: every table call authenticates for the storage audience", () => {
      const calls = [...scopes(ALL.definition).values()]
        .flatMap((actions) => Object.entries(actions))
        .filter(
          ([, a]) => a.type === "Http" && String((a.inputs as any).uri).startsWith("@{parameters('tableEndpoint')}"),
        );
      assert.deepStrictEqual(calls.map(([n]) => n).sort(), [
        "Archive_raw_lead",
        "Claim_dedup_key",
        "Mark_dead_letter",
        "Mark_delivered",
        "Mark_duplicate",
        "Mark_incomplete",
        "Mark_test_lead",
        "Read_dedup_claim",
        "Record_azureTable",
        "Record_dataverse",
        "Record_email",
        "Record_hubspot",
        "Record_salesforce",
        "Record_teams",
        "Record_webhook",
        "Renew_dedup_claim",
        "Write_marketplace_table",
      ]);
      for (const [name, action] of calls) {
        assert.deepStrictEqual(
          (action.inputs as any).authentication,
          { type: "ManagedServiceIdentity", identity: "@parameters('workflowIdentity')", audience: STORAGE_AUDIENCE },
          name,
        );
        assert.strictEqual((action.inputs as any).headers["x-ms-version"], "2019-02-02", name);
      }
    });

    it("calls no CRM before the archive succeeded and the lead passed the screening and the dedup claim", () => {
      const a = ALL.definition.actions;
      assert.deepStrictEqual(a[ACTION.screen].runAfter, {
        [ACTION.archive]: ["Succeeded"],
        [ACTION.respond]: ["Succeeded", "Failed", "TimedOut"],
      });
      const process = processing(ALL.definition);
      assert.deepStrictEqual(process[ACTION.normalize].runAfter, {});
      assert.deepStrictEqual(process[ACTION.claimDedupKey].runAfter, { [ACTION.normalize]: ["Succeeded"] });
      assert.deepStrictEqual(process[ACTION.readDedupClaim].runAfter, {
        [ACTION.claimDedupKey]: ["Failed", "TimedOut"],
      });
      const resolved = {
        [ACTION.claimDedupKey]: ["Succeeded", "Failed", "TimedOut"], // the claim ran (see dedupGate.spec.ts)
        [ACTION.readDedupClaim]: ["Succeeded", "Skipped"],
        [ACTION.checkDuplicate]: ["Succeeded", "Skipped"],
      };
      for (const target of Object.keys(TARGET_ACTION) as CrmTarget[]) {
        const gate = process[gateName(target)];
        // The Teams card waits for Dataverse's success, to link to its lead (workflow/phases/delivery.ts).
        const linked = target === "teams" ? { [gateName("dataverse")]: ["Succeeded"] } : {};
        assert.deepStrictEqual(gate.runAfter, { ...resolved, ...linked }, target);
        assert.deepStrictEqual(gate.expression, {
          contains: [
            "@split(coalesce(triggerOutputs()?['headers']?['x-leadkit-replay-targets'], 'dataverse,salesforce,hubspot,email,webhook,azureTable,teams'), ',')",
            target,
          ],
        });
        assert.deepStrictEqual(crmAction(ALL.definition, target).runAfter, {}, target);
        assert.deepStrictEqual(gate.actions![`Record_${target}`].runAfter, { [TARGET_ACTION[target]]: ["Succeeded"] });
      }
      assert.deepStrictEqual(process[ACTION.markDelivered].runAfter, {
        Send_to_azureTable: ["Succeeded"],
        Send_to_dataverse: ["Succeeded"],
        Send_to_email: ["Succeeded"],
        Send_to_hubspot: ["Succeeded"],
        Send_to_salesforce: ["Succeeded"],
        Send_to_teams: ["Succeeded"],
        Send_to_webhook: ["Succeeded"],
      });
    });

    it("one target: no gate and no record action (a replay owes it or nothing); Mark_delivered is its ledger entry", () => {
      const one = buildLeadWorkflow(
        leadWorkflowOptions({ location: "westeurope", webhook: { url: "https://h", secret: "s".repeat(16) } }),
      );
      const process = processing(one.definition);
      assert.deepStrictEqual(Object.keys(process).sort(), [
        "Check_duplicate",
        "Claim_dedup_key",
        "Mark_delivered",
        "Normalize_lead",
        "Post_webhook",
        "Read_dedup_claim",
      ]);
      assert.deepStrictEqual(process.Post_webhook.runAfter, {
        [ACTION.claimDedupKey]: ["Succeeded", "Failed", "TimedOut"],
        [ACTION.readDedupClaim]: ["Succeeded", "Skipped"],
        [ACTION.checkDuplicate]: ["Succeeded", "Skipped"],
      });
      assert.strictEqual((process[ACTION.markDelivered].inputs as any).body.Sent_webhook, "@{'sent'}");
    });

    it("screens out the test lead always, the lead with no contact unless incompleteLeads is deliver", () => {
      const cases = (wf: typeof ALL) => Object.keys((wf.definition.actions[ACTION.screen] as any).cases).sort();
      assert.deepStrictEqual(cases(ALL), ["Incomplete_lead", "Test_lead"]);
      const deliver = buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope", incompleteLeads: "deliver" }));
      assert.deepStrictEqual(cases(deliver), ["Test_lead"]);
    });

    it("answers 200 once archived, 500 otherwise", () => {
      const respond = ALL.definition.actions[ACTION.respond];
      assert.deepStrictEqual(respond.runAfter, { [ACTION.archive]: ["Succeeded", "Failed", "TimedOut"] });
      assert.strictEqual(
        (respond.inputs as any).statusCode,
        "@if(equals(actions('Archive_raw_lead')?['status'], 'Succeeded'), 200, 500)",
      );
    });

    it("dead-letters and fails the run when processing fails", () => {
      const a = ALL.definition.actions;
      assert.deepStrictEqual(a[ACTION.deliveryReport].runAfter, {
        [ACTION.screen]: ["Failed", "TimedOut"],
        [ACTION.archive]: ["Succeeded"],
      });
      // The screening's own report stands in when the delivery report could not read the cases (it failed).
      assert.deepStrictEqual(a[ACTION.screeningReport].runAfter, { [ACTION.deliveryReport]: ["Failed"] });
      assert.deepStrictEqual(a[ACTION.collectFailures].runAfter, {
        [ACTION.deliveryReport]: ["Succeeded", "Failed"],
        [ACTION.screeningReport]: ["Succeeded", "Skipped"],
      });
      assert.deepStrictEqual(a[ACTION.markDeadLetter].runAfter, { [ACTION.listFailedTargets]: ["Succeeded"] });
      assert.deepStrictEqual(a[ACTION.failRun].runAfter, {
        [ACTION.markDeadLetter]: ["Succeeded", "Failed", "TimedOut"],
      });
      assert.strictEqual((a[ACTION.markDeadLetter].inputs as any).body.Status, "dead-letter");
      assert.strictEqual((a[ACTION.failRun].inputs as any).runStatus, "Failed");
    });

    it("gives every CRM call the configured exponential retry policy", () => {
      for (const target of Object.keys(TARGET_ACTION) as CrmTarget[]) {
        // HubSpot waits at least its 10-second rate-limit window between tries (targets/hubspot.ts).
        const rateWindow: object = target === TARGETS_WITH_WINDOW ? { minimumInterval: "PT10S" } : {};
        assert.deepStrictEqual(
          (crmAction(ALL.definition, target).inputs as any).retryPolicy,
          { type: "exponential", count: 10, interval: "PT30S", maximumInterval: "PT1H", ...rateWindow },
          target,
        );
      }
    });

    it("hides personal data from the run history, in the shape each action type supports", () => {
      // Compose, Parse JSON and Response support Secure Inputs only (which also hides their outputs);
      // "outputs" there is refused with InvalidSecureDataConfiguration (logic-apps-securing-a-logic-app.md).
      const expected: Record<string, string[] | undefined> = {
        Compose: ["inputs"],
        Http: ["inputs", "outputs"],
        ApiConnection: ["inputs", "outputs"],
        Query: ["inputs", "outputs"],
        Select: ["inputs", "outputs"],
      };
      const checked = new Set<string>();
      for (const wf of [
        ALL,
        buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope", normalizerFunction: true })),
      ]) {
        for (const actions of scopes(wf.definition).values()) {
          for (const [name, action] of Object.entries(actions)) {
            if (!(action.type in expected)) {
              assert.strictEqual(
                action.runtimeConfiguration,
                undefined,
                `${name} (${action.type}) supports no secure data`,
              );
              continue;
            }
            assert.deepStrictEqual(action.runtimeConfiguration?.secureData.properties, expected[action.type], name);
            checked.add(action.type);
          }
        }
      }
      assert.deepStrictEqual([...checked].sort(), ["ApiConnection", "Compose", "Http", "Query", "Select"]);
    });
  });

  describe("wiring", () => {
    it("references exactly the connections it declares", () => {
      const used = new Set<string>();
      for (const s of allStrings(ALL.definition)) {
        for (const m of s.matchAll(/parameters\('\$connections'\)\['([^']+)'\]/g)) used.add(m[1]);
      }
      assert.deepStrictEqual([...used].sort(), [...ALL.apis].sort());
      assert.deepStrictEqual(ALL.apis, ["commondataservice", "salesforce", "office365"]);
      assert.deepStrictEqual(MINIMAL.apis, [], "storage needs no connection: the workflow's identity reaches it");
    });

    it("declares every parameter it reads", () => {
      for (const wf of [ALL, MINIMAL]) {
        const read = new Set<string>();
        for (const s of allStrings(wf.definition))
          for (const m of s.matchAll(/parameters\('([^']+)'\)/g)) read.add(m[1]);
        // `$connections` is declared even without a connector: the component always passes it.
        if (wf.apis.length === 0) read.add("$connections");
        assert.deepStrictEqual([...read].sort(), Object.keys(wf.definition.parameters).sort());
      }
      assert.deepStrictEqual(ALL.definition.parameters.webhookSecret, {
        type: "SecureString",
        metadata: { description: "Secret sent in the webhook's secret header." },
      });
    });

    it("is deterministic, with keys sorted at every level", () => {
      const again = buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope" }));
      assert.strictEqual(JSON.stringify(again.definition), JSON.stringify(MINIMAL.definition));
      assert.strictEqual(JSON.stringify(MINIMAL.definition, null, 2) + "\n", stableStringify(MINIMAL.definition));
    });
  });

  describe("rendered snapshots (npm run render)", () => {
    it("covers every example stack", () => {
      assert.deepStrictEqual(listStacks(), ["dev", "notices", "prod"]);
    });
    // Your own stacks too, as `npm run render` writes them (the examples are what every other test runs).
    for (const stack of asRendered(listStacks)) {
      it(`rendered/${stack}.workflow.json is what stack ${stack} deploys (run \`npm run render\` after a change)`, () => {
        assert.strictEqual(
          fs.readFileSync(renderedPath(stack), "utf8"),
          asRendered(() => renderStack(stack)),
        );
      });
    }
  });
});
