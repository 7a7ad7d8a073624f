/**
 * Azure's server-side rules (azure-rules/): each rule fires on a bad example with its exact text and
 * stays quiet on a good one; then every stack's definition and the whole program under strict mocks.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { actionNodes, checkDefinition, DEFINITION_RULES, DefinitionOptions } from "../../azure-rules/definitionRules";
import { checkInvoke, checkRegistration, Registration, RESOURCE_RULES } from "../../azure-rules/resourceRules";
import { formatViolation } from "../../azure-rules/violation";
import { configText, listStacks, loadStack } from "../../program/stacks";
import { stackFilePath } from "../../program/stackFiles";
import { endpointArgs } from "../../program/endpointArgs";
import { endpointName, MAX_STACK_NAME } from "../../program/pulumiConfig";
import { parseStackConfig } from "../../config/stackConfig";
import { WDL_SCHEMA, WorkflowAction, WorkflowDefinition } from "../../definition/types";
import { asRendered } from "../support/fixtures";
import { installStrictMocks, StrictRecording } from "../support/strictMocks";

const fired = new Set<string>();

/** A small definition that breaks no rule. */
function good(): WorkflowDefinition {
  return {
    $schema: WDL_SCHEMA,
    contentVersion: "1.0.0.0",
    parameters: {},
    outputs: {},
    triggers: {
      manual: {
        type: "Request",
        kind: "Http",
        inputs: { method: "POST", schema: {} },
        operationOptions: "EnableSchemaValidation",
      },
    },
    actions: {
      Compose_lead: {
        type: "Compose",
        inputs: "@triggerBody()",
        runAfter: {},
        runtimeConfiguration: { secureData: { properties: ["inputs"] } },
      },
      Call_api: {
        type: "Http",
        inputs: {
          method: "POST",
          uri: "https://example.com/x",
          body: "@outputs('Compose_lead')",
          retryPolicy: {
            type: "exponential",
            count: 3,
            interval: "PT5S",
            minimumInterval: "PT5S",
            maximumInterval: "PT30S",
          },
          authentication: { type: "ManagedServiceIdentity", audience: "https://storage.azure.com/" },
        },
        runAfter: { Compose_lead: ["Succeeded"] },
        limit: { timeout: "PT30S" },
        runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
      },
      Respond: {
        type: "Response",
        kind: "Http",
        inputs: { statusCode: 200 },
        runAfter: { Call_api: ["Succeeded", "Failed"] },
      },
      Stop: {
        type: "Terminate",
        inputs: { runStatus: "Failed", runError: { code: "Stopped", message: "stopped" } },
        runAfter: { Respond: ["Succeeded", "TimedOut", "Skipped"] },
      },
    },
  };
}

const IDENTITY: DefinitionOptions = { workflowIdentity: true };

/** The formatted violations of a definition; records which rules fired. */
function violations(def: WorkflowDefinition, options: DefinitionOptions = IDENTITY): string[] {
  const found = checkDefinition(def, options);
  found.forEach((x) => fired.add(x.rule));
  return found.map(formatViolation);
}

function mutated(change: (d: WorkflowDefinition) => void): WorkflowDefinition {
  const d = good();
  change(d);
  return d;
}

const act = (d: WorkflowDefinition, name: string): WorkflowAction => d.actions[name];
const inputs = (d: WorkflowDefinition, name: string) => act(d, name).inputs as Record<string, any>;

describe("Azure rules: workflow definitions", () => {
  it("a definition that follows every rule has no violation", () => {
    assert.deepStrictEqual(violations(good()), []);
  });

  it("secure-data-inputs-only: Compose with secure outputs", () => {
    const d = mutated(
      (x) => (act(x, "Compose_lead").runtimeConfiguration = { secureData: { properties: ["inputs", "outputs"] } }),
    );
    assert.deepStrictEqual(violations(d), [
      'InvalidSecureDataConfiguration [secure-data-inputs-only] actions.Compose_lead: Compose action "Compose_lead" sets runtimeConfiguration.secureData.properties to ["inputs","outputs"]; Compose supports only "inputs" (which also hides its outputs). Fix: use secureData.properties ["inputs"].',
    ]);
  });

  it("secure-data-unsupported and secure-data-values", () => {
    const d = mutated((x) => {
      (act(x, "Stop") as any).runtimeConfiguration = { secureData: { properties: ["inputs"] } };
      act(x, "Call_api").runtimeConfiguration = { secureData: { properties: ["inputs", "body"] } } as any;
    });
    assert.deepStrictEqual(violations(d), [
      '[secure-data-unsupported] actions.Stop: Terminate action "Stop" sets runtimeConfiguration.secureData; Terminate has neither Secure Inputs nor Secure Outputs. Fix: remove secureData from this action and secure the actions that hold the data.',
      'InvalidSecureDataConfiguration [secure-data-values] actions.Call_api: secureData.properties contains ["body"]; only "inputs" and "outputs" exist. Fix: list "inputs" and/or "outputs" only.',
    ]);
  });

  it("secure-data-inputs-only: Wait with secure outputs (Secure Inputs only, which does not hide its outputs)", () => {
    const d = mutated((x) => {
      x.actions.Pause = {
        type: "Wait",
        inputs: { interval: { count: 1, unit: "Minute" } },
        runAfter: { Stop: ["Succeeded"] },
        runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
      };
    });
    assert.deepStrictEqual(violations(d), [
      'InvalidSecureDataConfiguration [secure-data-inputs-only] actions.Pause: Wait action "Pause" sets runtimeConfiguration.secureData.properties to ["inputs","outputs"]; Wait supports only "inputs". Fix: use secureData.properties ["inputs"].',
    ]);
  });

  it("secure-data-unsupported: the variable actions and a Recurrence trigger have neither setting", () => {
    const d = mutated((x) => {
      x.triggers.Every_hour = {
        type: "Recurrence",
        recurrence: { frequency: "Hour", interval: 1 },
        runtimeConfiguration: { secureData: { properties: ["outputs"] } },
      } as any;
      x.actions.Hold = {
        type: "InitializeVariable",
        inputs: { variables: [{ name: "n", type: "integer", value: 0 }] },
        runAfter: { Stop: ["Succeeded"] },
        runtimeConfiguration: { secureData: { properties: ["inputs"] } },
      };
      x.actions.Count = {
        type: "IncrementVariable",
        inputs: { name: "n", value: 1 },
        runAfter: { Hold: ["Succeeded"] },
        runtimeConfiguration: { secureData: { properties: ["outputs"] } },
      };
    });
    assert.deepStrictEqual(violations(d), [
      '[secure-data-unsupported] triggers.Every_hour: Recurrence trigger "Every_hour" sets runtimeConfiguration.secureData; Recurrence has neither Secure Inputs nor Secure Outputs. Fix: remove secureData from this trigger.',
      '[secure-data-unsupported] actions.Hold: InitializeVariable action "Hold" sets runtimeConfiguration.secureData; InitializeVariable has neither Secure Inputs nor Secure Outputs. Fix: remove secureData from this action and secure the actions that hold the data.',
      '[secure-data-unsupported] actions.Count: IncrementVariable action "Count" sets runtimeConfiguration.secureData; IncrementVariable has neither Secure Inputs nor Secure Outputs. Fix: remove secureData from this action and secure the actions that hold the data.',
    ]);
  });

  it("retry-policy: count, interval range, exponential-only bounds, min above max, type", () => {
    const d = mutated((x) => {
      inputs(x, "Call_api").retryPolicy = {
        type: "exponential",
        count: 91,
        interval: "PT2S",
        minimumInterval: "PT1M",
        maximumInterval: "PT30S",
      };
      act(x, "Respond").inputs = {
        statusCode: 200,
        retryPolicy: { type: "fixed", count: 2, interval: "P2D", maximumInterval: "PT1M" },
      };
      act(x, "Compose_lead").inputs = { retryPolicy: { type: "linear" } };
    });
    assert.deepStrictEqual(violations(d), [
      '[retry-policy] actions.Compose_lead.inputs.retryPolicy: type "linear" is not a retry policy type. Fix: use one of default, none, fixed, exponential.',
      "[retry-policy] actions.Call_api.inputs.retryPolicy: count 91 is not a whole number from 1 to 90. Fix: set count between 1 and 90.",
      '[retry-policy] actions.Call_api.inputs.retryPolicy: interval "PT2S" is not an ISO 8601 duration from PT5S to P1D. Fix: set interval to e.g. "PT30S".',
      "[retry-policy] actions.Call_api.inputs.retryPolicy: minimumInterval PT1M exceeds maximumInterval PT30S. Fix: make minimumInterval <= maximumInterval.",
      '[retry-policy] actions.Respond.inputs.retryPolicy: interval "P2D" is not an ISO 8601 duration from PT5S to P1D. Fix: set interval to e.g. "PT30S".',
      '[retry-policy] actions.Respond.inputs.retryPolicy: maximumInterval applies only to the exponential policy. Fix: remove maximumInterval or use type "exponential".',
    ]);
  });

  it("expression-valid: unknown function, wrong arity, bad syntax (InvalidTemplate)", () => {
    const d = mutated((x) => {
      inputs(x, "Call_api").body = "@{toUpperCase('a')} @{concat()}";
      inputs(x, "Call_api").uri = "@parameters('x'";
    });
    assert.deepStrictEqual(violations(d), [
      `InvalidTemplate [expression-valid] actions.Call_api.inputs.uri: The template language expression 'parameters('x'' is not valid: expected ')' at position 14. (in "@parameters('x'") Fix: fix the function name, its argument count or the syntax.`,
      `InvalidTemplate [expression-valid] actions.Call_api.inputs.body: The template function 'toUpperCase' is not defined or not valid. (in "@{toUpperCase('a')} @{concat()}") Fix: fix the function name, its argument count or the syntax.`,
      `InvalidTemplate [expression-valid] actions.Call_api.inputs.body: The template language function 'concat' expects at least '1' parameter. The function was invoked with '0' parameters. (in "@{toUpperCase('a')} @{concat()}") Fix: fix the function name, its argument count or the syntax.`,
    ]);
  });

  it("expression-length: more than 8,192 characters in one expression", () => {
    const long = `@concat('${"a".repeat(8190)}')`;
    const d = mutated((x) => (act(x, "Compose_lead").inputs = long));
    assert.deepStrictEqual(violations(d), [
      "[expression-length] actions.Compose_lead: an expression has 8200 characters; the limit is 8,192. Fix: split it across Compose actions or move the text to a parameter.",
    ]);
    const ok = mutated((x) => (act(x, "Compose_lead").inputs = `@concat('${"a".repeat(8182)}')`));
    assert.deepStrictEqual(violations(ok), []);
  });

  it("run-after-status, run-after-target and run-after-cycle", () => {
    const d = mutated((x) => {
      act(x, "Respond").runAfter = { Call_api: ["Succeeded", "Completed" as any] };
      act(x, "Stop").runAfter = { Nowhere: ["Succeeded"] };
      act(x, "Compose_lead").runAfter = { Call_api: ["Succeeded"] };
    });
    assert.deepStrictEqual(violations(d), [
      '[run-after-status] actions.Respond.runAfter.Call_api: status ["Completed"] is not a run-after status. Fix: use Succeeded, Failed, Skipped, TimedOut.',
      '[run-after-target] actions.Stop.runAfter: runs after "Nowhere", which is not another action of the same actions block. Fix: name an action next to "Stop", or move "Stop" next to "Nowhere".',
      "[run-after-cycle] actions.Compose_lead: runAfter forms a cycle: Compose_lead -> Call_api -> Compose_lead. Fix: break the cycle so that one action runs first.",
    ]);
  });

  it("run-after-target: an action inside a scope can't run after an action outside it", () => {
    const d = mutated((x) => {
      x.actions.Group = {
        type: "Scope",
        runAfter: {},
        actions: { Inner: { type: "Compose", inputs: 1, runAfter: { Compose_lead: ["Succeeded"] } } },
      };
    });
    assert.deepStrictEqual(violations(d), [
      '[run-after-target] actions.Group.actions.Inner.runAfter: runs after "Compose_lead", which is not another action of the same actions block. Fix: name an action next to "Inner", or move "Inner" next to "Compose_lead".',
    ]);
  });

  it("terminate-status: runStatus values and runError only with Failed", () => {
    const bad = mutated((x) => (inputs(x, "Stop").runStatus = "Aborted"));
    assert.deepStrictEqual(violations(bad), [
      '[terminate-status] actions.Stop: runStatus "Aborted" is not Failed, Cancelled or Succeeded. Fix: set runStatus to Failed, Cancelled or Succeeded.',
    ]);
    const withError = mutated((x) => (inputs(x, "Stop").runStatus = "Succeeded"));
    assert.deepStrictEqual(violations(withError), [
      '[terminate-status] actions.Stop: runError is set with runStatus "Succeeded"; runError applies only to Failed. Fix: remove runError or use runStatus "Failed".',
    ]);
  });

  it("terminate-not-in-loop and response-not-in-loop", () => {
    const d = mutated((x) => {
      x.actions.Each = {
        type: "Foreach",
        foreach: "@createArray(1)",
        runAfter: {},
        actions: {
          Loop_until: {
            type: "Until",
            expression: "@equals(1, 1)",
            runAfter: {},
            actions: {
              Answer: { type: "Response", kind: "Http", inputs: { statusCode: 202 }, runAfter: {} },
              Quit: { type: "Terminate", inputs: { runStatus: "Cancelled" }, runAfter: { Answer: ["Succeeded"] } },
            },
          },
        },
      };
    });
    assert.deepStrictEqual(violations(d), [
      '[terminate-not-in-loop] actions.Each.actions.Loop_until.actions.Quit: Terminate action "Quit" is inside a Foreach loop. Fix: move "Quit" out of the loop.',
      '[response-not-in-loop] actions.Each.actions.Loop_until.actions.Answer: Response action "Answer" is inside a Foreach loop. Fix: move "Answer" out of the loop.',
    ]);
  });

  it("response-request-trigger and response-status-code", () => {
    const d = mutated((x) => {
      x.triggers = { hourly: { type: "Recurrence" } };
      inputs(x, "Respond").statusCode = 302;
    });
    assert.deepStrictEqual(violations(d), [
      '[response-request-trigger] actions.Respond: Response action "Respond" needs a Request (HTTP) trigger; the workflow has none. Fix: start the workflow with a Request trigger or remove the Response.',
      "[response-status-code] actions.Respond.inputs.statusCode: statusCode 302 is not a 2xx, 4xx or 5xx code. Fix: use a status code from 200-299, 400-499 or 500-599.",
    ]);
    const expression = mutated((x) => (inputs(x, "Respond").statusCode = "@if(true, 200, 500)"));
    assert.deepStrictEqual(violations(expression), []);
  });

  it("definition-counts: actions, triggers, parameters and outputs", () => {
    const d = mutated((x) => {
      for (let i = 0; i < 497; i++) x.actions[`A${i}`] = { type: "Compose", inputs: i, runAfter: {} };
      for (let i = 0; i < 51; i++) x.parameters[`p${i}`] = { type: "String", defaultValue: "" };
      for (let i = 0; i < 11; i++) x.outputs[`o${i}`] = { type: "String", value: "x" };
    });
    assert.deepStrictEqual(violations(d), [
      "[definition-counts] actions: Actions per workflow: 501; the limit is 500. Fix: split the workflow into nested workflows.",
      "[definition-counts] parameters: Parameters per workflow (Consumption): 51; the limit is 50. Fix: split the workflow into nested workflows.",
      "[definition-counts] outputs: Outputs per workflow: 11; the limit is 10. Fix: split the workflow into nested workflows.",
    ]);
    delete (d.actions as Record<string, unknown>).A0;
    assert.strictEqual(violations(d).length, 2, "500 actions are allowed");
  });

  it("nesting-depth: a ninth level of nested actions", () => {
    const nest = (depth: number): Record<string, WorkflowAction> =>
      depth === 1
        ? { L1: { type: "Compose", inputs: 1, runAfter: {} } }
        : { [`L${depth}`]: { type: "Scope", runAfter: {}, actions: nest(depth - 1) } };
    const d = mutated((x) => Object.assign(x.actions, nest(9)));
    assert.deepStrictEqual(violations(d), [
      '[nesting-depth] actions.L9.actions.L8.actions.L7.actions.L6.actions.L5.actions.L4.actions.L3.actions.L2.actions.L1: action "L1" is nested 9 levels deep; the limit is 8. Fix: flatten the scopes or move the branch into a nested workflow.',
    ]);
    assert.deepStrictEqual(violations(mutated((x) => Object.assign(x.actions, nest(8)))), []);
  });

  it("name-length and description-length", () => {
    const name = "N".repeat(81);
    const d = mutated((x) => {
      x.actions[name] = { type: "Compose", inputs: 1, runAfter: {} };
      act(x, "Respond").description = "d".repeat(257);
    });
    assert.deepStrictEqual(violations(d), [
      `[name-length] actions.${name}: the name "${name}" has 81 characters; the limit is 80. Fix: shorten the name to 80 characters or fewer.`,
      "[description-length] actions.Respond.description: the description has 257 characters; the limit is 256. Fix: shorten the description to 256 characters.",
    ]);
  });

  it("limit-timeout: ISO 8601 and within the 90-day run duration", () => {
    const d = mutated((x) => (act(x, "Call_api").limit = { timeout: "30s" }));
    assert.deepStrictEqual(violations(d), [
      '[limit-timeout] actions.Call_api.limit.timeout: timeout "30s" is not an ISO 8601 duration up to the 90-day run duration. Fix: use a duration such as "PT30S" or "PT1H".',
    ]);
    assert.strictEqual(violations(mutated((x) => (act(x, "Call_api").limit = { timeout: "P91D" }))).length, 1);
    assert.deepStrictEqual(violations(mutated((x) => (act(x, "Call_api").limit = { timeout: "P90D" }))), []);
  });

  it("http-authentication and http-managed-identity", () => {
    const d = mutated((x) => (inputs(x, "Call_api").authentication = { type: "ManagedServiceIdentity" }));
    assert.deepStrictEqual(violations(d, {}), [
      '[http-authentication] actions.Call_api.inputs.authentication: ManagedServiceIdentity authentication has no audience. Fix: set audience to the target resource, e.g. "https://storage.azure.com/".',
      '[http-managed-identity] actions.Call_api.inputs.authentication: action "Call_api" authenticates as the workflow\'s managed identity, but the workflow has none ("does not have managed identity enabled"). Fix: give the workflow identity: { type: "SystemAssigned" }.',
    ]);
    const oauth = mutated((x) => (inputs(x, "Call_api").authentication = { type: "Oauth2" }));
    assert.deepStrictEqual(violations(oauth, {}), [
      '[http-authentication] actions.Call_api.inputs.authentication: authentication type "Oauth2" is not supported. Fix: use one of Basic, ClientCertificate, ActiveDirectoryOAuth, Raw, ManagedServiceIdentity.',
    ]);
  });

  it("trigger-operation-options and trigger-request-schema", () => {
    const d = mutated((x) => {
      x.triggers.manual.operationOptions = "EnableSchemaValidation, ValidateEverything";
      (x.triggers.manual.inputs as Record<string, unknown>).schema = "lead.json";
    });
    assert.deepStrictEqual(violations(d), [
      '[trigger-operation-options] triggers.manual.operationOptions: "ValidateEverything" is not an operation option. Fix: use Asynchronous, DisableAsyncPattern, DisableAutomaticDecompression, EnableSchemaValidation, IncludeAuthorizationHeadersInOutputs, Sequential, SingleInstance, SuppressWorkflowHeaders, SuppressWorkflowHeadersOnResponse.',
      "[trigger-request-schema] triggers.manual.inputs.schema: the Request trigger's schema is not a JSON object. Fix: give a JSON schema object, or {}.",
    ]);
  });

  it("walks If branches and Switch cases as their own action blocks", () => {
    const d = mutated((x) => {
      x.actions.Check = {
        type: "If",
        expression: { and: [] },
        runAfter: {},
        actions: { Yes: { type: "Compose", inputs: 1, runAfter: {} } },
        else: { actions: { No: { type: "Compose", inputs: 2, runAfter: {} } } },
      };
      x.actions.Pick = {
        type: "Switch",
        expression: "@triggerBody()",
        runAfter: {},
        cases: { One: { case: 1, actions: { First: { type: "Compose", inputs: 1, runAfter: {} } } } },
        default: { actions: { Other: { type: "Compose", inputs: 1, runAfter: {} } } },
      };
    });
    assert.deepStrictEqual(
      actionNodes(d)
        .map((n) => `${n.path}@${n.depth}`)
        .slice(4),
      [
        "actions.Check@1",
        "actions.Check.actions.Yes@2",
        "actions.Check.else.actions.No@2",
        "actions.Pick@1",
        "actions.Pick.cases.One.actions.First@2",
        "actions.Pick.default.actions.Other@2",
      ],
    );
  });
});

const reg = (type: string, name: string, inputs: Record<string, any> = {}, id?: string): Registration => ({
  type: `azure-native:${type}`,
  name,
  inputs,
  ...(id ? { id } : {}),
});

function onRegister(r: Registration, before: Registration[] = []): string[] {
  const found = checkRegistration(r, before);
  found.forEach((x) => fired.add(x.rule));
  return found.map(formatViolation);
}

const WS_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs";
const ROLE = (id: string) => `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${id}`;
const FLEX = (runtime: object, scale: object) => ({ functionAppConfig: { runtime, scaleAndConcurrency: scale } });
const TABLES_API = "/subscriptions/s/providers/Microsoft.Web/locations/westeurope/managedApis/azuretables";

describe("Azure rules: resources and invokes", () => {
  it("scheduled-query-new-workspace: a log alert on a workspace of the same deployment (SemanticError)", () => {
    const workspace = reg("operationalinsights:Workspace", "leads-logs", {}, WS_ID);
    const rule = reg("monitor:ScheduledQueryRule", "dead-letters", { scopes: [WS_ID] });
    assert.deepStrictEqual(onRegister(rule, [workspace]), [
      'SemanticError [scheduled-query-new-workspace] azure-native:monitor:ScheduledQueryRule dead-letters: the log query is validated against workspace "leads-logs", created in this deployment, whose tables do not exist until logs arrive ("SEM0100 ... Failed to resolve table or column expression"). Fix: set skipQueryValidation: true (or create the rule in a later deployment).',
    ]);
    assert.deepStrictEqual(
      onRegister({ ...rule, inputs: { ...rule.inputs, skipQueryValidation: true } }, [workspace]),
      [],
    );
    assert.deepStrictEqual(onRegister(rule, []), [], "an existing workspace has its tables");
  });

  it("host-keys-need-storage: listing host keys of an app created without AzureWebJobsStorage", () => {
    const bare = reg("web:WebApp", "leads-fn-app");
    const found = checkInvoke(
      { token: "azure-native:web:listWebAppHostKeys", inputs: { name: "leads-fn-app", resourceGroupName: "rg" } },
      [bare],
    );
    found.forEach((x) => fired.add(x.rule));
    assert.deepStrictEqual(found.map(formatViolation), [
      '[host-keys-need-storage] azure-native:web:listWebAppHostKeys: host keys of "leads-fn-app" are listed but the app was created without an AzureWebJobsStorage setting ("Secret initialization from Blob storage failed due to missing both an Azure Storage connection string and a SAS connection uri"). Fix: put AzureWebJobsStorage__accountName in siteConfig.appSettings at creation, or drop the key (managed identity authentication).',
    ]);
    const withStorage = reg("web:WebApp", "leads-fn-app", {
      siteConfig: { appSettings: [{ name: "AzureWebJobsStorage__accountName", value: "st" }] },
    });
    assert.deepStrictEqual(
      checkInvoke({ token: "azure-native:web:listWebAppHostKeys", inputs: { name: "leads-fn-app" } }, [withStorage]),
      [],
    );
  });

  it("connection-parameters: a parameter the managed API does not define", () => {
    const conn = reg("web:Connection", "leads-salesforce", {
      properties: {
        api: { id: TABLES_API.replace("azuretables", "salesforce") },
        nonSecretParameterValues: { "token:LoginUri": "https://login.salesforce.com", loginUrl: "x" },
      },
    });
    assert.deepStrictEqual(onRegister(conn), [
      '[connection-parameters] azure-native:web:Connection leads-salesforce: managed API "salesforce" defines no connection parameter "loginUrl" (it defines: token:LoginUri). Fix: remove "loginUrl" or use one of the API\'s parameters.',
    ]);
    const zoho = reg("web:Connection", "leads-zoho", {
      properties: { api: { id: TABLES_API.replace("azuretables", "zohocrm") } },
    });
    assert.deepStrictEqual(onRegister(zoho), [
      '[connection-parameters] azure-native:web:Connection leads-zoho: no parameter table for managed API "zohocrm". Fix: add its connection parameters, with a source, to CONNECTION_PARAMETERS.',
    ]);
    assert.deepStrictEqual(
      onRegister({
        ...conn,
        inputs: {
          properties: { api: conn.inputs.properties.api, nonSecretParameterValues: { "token:LoginUri": "x" } },
        },
      }),
      [],
    );
  });

  it("role-definition-built-in: an id that is not a built-in role (RoleDefinitionDoesNotExist)", () => {
    const ra = reg("authorization:RoleAssignment", "blob-owner", {
      principalType: "ServicePrincipal",
      roleDefinitionId: ROLE("b7e6dc6d-f1e8-4753-8033-0f276bb09550"),
    });
    assert.deepStrictEqual(onRegister(ra), [
      'RoleDefinitionDoesNotExist [role-definition-built-in] azure-native:authorization:RoleAssignment blob-owner: roleDefinitionId "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb09550" is not a built-in role the kit knows ("The specified role definition with ID ... does not exist."). Fix: use /subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<id> with one of: Storage Blob Data Owner, Storage Blob Data Contributor, Storage Queue Data Contributor, Storage Table Data Contributor, Logic App Contributor, Microsoft Sentinel Playbook Operator, Reader.',
    ]);
    assert.deepStrictEqual(
      onRegister({ ...ra, inputs: { ...ra.inputs, roleDefinitionId: ROLE("b7e6dc6d-f1e8-4753-8033-0f276bb0955b") } }),
      [],
    );
    // A custom role defined earlier in the same deployment exists by the time it is assigned.
    const custom = "255e7b37-7e8d-5cb3-826a-5334d77a63f7";
    const customRa = { ...ra, inputs: { ...ra.inputs, roleDefinitionId: ROLE(custom) } };
    assert.strictEqual(onRegister(customRa).length, 1, "not defined: refused");
    assert.deepStrictEqual(
      onRegister(customRa, [reg("authorization:RoleDefinition", "replay-role", { roleDefinitionId: custom })]),
      [],
    );
  });

  it("role-assignment-principal-type: a role assignment without principalType (PrincipalNotFound)", () => {
    // Storage Table Data Contributor (built-in), the kit's table role.
    const ra = reg("authorization:RoleAssignment", "tables", {
      principalType: "ServicePrincipal",
      roleDefinitionId: ROLE("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"),
    });
    assert.deepStrictEqual(onRegister({ ...ra, inputs: { ...ra.inputs, principalType: undefined } }), [
      'PrincipalNotFound [role-assignment-principal-type] azure-native:authorization:RoleAssignment tables: no principalType: ARM looks the principal up in Microsoft Entra ID, and an identity created in the same deployment may not have replicated yet ("PrincipalNotFound: Principal ... does not exist in the directory"). Fix: set principalType: "ServicePrincipal" (managed identities and apps), which skips the lookup.',
    ]);
    assert.deepStrictEqual(onRegister(ra), []);
  });

  it("name-rules: length after auto-naming, and characters", () => {
    assert.deepStrictEqual(onRegister(reg("storage:StorageAccount", "leadsproductionst")), [
      '[name-rules] azure-native:storage:StorageAccount leadsproductionst: auto-name "leadsproductionst" + 8 random characters is 25 characters; Azure allows 3-24. Fix: choose a name of 3-24 characters (set accountName).',
    ]);
    assert.deepStrictEqual(onRegister(reg("storage:Table", "t", { tableName: "Lead-Archive" })), [
      '[name-rules] azure-native:storage:Table t: tableName "Lead-Archive" has characters Azure does not allow; use letters and digits, starting with a letter. Fix: set tableName to a name of letters and digits, starting with a letter.',
    ]);
    assert.deepStrictEqual(onRegister(reg("operationalinsights:Workspace", "w", { workspaceName: "abc" })), [
      '[name-rules] azure-native:operationalinsights:Workspace w: workspaceName "abc" is 3 characters; Azure allows 4-63. Fix: choose a name of 4-63 characters (set workspaceName).',
    ]);
    assert.deepStrictEqual(onRegister(reg("storage:StorageAccount", "leadsdevst")), []);
    assert.deepStrictEqual(onRegister(reg("logic:Workflow", "w", { workflowName: "leads-dev-workflow" })), []);
  });

  it("action-group-short-name: at most 12 characters", () => {
    assert.deepStrictEqual(onRegister(reg("monitor:ActionGroup", "alerts", { groupShortName: "leadkit-alerts" })), [
      '[action-group-short-name] azure-native:monitor:ActionGroup alerts: groupShortName "leadkit-alerts" is not 1-12 characters. Fix: use a short name of at most 12 characters (it is shown in SMS and e-mail).',
    ]);
    assert.deepStrictEqual(onRegister(reg("monitor:ActionGroup", "alerts", { groupShortName: "leadkit" })), []);
  });

  it("flex-runtime-version, flex-maximum-instance-count and flex-instance-memory", () => {
    assert.deepStrictEqual(
      onRegister(
        reg(
          "web:WebApp",
          "fn",
          FLEX({ name: "node", version: "20" }, { maximumInstanceCount: 20, instanceMemoryMB: 1024 }),
        ),
      ),
      [
        "[flex-runtime-version] azure-native:web:WebApp fn: runtime node 20 is not a supported Flex Consumption version. Fix: use node 22.",
        "[flex-maximum-instance-count] azure-native:web:WebApp fn: maximumInstanceCount 20 is not 40-1000. Fix: set maximumInstanceCount between 40 and 1000.",
        "[flex-instance-memory] azure-native:web:WebApp fn: instanceMemoryMB 1024 is not one of 512, 2048, 4096. Fix: set instanceMemoryMB to 512, 2048 or 4096.",
      ],
    );
    assert.deepStrictEqual(
      onRegister(
        reg(
          "web:WebApp",
          "fn",
          FLEX({ name: "node", version: "22" }, { maximumInstanceCount: 40, instanceMemoryMB: 2048 }),
        ),
      ),
      [],
    );
  });

  it("flex-site-config: a siteConfig property Flex Consumption rejects (51021), as azure-native's default adds one", () => {
    const flex = FLEX({ name: "node", version: "22" }, { maximumInstanceCount: 40, instanceMemoryMB: 2048 });
    const app = reg("web:WebApp", "fn", {
      ...flex,
      siteConfig: { minTlsVersion: "1.2", ftpsState: "Disabled", netFrameworkVersion: "v4.6", http20Enabled: true },
    });
    assert.deepStrictEqual(onRegister(app), [
      'BadRequest [flex-site-config] azure-native:web:WebApp fn: siteConfig sets ftpsState, netFrameworkVersion, which Flex Consumption sites reject ("The following list of 2 site configuration properties (Site.SiteConfig.FtpsState, Site.SiteConfig.NetFrameworkVersion) for Flex Consumption sites is invalid. Please remove or rename them before retrying."). Fix: remove them from siteConfig; azure-native adds netFrameworkVersion "v4.6" to any siteConfig: strip it with a transformations resource option (components/leadFunctionApp.ts).',
    ]);
    // One property: ARM's singular wording (Azure/terraform-azurerm-avm-res-web-site#283).
    assert.deepStrictEqual(onRegister({ ...app, inputs: { ...flex, siteConfig: { linuxFxVersion: "NODE|22" } } }), [
      'BadRequest [flex-site-config] azure-native:web:WebApp fn: siteConfig sets linuxFxVersion, which Flex Consumption sites reject ("The following site configuration property (Site.SiteConfig.LinuxFxVersion) for Flex Consumption sites is invalid. Please remove or rename it before retrying."). Fix: remove them from siteConfig; azure-native adds netFrameworkVersion "v4.6" to any siteConfig: strip it with a transformations resource option (components/leadFunctionApp.ts).',
    ]);
    assert.deepStrictEqual(
      onRegister({ ...app, inputs: { ...flex, siteConfig: { minTlsVersion: "1.2", http20Enabled: true } } }),
      [],
    );
    // Not a Flex Consumption app (no functionAppConfig): these properties are valid there.
    assert.deepStrictEqual(onRegister({ ...app, inputs: { siteConfig: app.inputs.siteConfig } }), []);
  });

  it("shared-key-disabled: a key-signed Table connection to an account without shared keys", () => {
    const account = reg("storage:StorageAccount", "st", { accountName: "leadsst", allowSharedKeyAccess: false });
    const conn = reg("web:Connection", "tables", {
      properties: { api: { id: TABLES_API }, parameterValues: { storageaccount: "leadsst", sharedkey: "k" } },
    });
    assert.deepStrictEqual(onRegister(conn, [account]), [
      'KeyBasedAuthenticationNotPermitted [shared-key-disabled] azure-native:web:Connection tables: the connection signs with the key of account "leadsst", which has allowSharedKeyAccess false ("Key based authentication is not permitted on this storage account."). Fix: authenticate with Microsoft Entra ID (managed identity) instead of the account key.',
    ]);
    assert.deepStrictEqual(
      onRegister(conn, [{ ...account, inputs: { accountName: "leadsst", allowSharedKeyAccess: true } }]),
      [],
    );
    const identityConn = reg("web:Connection", "tables", {
      properties: { api: { id: TABLES_API }, parameterValues: { storageaccount: "leadsst" } },
    });
    assert.deepStrictEqual(onRegister(identityConn, [account]), [], "no key, nothing to refuse");
  });

  it("workflow-definition: the definition rules run on the workflow resource, with its identity", () => {
    const wf = reg("logic:Workflow", "leads-workflow", { definition: good() });
    assert.deepStrictEqual(onRegister(wf), [
      '[http-managed-identity] azure-native:logic:Workflow leads-workflow definition.actions.Call_api.inputs.authentication: action "Call_api" authenticates as the workflow\'s managed identity, but the workflow has none ("does not have managed identity enabled"). Fix: give the workflow identity: { type: "SystemAssigned" }.',
    ]);
    assert.deepStrictEqual(onRegister({ ...wf, inputs: { ...wf.inputs, identity: { type: "SystemAssigned" } } }), []);
  });
});

describe("Azure rules: workbook", () => {
  it("workbook-inputs: a GUID name, kind shared, and serializedData of the declared version", () => {
    const ok = {
      resourceName: "3f2a9c1e-5b7d-5e4f-8a6b-0c1d2e3f4a5b",
      kind: "shared",
      version: "Notebook/1.0",
      serializedData: '{"version":"Notebook/1.0","items":[]}',
    };
    assert.deepStrictEqual(onRegister(reg("applicationinsights:Workbook", "wb", ok)), []);
    assert.deepStrictEqual(
      onRegister(reg("applicationinsights:Workbook", "wb", { ...ok, serializedData: '{"version":"Notebook/2.0"}' })),
      [
        '[workbook-inputs] azure-native:applicationinsights:Workbook wb: serializedData version "Notebook/2.0" differs from version "Notebook/1.0". Fix: set version to the workbook\'s schema version (Notebook/1.0).',
      ],
    );
  });
});

describe("Azure rules: catalogue", () => {
  it("has at least 25 rules, each with a source, and the tests above fire every one", () => {
    const ids = [...DEFINITION_RULES.map((r) => r.id), ...RESOURCE_RULES.map((r) => r.id)];
    assert.ok(ids.length >= 25, `${ids.length} rules`);
    for (const r of [...DEFINITION_RULES, ...RESOURCE_RULES]) assert.ok(r.source.length > 10, r.id);
    // flex-scale reports as flex-maximum-instance-count / flex-instance-memory.
    const expected = ids
      .filter((id) => id !== "flex-scale")
      .concat("flex-maximum-instance-count", "flex-instance-memory");
    // workflow-definition reports the definition rule it found.
    assert.deepStrictEqual(
      expected.filter((id) => id !== "workflow-definition" && !fired.has(id)),
      [],
    );
  });
});

describe("Azure rules: the stack's name in Azure names", function () {
  this.timeout(30000);

  it("a stack name Azure would refuse in a derived name is refused before anything is declared, with the fix", () => {
    assert.strictEqual(endpointName("prod-eu-2", true), "leads-prod-eu-2");
    assert.throws(() => endpointName("Prod_EU.2", false), {
      message:
        'Stack name "Prod_EU.2" cannot name the kit\'s Azure resources (leads-Prod_EU.2-...): use letters, digits ' +
        'and single hyphens, at most 33 characters (Log Analytics workspaces allow no "_" or "."). ' +
        "Fix: pulumi stack rename prod-eu-2 before the first pulumi up; a stack already deployed would have every " +
        "resource replaced by a rename: deploy a new stack prod-eu-2 and move Partner Center to its URL.",
    });
    // Upper case and "--" only break the function app's blob container: a stack without the app keeps its name.
    assert.strictEqual(endpointName("Prod", false), "leads-Prod");
    assert.throws(() => endpointName("Prod", true), {
      message:
        'Stack name "Prod" cannot name the kit\'s Azure resources (leads-Prod-...): with the function app ' +
        "(archiveRetentionDays above 0, replaySchedule or normalizer: function) its blob container allows no upper " +
        'case and no "--". Fix: pulumi stack rename prod before the first pulumi up; a stack already deployed would ' +
        "have every resource replaced by a rename: deploy a new stack prod and move Partner Center to its URL.",
    });
    for (const stack of ["-a", "a-", "a_b", "a".repeat(34)])
      assert.throws(() => endpointName(stack, false), /^Error: Stack name/, stack);
    assert.throws(() => endpointName("a--b", true), /^Error: Stack name/);
  });

  /** The name-rules violations of the whole component (function app included, as by default) named `name`. */
  async function nameViolations(name: string): Promise<string[]> {
    const recording = installStrictMocks({}, [], "record", name.slice("leads-".length));
    const { LeadEndpoint } = await import("../../components/leadEndpoint");
    new LeadEndpoint(name, endpointArgs(parseStackConfig({}), {}));
    for (let seen = -1; seen !== recording.resources.length;) {
      seen = recording.resources.length;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      recording.resources.some((r) => r.type === "azure-native:storage:BlobContainer"),
      "a function app",
    );
    return recording.violations.filter((v) => v.rule === "name-rules").map((v) => v.path);
  }

  it("the longest stack name accepted gives names Azure accepts; one character more, or upper case, does not", async () => {
    assert.deepStrictEqual(await nameViolations(endpointName("a".repeat(MAX_STACK_NAME), true)), []);
    const longer = "a".repeat(MAX_STACK_NAME + 1);
    assert.deepStrictEqual(await nameViolations(`leads-${longer}`), [
      `azure-native:operationalinsights:Workspace leads-${longer}-monitoring-logs`,
    ]);
    assert.deepStrictEqual(await nameViolations("leads-Prod"), [
      "azure-native:storage:BlobContainer leads-Prod-fn-package",
    ]);
  });
});

/** Runs index.ts afresh under strict mocks with a stack's settings; resolves once registrations stop. */
async function runStrict(stack: string): Promise<StrictRecording> {
  // The stack file `pulumi up` would read: yours when you have one (the loop runs over your stacks too).
  const file = asRendered(() => stackFilePath(stack));
  const yaml = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  // As the CLI passes them: YAML lists and maps as JSON text (String() made a map "[object Object]").
  for (const [k, val] of Object.entries(yaml.config)) config[k] = configText(val);
  // Every secret setting gets a value of its kind (the stack files hold none).
  const secrets: Record<string, string> = {
    "leadkit:dataverseClientSecret": "dv-secret-0123456789",
    "leadkit:webhookSecret": "wh-secret-0123456789abcdef",
    "leadkit:hubspotToken": "pat-na1-00000000-0000-0000-0000-000000000000",
    "leadkit:teamsWebhookUrl": "https://prod-00.westeurope.logic.azure.com/workflows/0/triggers/manual/paths/invoke",
  };
  Object.assign(config, secrets);
  const recording = installStrictMocks(config, Object.keys(secrets), "record");
  delete require.cache[require.resolve("../../index")];
  await import("../../index");
  // Registrations are asynchronous: wait until they stop.
  for (let seen = -1; seen !== recording.resources.length + recording.calls.length;) {
    seen = recording.resources.length + recording.calls.length;
    await new Promise((r) => setTimeout(r, 150));
  }
  return recording;
}

describe("Azure rules: strict mocks", () => {
  it("reject what ARM rejects with Azure's code in the error, pass the rest, and record everything", async () => {
    const recording = installStrictMocks();
    const args = (type: string, name: string, inputs: Record<string, unknown>) =>
      ({ type, name, inputs, provider: "", custom: true }) as pulumi.runtime.MockResourceArgs;
    const badRole = ROLE("00000000-0000-0000-0000-000000000000");
    await assert.rejects(
      Promise.resolve(
        recording.mocks!.newResource(
          args("azure-native:authorization:RoleAssignment", "ra", {
            principalType: "ServicePrincipal",
            roleDefinitionId: badRole,
          }),
        ),
      ),
      {
        message: `RoleDefinitionDoesNotExist [role-definition-built-in] azure-native:authorization:RoleAssignment ra: roleDefinitionId "${badRole}" is not a built-in role the kit knows ("The specified role definition with ID ... does not exist."). Fix: use /subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<id> with one of: Storage Blob Data Owner, Storage Blob Data Contributor, Storage Queue Data Contributor, Storage Table Data Contributor, Logic App Contributor, Microsoft Sentinel Playbook Operator, Reader.`,
      },
    );
    const table = await recording.mocks!.newResource(
      args("azure-native:storage:Table", "archive", { tableName: "LeadArchive" }),
    );
    assert.strictEqual(
      table.id,
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/azure-native:storage:Table/LeadArchive",
    );
    await assert.rejects(
      Promise.resolve(
        recording.mocks!.call({ token: "azure-native:web:listWebAppHostKeys", inputs: { name: "fn" }, provider: "" }),
      ),
      { message: /^\[host-keys-need-storage\] / },
    );
    assert.deepStrictEqual(
      recording.resources.map((r) => r.name),
      ["ra", "archive"],
    );
    assert.deepStrictEqual(
      recording.violations.map((v) => v.rule),
      ["role-definition-built-in", "host-keys-need-storage"],
    );
  });
});

describe("Azure rules: every stack", () => {
  for (const stack of asRendered(listStacks)) {
    it(`stack ${stack}: the rendered definition breaks no definition rule`, () => {
      const rendered = JSON.parse(fs.readFileSync(`rendered/${stack}.workflow.json`, "utf8")) as WorkflowDefinition;
      const deployed = asRendered(() => loadStack(stack).definition);
      assert.deepStrictEqual(rendered, JSON.parse(JSON.stringify(deployed)), "render is up to date");
      const identity = { workflowIdentity: /ManagedServiceIdentity/.test(JSON.stringify(rendered)) };
      assert.deepStrictEqual(checkDefinition(rendered, identity).map(formatViolation), []);
    });

    it(`stack ${stack}: the whole program under strict mocks breaks no Azure rule`, async () => {
      const recording = await runStrict(stack);
      assert.ok(recording.resources.length > 5, "the program ran");
      assert.deepStrictEqual(recording.violations.map(formatViolation), []);
    });
  }
});
