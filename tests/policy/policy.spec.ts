/**
 * The policy pack, offline: each rule called directly (no Pulumi CLI), then every resource the kit
 * declares under mocks fed through all rules.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
  checkArchiveFirst,
  checkConnectionSecrets,
  checkDiagnostics,
  checkNoCallbackUrl,
  checkRetryPolicies,
  checkSecureDataSupported,
  checkSecureLeadData,
  checkStorageAccount,
  resourcePolicies,
  stackPolicies,
} from "../../policy/policies";
import {
  INPUTS_HIDE_OUTPUTS,
  NO_SECURE_DATA,
  SECURE_DATA_SOURCE,
  SECURE_INPUTS_ONLY,
  secureDataSupport,
} from "../../policy/secureData";
import { checkDefinition } from "../../azure-rules/definitionRules";
import { allTargetsWorkflow } from "../support/fixtures";
import { CALLBACK_URL, installMocks, settle } from "../support/pulumiMocks";

const WF = "azure-native:logic:Workflow";

const ALL = allTargetsWorkflow(true).definition;

/** A copy of the full definition with one action changed. */
function mutate(edit: (actions: any, definition: any) => void): { definition: any } {
  const definition = JSON.parse(JSON.stringify(ALL));
  edit(definition.actions, definition);
  return { definition };
}

const SECURE_BOTH = { secureData: { properties: ["inputs", "outputs"] } };
const RETRY = { type: "exponential", count: 4, interval: "PT10S" };

/** The archive in the lead's new shape: built-in Http to the Table service as the managed identity. */
function tableCall(method: string, body?: unknown): any {
  return {
    type: "Http",
    inputs: {
      method,
      uri: "@{parameters('tableEndpoint')}LeadArchive(PartitionKey='p',RowKey='@{workflow()?['run']?['name']}')",
      headers: { "x-ms-version": "2019-02-02", Accept: "application/json;odata=nometadata" },
      body,
      authentication: { type: "ManagedServiceIdentity", audience: "https://storage.azure.com/" },
      retryPolicy: RETRY,
    },
    runtimeConfiguration: SECURE_BOTH,
  };
}

/** A small definition in the new storage shape: archive, answer, one CRM call in a scope. */
function newShapeDefinition(): any {
  return {
    triggers: {
      manual: {
        type: "Request",
        kind: "Http",
        inputs: {},
        runtimeConfiguration: { secureData: { properties: ["outputs"] } },
      },
    },
    actions: {
      Archive_raw_lead: { ...tableCall("PUT", { LeadJson: "@{string(triggerBody())}" }), runAfter: {} },
      Respond: {
        type: "Response",
        kind: "Http",
        inputs: { statusCode: 200, body: { runId: "@{workflow()?['run']?['name']}" } },
        runAfter: { Archive_raw_lead: ["Succeeded", "Failed", "TimedOut"] },
      },
      Process_lead: {
        type: "Scope",
        runAfter: { Archive_raw_lead: ["Succeeded"] },
        actions: {
          Post_webhook: {
            type: "Http",
            inputs: { method: "POST", uri: "@parameters('webhookUrl')", body: "@triggerBody()", retryPolicy: RETRY },
            runAfter: {},
            runtimeConfiguration: SECURE_BOTH,
          },
          Mark_delivered: { ...tableCall("PATCH", { Status: "delivered" }), runAfter: { Post_webhook: ["Succeeded"] } },
        },
      },
    },
  };
}

/** Runs the resource policies as the engine would, collecting violations as "policy: message". */
function violations(type: string, props: Record<string, unknown>): string[] {
  const found: string[] = [];
  const args = {
    type,
    props,
    urn: `urn:pulumi:test::leadkit::${type}::r`,
    name: "r",
    opts: {},
  } as unknown as ResourceValidationArgs;
  for (const policy of resourcePolicies) {
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const validate of validations) void validate(args, (message) => found.push(`${policy.name}: ${message}`));
  }
  return found;
}

const early_ = (name: string) =>
  `Action '${name}' can call out when 'Archive_raw_lead' did not succeed: archive every lead first. Fix: make it (or its container) run after 'Archive_raw_lead' with status Succeeded, directly or through steps that ran after it (never on a Skipped status).`;
const NO_ARCHIVE = (first: string) =>
  `No action archives the lead before anything else: the first action (runAfter {}) must write triggerBody() to Azure Table storage (PUT, POST, PATCH or MERGE). First actions: ${first}.`;

describe("policy pack", () => {
  it("passes the kit's own definition with every target and the normalizer function", () => {
    assert.deepStrictEqual(violations(WF, { definition: ALL }), []);
  });

  it("crm-calls-retry: flags a call without retry policy, or with 'none'", () => {
    const props = mutate((a) => {
      delete a.Screen_lead.default.actions.Send_to_dataverse.actions.Create_dataverse_lead.inputs.retryPolicy;
      a.Screen_lead.default.actions.Send_to_webhook.actions.Post_webhook.inputs.retryPolicy = { type: "none" };
    });
    assert.deepStrictEqual(checkRetryPolicies(WF, props), [
      'Action \'Create_dataverse_lead\' has no inputs.retryPolicy, so Azure\'s default applies (4 retries at most 45 s apart), shorter than a CRM outage. Fix: set inputs.retryPolicy, e.g. { type: "exponential", count: 10, interval: "PT30S" }.',
      'Action \'Post_webhook\' has retryPolicy type "none": Logic Apps will not resend it after a 408, 429 or 5xx, so a passing outage loses the lead. Fix: type "exponential" (or "fixed") with a count from 1 to 90.',
    ]);
  });

  it("crm-calls-retry: refuses a policy that retries zero times, or one Azure rejects (P3)", () => {
    const props = mutate((a) => {
      const inner = (target: string) => a.Screen_lead.default.actions[`Send_to_${target}`].actions;
      inner("dataverse").Create_dataverse_lead.inputs.retryPolicy = { type: "fixed", count: 0, interval: "PT5S" };
      inner("salesforce").Create_salesforce_lead.inputs.retryPolicy = {
        type: "exponential",
        count: 0,
        interval: "PT5S",
      };
      inner("email").Send_email_notice.inputs.retryPolicy = { type: "Fixed", interval: "PT5S" };
      inner("webhook").Post_webhook.inputs.retryPolicy = { type: "exponential", count: 91, interval: "PT5S" };
      a.Screen_lead.default.actions.Normalize_lead_function.inputs.retryPolicy = { type: "None" };
      a.Archive_raw_lead.inputs.retryPolicy = { type: "sometimes", count: 3 };
    });
    const count = (name: string, value: string) =>
      `Action '${name}' has retryPolicy count ${value}: Azure takes 1 to 90 retries, and 0 means a passing outage loses the lead. Fix: count between 1 and 90 (the kit uses 10 for CRMs).`;
    assert.deepStrictEqual(checkRetryPolicies(WF, props), [
      'Action \'Archive_raw_lead\' has retryPolicy type "sometimes", which Azure does not know. Fix: type "exponential" (or "fixed") with a count from 1 to 90.',
      'Action \'Normalize_lead_function\' has retryPolicy type "None": Logic Apps will not resend it after a 408, 429 or 5xx, so a passing outage loses the lead. Fix: type "exponential" (or "fixed") with a count from 1 to 90.',
      count("Create_dataverse_lead", "0"),
      count("Send_email_notice", "missing"),
      count("Create_salesforce_lead", "0"),
      count("Post_webhook", "91"),
    ]);
  });

  it("crm-calls-retry: accepts Azure's named default policy and the kit's own policies", () => {
    const props = mutate((a) => {
      a.Screen_lead.default.actions.Send_to_webhook.actions.Post_webhook.inputs.retryPolicy = { type: "default" };
    });
    assert.deepStrictEqual(checkRetryPolicies(WF, props), []);
  });

  it("archive-before-crm: flags a CRM call that can run before the archive succeeded", () => {
    const early = mutate((a) => {
      a.Screen_lead.runAfter = { Respond: ["Succeeded"] };
      a.Respond.runAfter = {};
      // Taken out of the screening's default case to the top level, where it can run before the archive.
      const fn = a.Screen_lead.default.actions.Normalize_lead_function;
      delete a.Screen_lead.default.actions.Normalize_lead_function;
      a.Normalize_lead_function = { ...fn, runAfter: { Archive_raw_lead: ["Succeeded", "Failed"] } };
    });
    assert.deepStrictEqual(checkArchiveFirst(WF, early), [
      early_("Create_dataverse_lead"),
      early_("Send_email_notice"),
      early_("Upsert_hubspot_contact"),
      early_("Create_salesforce_lead"),
      early_("Post_teams_notice"),
      early_("Post_webhook"),
      early_("Normalize_lead_function"),
    ]);
    const noArchive = mutate((a) => {
      delete a.Archive_raw_lead;
      a.Respond.runAfter = {};
    });
    assert.deepStrictEqual(checkArchiveFirst(WF, noArchive), [NO_ARCHIVE("Respond")]);
  });

  it("archive-before-crm: follows runAfter statuses along the whole path (P1)", () => {
    const afterSkipped = mutate((a) => {
      a.Alert_ops = {
        type: "Http",
        inputs: { method: "POST", uri: "https://ops" },
        runAfter: { Screen_lead: ["Skipped"] },
      };
      a.Note = { type: "Compose", inputs: "x", runAfter: { Screen_lead: ["Succeeded", "Skipped"] } };
      a.Alert_later = {
        type: "Http",
        inputs: { method: "POST", uri: "https://ops" },
        runAfter: { Note: ["Succeeded"] },
      };
      a.Early_scope = {
        type: "Scope",
        runAfter: { Archive_raw_lead: ["Failed"] },
        actions: { Inner_call: { type: "Http", inputs: { method: "GET", uri: "https://x" }, runAfter: {} } },
      };
      a.Lowercase_call = {
        type: "http",
        inputs: { method: "POST", uri: "https://x" },
        runAfter: { Respond: ["Succeeded"] },
      };
    });
    assert.deepStrictEqual(checkArchiveFirst(WF, afterSkipped), [
      early_("Alert_ops"),
      early_("Alert_later"),
      early_("Inner_call"),
      early_("Lowercase_call"),
    ]);
  });

  it("archive-before-crm: accepts calls after a failure of a step that itself ran after the archive", () => {
    const props = mutate((a) => {
      // Screen_lead Failed means it ran, so the archive had succeeded (runAfter is an AND of its entries).
      a.Alert_ops = {
        type: "Http",
        inputs: { method: "POST", uri: "https://ops" },
        runAfter: { Screen_lead: ["Failed", "TimedOut"] },
      };
      // Inside a scope that runs only after the archive, a sibling's Skipped status does not matter.
      const dv = a.Screen_lead.default.actions.Send_to_dataverse.actions;
      dv.Fallback_call = {
        type: "Http",
        inputs: { method: "POST", uri: "https://x" },
        runAfter: { Create_dataverse_lead: ["Skipped"] },
      };
    });
    assert.deepStrictEqual(checkArchiveFirst(WF, props), []);
  });

  it("archive-before-crm: recognises the archive as a built-in Http call to the Table service (new shape)", () => {
    assert.deepStrictEqual(checkArchiveFirst(WF, { definition: newShapeDefinition() }), []);
    // Without the storage audience the same call is an outbound call, and nothing archives first.
    const noIdentity = newShapeDefinition();
    delete noIdentity.actions.Archive_raw_lead.inputs.authentication;
    assert.deepStrictEqual(checkArchiveFirst(WF, { definition: noIdentity }), [NO_ARCHIVE("Archive_raw_lead")]);
    // A read is not an archive; neither is a write that does not carry the lead.
    const read = newShapeDefinition();
    read.actions.Archive_raw_lead.inputs.method = "GET";
    assert.deepStrictEqual(checkArchiveFirst(WF, { definition: read }), [NO_ARCHIVE("Archive_raw_lead")]);
    const empty = newShapeDefinition();
    empty.actions.Archive_raw_lead.inputs.body = { Status: "received" };
    assert.deepStrictEqual(checkArchiveFirst(WF, { definition: empty }), [NO_ARCHIVE("Archive_raw_lead")]);
    // Another storage account is outbound even with the storage audience.
    const elsewhere = newShapeDefinition();
    elsewhere.actions.Process_lead.actions.Post_webhook = tableCall("PUT", "@triggerBody()");
    elsewhere.actions.Process_lead.actions.Post_webhook.inputs.uri = "https://other.table.core.windows.net/T";
    elsewhere.actions.Process_lead.actions.Post_webhook.runAfter = {};
    elsewhere.actions.Process_lead.runAfter = { Respond: ["Succeeded", "Failed"] };
    assert.deepStrictEqual(checkArchiveFirst(WF, { definition: elsewhere }), [early_("Post_webhook")]);
  });

  it("secure-lead-data: flags an action carrying the lead without secure inputs", () => {
    const props = mutate(
      (a) =>
        delete a.Screen_lead.default.actions.Send_to_salesforce.actions.Create_salesforce_lead.runtimeConfiguration,
    );
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [
      'Action \'Create_salesforce_lead\' (ApiConnection) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].',
    ]);
  });

  it("secure-lead-data: the trigger's outputs carry the lead (P2a)", () => {
    const props = mutate((_, d) => delete d.triggers.manual.runtimeConfiguration);
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [
      "Trigger 'manual' (Request) puts the lead in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = [\"outputs\"].",
    ]);
  });

  it("secure-lead-data: a Compose is secured by Secure Inputs alone (P2b)", () => {
    const securedInputs = mutate((a) => {
      a.Screen_lead.default.actions.Copy = {
        type: "Compose",
        inputs: "@outputs('Normalize_lead')",
        runAfter: {},
        runtimeConfiguration: { secureData: { properties: ["inputs"] } },
      };
    });
    assert.deepStrictEqual(checkSecureLeadData(WF, securedInputs), []);
    const bare = mutate((a) => {
      a.Screen_lead.default.actions.Copy = { type: "Compose", inputs: "@outputs('Normalize_lead')", runAfter: {} };
    });
    assert.deepStrictEqual(checkSecureLeadData(WF, bare), [
      "Action 'Copy' (Compose) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = [\"inputs\"] (on a Compose, ParseJson or Response this also hides the outputs).",
    ]);
  });

  it("secure-lead-data: the answer to Partner Center never echoes the lead (P2c)", () => {
    const props = mutate((a) => {
      a.Respond.inputs.body = { runId: "@{workflow()?['run']?['name']}", lead: "@triggerBody()" };
    });
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [
      "Action 'Respond' (Response) echoes lead data to the caller in its body or headers. Fix: answer Partner Center with the run id and status only, never triggerBody() or values derived from it.",
      "Action 'Respond' (Response) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = [\"inputs\"] (on a Compose, ParseJson or Response this also hides the outputs).",
    ]);
    const header = mutate((a) => {
      a.Respond.inputs.headers["x-lead-email"] = "@{outputs('Archive_raw_lead')?['body']?['Email']}";
    });
    assert.deepStrictEqual(checkSecureLeadData(WF, header), [
      "Action 'Respond' (Response) echoes lead data to the caller in its body or headers. Fix: answer Partner Center with the run id and status only, never triggerBody() or values derived from it.",
      "Action 'Respond' (Response) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = [\"inputs\"] (on a Compose, ParseJson or Response this also hides the outputs).",
    ]);
  });

  it("secure-lead-data: Select and Query over the lead or anything derived from it (P2d)", () => {
    const props = mutate((a) => {
      a.Screen_lead.default.actions.Emails = {
        type: "Select",
        inputs: { from: "@triggerBody()?['UserDetails']", select: "@item()?['Email']" },
        runAfter: {},
      };
      a.Screen_lead.default.actions.Derived = {
        type: "Query",
        inputs: { from: "@body('Emails')", where: "@true" },
        runAfter: { Emails: ["Succeeded"] },
        runtimeConfiguration: { secureData: { properties: ["inputs"] } },
      };
      a.Screen_lead.default.actions.From_mapping = {
        type: "select",
        inputs: { from: "@createArray(outputs('Plain_mapping'))", select: "@item()" },
        runAfter: {},
      };
      a.Hold = {
        type: "InitializeVariable",
        inputs: { variables: [{ name: "who", type: "string", value: "@{body('Normalize_lead_function')}" }] },
        runAfter: { Screen_lead: ["Succeeded"] },
      };
      a.Use_hold = {
        type: "Query",
        inputs: { from: "@createArray(variables('who'))", where: "@true" },
        runAfter: { Hold: ["Succeeded"] },
      };
    });
    const leak = (name: string, type: string, secured: string) =>
      `Action '${name}' (${type}) puts lead data in the run history: secureData.properties is ${secured}. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].`;
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [
      leak("Emails", "Select", "[]"),
      leak("Derived", "Query", '["inputs"]'),
      leak("From_mapping", "select", "[]"),
      "Action 'Hold' (InitializeVariable) holds lead data in a variable, which Azure cannot hide from the run history. Fix: keep it in a Compose with secureData [\"inputs\"] and read that Compose's outputs.",
      leak("Use_hold", "Query", "[]"),
    ]);
  });

  it("secure-lead-data: follows the lead through loops and any spelling of an expression", () => {
    const props = mutate((a) => {
      a.Loop = {
        type: "Foreach",
        foreach: "@triggerBody()?['UserDetails']",
        runAfter: { Screen_lead: ["Succeeded"] },
        actions: {
          Post_each: { type: "Http", inputs: { method: "POST", uri: "https://x", body: "@item()" }, runAfter: {} },
        },
      };
      a.Spaced = { type: "Compose", inputs: "@body( 'Normalize_lead_function' )", runAfter: { Loop: ["Succeeded"] } };
      a.Dotted = { type: "Compose", inputs: "@trigger().outputs.body", runAfter: { Loop: ["Succeeded"] } };
      a.Form = { type: "Compose", inputs: "@triggerFormDataValue('Email')", runAfter: { Loop: ["Succeeded"] } };
      a.Status_only = {
        type: "Compose",
        inputs: "@actions('Normalize_lead_function').status",
        runAfter: { Loop: ["Succeeded"] },
      };
    });
    const compose = (name: string) =>
      `Action '${name}' (Compose) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = ["inputs"] (on a Compose, ParseJson or Response this also hides the outputs).`;
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [
      'Action \'Post_each\' (Http) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].',
      compose("Spaced"),
      compose("Dotted"),
      compose("Form"),
    ]);
  });

  it("secure-lead-data: result() of a scope and rows read back from the archive carry the lead", () => {
    const props = { definition: newShapeDefinition() };
    props.definition.actions.Failures = {
      type: "Query",
      inputs: { from: "@result('Process_lead')", where: "@equals(item()?['status'], 'Failed')" },
      runAfter: { Process_lead: ["Failed"] },
    };
    props.definition.actions.Read_back = { ...tableCall("GET"), runAfter: { Process_lead: ["Failed"] } };
    delete props.definition.actions.Read_back.runtimeConfiguration;
    const leak = (name: string, type: string) =>
      `Action '${name}' (${type}) puts lead data in the run history: secureData.properties is []. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].`;
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [leak("Failures", "Query"), leak("Read_back", "Http")]);
    assert.deepStrictEqual(checkSecureLeadData(WF, { definition: newShapeDefinition() }), []);
  });

  it("secure-data-supported: only the settings Azure accepts for each action type (P2b)", () => {
    const props = mutate((a, d) => {
      a.Screen_lead.default.actions.Normalize_lead.runtimeConfiguration = SECURE_BOTH;
      a.Screen_lead.default.actions.Check_duplicate.runtimeConfiguration = { secureData: { properties: ["inputs"] } };
      a.Respond.runtimeConfiguration = { secureData: { properties: ["outputs"] } };
      d.triggers.manual.runtimeConfiguration = SECURE_BOTH;
    });
    assert.deepStrictEqual(checkSecureDataSupported(WF, props), [
      'Action \'Respond\' (Response) secures "outputs", which Azure rejects with InvalidSecureDataConfiguration: Compose, ParseJson, Response and Wait take Secure Inputs only. Fix: runtimeConfiguration.secureData.properties = ["inputs"] (on a Compose, ParseJson or Response this also hides the outputs).',
      "Action 'Check_duplicate' (If) has runtimeConfiguration.secureData, which Azure does not support on If. Fix: remove it; secure the actions that hold the data instead.",
      'Action \'Normalize_lead\' (Compose) secures "outputs", which Azure rejects with InvalidSecureDataConfiguration: Compose, ParseJson, Response and Wait take Secure Inputs only. Fix: runtimeConfiguration.secureData.properties = ["inputs"] (on a Compose, ParseJson or Response this also hides the outputs).',
    ]);
    assert.deepStrictEqual(checkSecureDataSupported(WF, { definition: ALL }), []);
  });

  it("secure-data table: Learn's two columns, as workflow definition types", () => {
    // learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app, "Secure data in run history by
    // using obfuscation" (MicrosoftDocs/azure-docs, same table 2021-09-13 and 2023-07-06).
    const inputsUnsupported = [
      ...["AppendToArrayVariable", "AppendToStringVariable", "DecrementVariable", "Foreach", "If"],
      ...["IncrementVariable", "InitializeVariable", "Recurrence", "Scope", "SetVariable", "Switch"],
      ...["Terminate", "Until"],
    ];
    const outputsUnsupported = [...inputsUnsupported, "Compose", "ParseJson", "Response", "Wait"].sort();
    assert.deepStrictEqual([...NO_SECURE_DATA].sort(), inputsUnsupported.sort());
    assert.deepStrictEqual([...NO_SECURE_DATA, ...SECURE_INPUTS_ONLY].sort(), outputsUnsupported);
    assert.deepStrictEqual([...INPUTS_HIDE_OUTPUTS].sort(), ["Compose", "ParseJson", "Response"]);
    assert.match(SECURE_DATA_SOURCE, /learn\.microsoft\.com\/azure\/logic-apps\/logic-apps-securing-a-logic-app/);
    assert.match(SECURE_DATA_SOURCE, /Secure data in run history by using obfuscation/);
    assert.strictEqual(secureDataSupport("foreach"), "none");
    assert.strictEqual(secureDataSupport("WAIT"), "inputs");
    assert.strictEqual(secureDataSupport("Http"), "both");
  });

  it("secure-data table: the policy and the offline Azure rules (azure-rules/) read the same one", () => {
    const SETTINGS = [["inputs"], ["outputs"], ["inputs", "outputs"]];
    const TYPES = [...NO_SECURE_DATA, ...SECURE_INPUTS_ONLY, "Http", "ApiConnection", "Select", "Query", "Request"];
    const asTrigger = new Set(["Recurrence", "Request"]);
    for (const type of TYPES) {
      for (const properties of SETTINGS) {
        const step = { type, inputs: {}, runtimeConfiguration: { secureData: { properties } } };
        const definition = asTrigger.has(type)
          ? { triggers: { Step: step }, actions: {} }
          : { triggers: {}, actions: { Step: { ...step, runAfter: {} } } };
        const allowed = { none: false, inputs: !properties.includes("outputs"), both: true }[secureDataSupport(type)];
        const policy = checkSecureDataSupported(WF, { definition });
        const rules = checkDefinition(definition as any).filter((v) => v.rule.startsWith("secure-data-"));
        const label = `${type} ${JSON.stringify(properties)}`;
        assert.strictEqual(policy.length === 0, allowed, `policy: ${label}`);
        assert.strictEqual(rules.length === 0, allowed, `azure-rules: ${label}`);
      }
    }
    // Neither keeps a list of its own: both import the table.
    for (const file of ["policy/policies.ts", "azure-rules/definitionRules.ts"]) {
      const source = fs.readFileSync(path.join(__dirname, "../..", file), "utf8");
      assert.match(source, /from "\.{1,2}\/(policy\/)?secureData"/, file);
      assert.doesNotMatch(source, /"(compose|Compose)",\s*"(parsejson|ParseJson)"/, file);
    }
  });

  it("connection-secrets-write-only: flags a secret in a readable parameter bag", () => {
    assert.deepStrictEqual(
      checkConnectionSecrets("azure-native:web:Connection", {
        properties: { nonSecretParameterValues: { "token:LoginUri": "https://login.salesforce.com", sharedkey: "x" } },
      }),
      [
        "Connection parameter 'sharedkey' is in nonSecretParameterValues, which Azure stores and returns in plain text. Fix: pass it in parameterValues.",
      ],
    );
    assert.deepStrictEqual(
      checkConnectionSecrets("azure-native:web:Connection", { properties: { parameterValues: { sharedkey: "x" } } }),
      [],
    );
  });

  it("storage-hardened: TLS, HTTPS only, no public blob access", () => {
    assert.deepStrictEqual(
      checkStorageAccount("azure-native:storage:StorageAccount", {
        minimumTlsVersion: "TLS1_0",
        enableHttpsTrafficOnly: false,
      }),
      [
        'minimumTlsVersion is "TLS1_0". Fix: "TLS1_2" or higher.',
        "allowBlobPublicAccess is not false. Fix: allowBlobPublicAccess: false.",
        "enableHttpsTrafficOnly is false. Fix: enableHttpsTrafficOnly: true.",
      ],
    );
  });

  it("no-callback-url-in-resources: flags the signed URL copied into a resource", () => {
    assert.deepStrictEqual(
      checkNoCallbackUrl("azure-native:resources:ResourceGroup", { tags: { url: CALLBACK_URL } }),
      [
        "A property of this azure-native:resources:ResourceGroup holds a workflow callback URL with its signature. Fix: never copy leadEndpointUrl into resources; export it with pulumi.secret.",
      ],
    );
  });

  it("workflow-diagnostics-on: flags a workflow without runtime logs", () => {
    const wf = { type: WF, name: "wf", urn: "u", props: { id: "/wf/1" } } as unknown as PolicyResource;
    const setting = (resourceUri: string, category: string) =>
      ({
        type: "azure-native:monitor:DiagnosticSetting",
        name: "d",
        urn: "d",
        props: { resourceUri, logs: [{ category, enabled: true }] },
      }) as unknown as PolicyResource;
    assert.deepStrictEqual(checkDiagnostics([wf, setting("/wf/1", "WorkflowRuntime")]), []);
    assert.deepStrictEqual(checkDiagnostics([wf, setting("/wf/other", "WorkflowRuntime")]), [
      "Workflow wf has no diagnostic setting sending WorkflowRuntime logs: failed runs would go unnoticed. Fix: add LeadMonitoring.",
    ]);
    assert.deepStrictEqual(checkDiagnostics([wf, setting("/wf/1", "AllMetrics")]).length, 1);
  });

  it("passes every resource the kit declares (every target, function app, monitoring) under mocks", async () => {
    const { resources } = installMocks();
    const { LeadEndpoint } = await import("../../components/leadEndpoint");
    const endpoint = new LeadEndpoint("leads-test", {
      location: "westeurope",
      dataverse: {
        url: "https://contoso.crm4.dynamics.com",
        tenantId: "t",
        clientId: "c",
        clientSecret: pulumi.secret("s"),
      },
      salesforce: {},
      email: { to: "a@contoso.com" },
      webhook: { url: "https://h.contoso.com", secret: pulumi.secret("0123456789abcdef") },
      azureTable: {},
      normalizerFunction: true,
      replaySchedule: "0 */30 * * * *", // the function app's roles on the workflow come with it
      alertEmails: ["ops@contoso.com"],
    });
    await settle(endpoint.leadEndpointUrl, endpoint.workflowId, endpoint.logWorkspaceId);
    const found: string[] = [];
    for (const r of resources) {
      found.push(...violations(r.type, r.inputs));
    }
    const stackArgs = {
      resources: resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.name,
        props: r.type === WF ? { ...r.inputs, id: undefined } : r.inputs,
      })),
    } as unknown as StackValidationArgs;
    for (const policy of stackPolicies) void policy.validateStack(stackArgs, (m) => found.push(`${policy.name}: ${m}`));
    assert.deepStrictEqual(found, []);
    // 30: the purge's role on the dedup table (archiveRetentionDays defaults to 365), the replay's Reader on the
    // workflow and the insights workbook among them.
    assert.strictEqual(resources.length, 30);
  });
});
