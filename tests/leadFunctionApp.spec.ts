/** The normalizer function app under mocks, and how LeadEndpoint wires it into the workflow. */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  FUNCTION_KEY,
  installMocks,
  PRINCIPAL_ID,
  RegisteredResource,
  settle,
  SUBSCRIPTION_ID,
  valueOf,
} from "./support/pulumiMocks";

const WORKFLOW_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/leads-test-rg/providers/azure-native:logic:Workflow/leads-test-workflow`;

describe("LeadFunctionApp component", () => {
  let resources: Record<string, RegisteredResource>;
  let app: import("../components/leadFunctionApp").LeadFunctionApp;
  before(async () => {
    const recorded = installMocks();
    const { LeadFunctionApp } = await import("../components/leadFunctionApp");
    app = new LeadFunctionApp("fn", {
      resourceGroupName: "rg",
      location: "westeurope",
      storageAccountName: "leadsst",
      storageAccountId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/leadsst",
      blobEndpoint: "https://leadsst.blob.core.windows.net/",
      subscriptionId: SUBSCRIPTION_ID,
    });
    await settle(app.normalizerKey, app.functionAppId);
    resources = Object.fromEntries(recorded.resources.map((r) => [r.name, r]));
  });

  it("hosts the app on a Flex Consumption plan, Node 20, HTTPS only, TLS 1.2", () => {
    assert.deepStrictEqual(resources["fn-plan"].inputs.sku, { name: "FC1", tier: "FlexConsumption" });
    const site = resources["fn-app"].inputs;
    assert.deepStrictEqual(
      [site.kind, site.httpsOnly, site.siteConfig.minTlsVersion, site.siteConfig.ftpsState, site.identity],
      ["functionapp,linux", true, "1.2", "Disabled", { type: "SystemAssigned" }],
    );
    assert.deepStrictEqual(site.functionAppConfig, {
      deployment: {
        storage: {
          type: "blobContainer",
          value: "https://leadsst.blob.core.windows.net/fn-package",
          authentication: { type: "SystemAssignedIdentity" },
        },
      },
      runtime: { name: "node", version: "20" },
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 },
    });
    assert.strictEqual(site.siteConfig.appSettings, undefined, "set by LeadEndpoint once the workflow exists");
  });

  it("lets the app's identity (not a key) read its package and the archive: two storage data roles", () => {
    const role = (id: string) => ({
      principalId: PRINCIPAL_ID,
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${id}`,
      scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/leadsst",
    });
    assert.deepStrictEqual(resources["fn-blob-owner"].inputs, role("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"));
    assert.deepStrictEqual(resources["fn-table-contributor"].inputs, role("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"));
    assert.strictEqual(resources["fn-package"].inputs.publicAccess, "None");
  });

  it("outputs the function URL and its key as a secret", async () => {
    assert.strictEqual(await valueOf(app.normalizerUrl), "https://fn-app.azurewebsites.net/api/normalizeLead");
    assert.strictEqual(await valueOf(app.normalizerKey), FUNCTION_KEY);
    assert.strictEqual(await pulumi.isSecret(app.normalizerKey), true);
  });

  it("is wired into the workflow when LeadEndpoint has normalizerFunction", async () => {
    const recorded = installMocks();
    const { LeadEndpoint } = await import("../components/leadEndpoint");
    const endpoint = new LeadEndpoint("leads-test", { location: "westeurope", normalizerFunction: true });
    await settle(endpoint.leadEndpointUrl, endpoint.functionAppName!);
    const [wf] = recorded.resources.filter((r) => r.type === "azure-native:logic:Workflow");
    assert.deepStrictEqual(wf.inputs.parameters.normalizerUrl, {
      value: "https://leads-test-fn-app.azurewebsites.net/api/normalizeLead",
    });
    assert.deepStrictEqual(wf.inputs.parameters.normalizerKey, { value: FUNCTION_KEY });
    assert.deepStrictEqual(wf.secretPaths, ["parameters"]);
    const call = wf.inputs.definition.actions.Normalize_lead_function;
    assert.deepStrictEqual(
      [call.type, call.inputs.uri, call.inputs.headers["x-functions-key"]],
      ["Http", "@parameters('normalizerUrl')", "@parameters('normalizerKey')"],
    );
    const [settings] = recorded.resources.filter((r) => r.type === "azure-native:web:WebAppApplicationSettings");
    assert.deepStrictEqual(settings.inputs.properties, {
      AzureWebJobsStorage__accountName: "leadstestst",
      LEAD_ARCHIVE_TABLE: "LeadArchive",
      LEAD_WORKFLOW_ID: WORKFLOW_ID,
      REPLAY_SCHEDULE: "0 0 0 1 1 *",
      "AzureWebJobs.replayDeadLetters.Disabled": "true",
    });
    assert.deepStrictEqual(settings.secretPaths, [], "no secret in app settings: the callback URL is read at run time");
    const [access] = recorded.resources.filter((r) => r.name === "leads-test-fn-workflow-access");
    assert.deepStrictEqual(
      [access.inputs.scope, access.inputs.roleDefinitionId.split("/").pop()],
      [WORKFLOW_ID, "87a39d53-fc1b-424a-814c-f7e04687dc9e"],
    );
    assert.deepStrictEqual(wf.inputs.definition.actions.Process_lead.runAfter.Normalize_lead_function, [
      "Succeeded",
      "Failed",
      "TimedOut",
    ]);
  });

  it("deploys the app for the scheduled replay alone, and enables it", async () => {
    const recorded = installMocks();
    const { LeadEndpoint } = await import("../components/leadEndpoint");
    const endpoint = new LeadEndpoint("leads-test", { location: "westeurope", replaySchedule: "0 */30 * * * *" });
    await settle(endpoint.leadEndpointUrl, endpoint.functionAppName!);
    const [settings] = recorded.resources.filter((r) => r.type === "azure-native:web:WebAppApplicationSettings");
    assert.deepStrictEqual(
      [
        settings.inputs.properties.REPLAY_SCHEDULE,
        settings.inputs.properties["AzureWebJobs.replayDeadLetters.Disabled"],
      ],
      ["0 */30 * * * *", "false"],
    );
    const [wf] = recorded.resources.filter((r) => r.type === "azure-native:logic:Workflow");
    assert.strictEqual(
      wf.inputs.definition.actions.Normalize_lead_function,
      undefined,
      "no normalizer call without normalizer: function",
    );
  });
});
