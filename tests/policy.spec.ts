/**
 * The policy pack, offline: each rule called directly (no Pulumi CLI), then every resource the kit
 * declares under mocks fed through all rules.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
  checkArchiveFirst,
  checkConnectionSecrets,
  checkDiagnostics,
  checkNoCallbackUrl,
  checkRetryPolicies,
  checkSecureLeadData,
  checkStorageAccount,
  resourcePolicies,
  stackPolicies,
} from "../policy/policies";
import { allTargetsWorkflow } from "./support/fixtures";
import { CALLBACK_URL, installMocks, settle } from "./support/pulumiMocks";

const WF = "azure-native:logic:Workflow";
const ALL = allTargetsWorkflow(true).definition;

/** A copy of the full definition with one action changed. */
function mutate(edit: (actions: any) => void): { definition: unknown } {
  const definition = JSON.parse(JSON.stringify(ALL));
  edit(definition.actions);
  return { definition };
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

describe("policy pack", () => {
  it("passes the kit's own definition with every target and the normalizer function", () => {
    assert.deepStrictEqual(violations(WF, { definition: ALL }), []);
  });

  it("crm-calls-retry: flags a call without retry policy, or with 'none'", () => {
    const props = mutate((a) => {
      delete a.Process_lead.actions.Send_to_dataverse.actions.Create_dataverse_lead.inputs.retryPolicy;
      a.Process_lead.actions.Send_to_webhook.actions.Post_webhook.inputs.retryPolicy = { type: "none" };
    });
    assert.deepStrictEqual(checkRetryPolicies(WF, props), [
      "Action 'Create_dataverse_lead' calls out without a retry policy: a passing outage would lose the lead. Fix: set inputs.retryPolicy (exponential).",
      "Action 'Post_webhook' calls out without a retry policy: a passing outage would lose the lead. Fix: set inputs.retryPolicy (exponential).",
    ]);
  });

  it("archive-before-crm: flags a CRM call that can run before the archive succeeded", () => {
    const early = mutate((a) => {
      a.Process_lead.runAfter = { Respond: ["Succeeded"] };
      a.Respond.runAfter = {};
      a.Normalize_lead_function.runAfter.Archive_raw_lead = ["Succeeded", "Failed"];
    });
    assert.deepStrictEqual(checkArchiveFirst(WF, early), [
      "Action 'Normalize_lead_function' can call out before 'Archive_raw_lead' succeeded: archive every lead first. Fix: make it run after 'Archive_raw_lead' with status Succeeded.",
      "Action 'Create_dataverse_lead' can call out before 'Archive_raw_lead' succeeded: archive every lead first. Fix: make it run after 'Archive_raw_lead' with status Succeeded.",
      "Action 'Send_email_notice' can call out before 'Archive_raw_lead' succeeded: archive every lead first. Fix: make it run after 'Archive_raw_lead' with status Succeeded.",
      "Action 'Create_salesforce_lead' can call out before 'Archive_raw_lead' succeeded: archive every lead first. Fix: make it run after 'Archive_raw_lead' with status Succeeded.",
      "Action 'Post_webhook' can call out before 'Archive_raw_lead' succeeded: archive every lead first. Fix: make it run after 'Archive_raw_lead' with status Succeeded.",
    ]);
    const noArchive = mutate((a) => {
      delete a.Archive_raw_lead;
      a.Respond.runAfter = {};
    });
    assert.deepStrictEqual(checkArchiveFirst(WF, noArchive), [
      "No action archives the lead before anything else: the first action must write it to Azure Table storage. First actions: Respond.",
    ]);
  });

  it("secure-lead-data: flags an action carrying the lead without secure inputs", () => {
    const props = mutate(
      (a) => delete a.Process_lead.actions.Send_to_salesforce.actions.Create_salesforce_lead.runtimeConfiguration,
    );
    assert.deepStrictEqual(checkSecureLeadData(WF, props), [
      'Action \'Create_salesforce_lead\' puts lead data in the run history. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].',
    ]);
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
    const { LeadEndpoint } = await import("../components/leadEndpoint");
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
      alertEmails: ["ops@contoso.com"],
    });
    await settle(endpoint.leadEndpointUrl, endpoint.workflowId, endpoint.logWorkspaceId);
    const found: string[] = [];
    for (const r of resources) found.push(...violations(r.type, r.inputs));
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
    assert.strictEqual(resources.length, 28);
  });
});
