/** The normalizer function app under mocks, and how LeadEndpoint wires it into the workflow. */
import * as assert from "assert";
import * as fs from "fs";
import {
  IDENTITY_CLIENT_ID,
  IDENTITY_PRINCIPAL_ID,
  installMocks,
  PRINCIPAL_ID,
  RegisteredResource,
  settle,
  SUBSCRIPTION_ID,
  valueOf,
} from "../support/pulumiMocks";

const ACCOUNT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/leadsst";
const FIXED_WORKFLOW_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/leads-wf";
const RG_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/leads-test-rg`;
/** The workflow's ARM id, built as a string from its fixed name (the app settings need it before it exists). */
const WORKFLOW_ARM_ID = `${RG_ID}/providers/Microsoft.Logic/workflows/leads-test-workflow`;
/** The workflow's id as the mocks report it once it exists. */
const WORKFLOW_ID = `${RG_ID}/providers/azure-native:logic:Workflow/leads-test-workflow`;
const role = (id: string) =>
  `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

describe("LeadFunctionApp component", () => {
  let resources: Record<string, RegisteredResource>;
  let calls: { token: string }[];
  let app: import("../../components/leadFunctionApp").LeadFunctionApp;
  before(async () => {
    const recorded = installMocks();
    const { LeadFunctionApp } = await import("../../components/leadFunctionApp");
    app = new LeadFunctionApp("fn", {
      resourceGroupName: "rg",
      location: "westeurope",
      storageAccountName: "leadsst",
      storageAccountId: ACCOUNT_ID,
      blobEndpoint: "https://leadsst.blob.core.windows.net/",
      subscriptionId: SUBSCRIPTION_ID,
      archiveTableName: "LeadArchive",
      workflowId: FIXED_WORKFLOW_ID,
      caller: { clientId: IDENTITY_CLIENT_ID, principalId: IDENTITY_PRINCIPAL_ID, tenantId: "tenant-1" },
    });
    await settle(app.normalizerUrl, app.functionAppId, app.principalId);
    resources = Object.fromEntries(recorded.resources.map((r) => [r.name, r]));
    calls = recorded.calls;
  });

  it("hosts the app on a Flex Consumption plan, Node 22, HTTPS only, TLS 1.2", () => {
    assert.deepStrictEqual(resources["fn-plan"].inputs.sku, { name: "FC1", tier: "FlexConsumption" });
    const site = resources["fn-app"].inputs;
    assert.deepStrictEqual(
      [site.kind, site.httpsOnly, site.siteConfig.minTlsVersion, site.identity],
      ["functionapp,linux", true, "1.2", { type: "SystemAssigned" }],
    );
    assert.deepStrictEqual(site.functionAppConfig, {
      deployment: {
        storage: {
          type: "blobContainer",
          value: "https://leadsst.blob.core.windows.net/fn-package",
          authentication: { type: "SystemAssignedIdentity" },
        },
      },
      runtime: { name: "node", version: "22" },
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 },
    });
  });

  it("sends no siteConfig property Flex Consumption rejects (ARM 51021), not even the SDK's netFrameworkVersion default", () => {
    // The inputs as the engine receives them: after azure-native's siteConfig defaults and the app's transformation.
    const { appSettings, ...siteConfig } = resources["fn-app"].inputs.siteConfig;
    assert.ok(Array.isArray(appSettings));
    assert.deepStrictEqual(siteConfig, { minTlsVersion: "1.2", http20Enabled: true, localMySqlEnabled: false });
    const rejected = [
      "netFrameworkVersion",
      "ftpsState",
      "use32BitWorkerProcess",
      "linuxFxVersion",
      "preWarmedInstanceCount",
      "functionsRuntimeScaleMonitoringEnabled",
      "alwaysOn",
      "functionAppScaleLimit",
    ];
    assert.deepStrictEqual(
      rejected.filter((key) => key in resources["fn-app"].inputs.siteConfig),
      [],
    );
  });

  it("sets every app setting on the site at creation (host storage by identity; replay off by default)", () => {
    assert.deepStrictEqual(resources["fn-app"].inputs.siteConfig.appSettings, [
      { name: "AzureWebJobsStorage__accountName", value: "leadsst" },
      { name: "LEAD_ARCHIVE_TABLE", value: "LeadArchive" },
      { name: "LEAD_WORKFLOW_ID", value: FIXED_WORKFLOW_ID },
      { name: "REPLAY_SCHEDULE", value: "0 0 0 1 1 *" },
      { name: "AzureWebJobs.replayDeadLetters.Disabled", value: "true" },
      { name: "PURGE_SCHEDULE", value: "0 0 0 1 1 *" },
      { name: "AzureWebJobs.purgeExpired.Disabled", value: "true" },
    ]);
    assert.deepStrictEqual(resources["fn-app"].secretPaths, []);
  });

  it("reads no host key and creates no separate settings resource", () => {
    assert.deepStrictEqual(
      calls.map((c) => c.token),
      [],
    );
    assert.deepStrictEqual(
      Object.values(resources)
        .map((r) => r.type)
        .filter((t) => t === "azure-native:web:WebAppApplicationSettings"),
      [],
    );
  });

  it("lets only the workflow's identity call the app: App Service authentication, 401 for anyone else", () => {
    const auth = resources["fn-auth"];
    assert.strictEqual(auth.type, "azure-native:web:WebAppAuthSettingsV2");
    assert.deepStrictEqual(auth.inputs, {
      name: "fn-app",
      resourceGroupName: "rg",
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: IDENTITY_CLIENT_ID, openIdIssuer: "https://sts.windows.net/tenant-1/" },
          validation: {
            allowedAudiences: ["https://management.azure.com"],
            defaultAuthorizationPolicy: { allowedPrincipals: { identities: [IDENTITY_PRINCIPAL_ID] } },
          },
        },
      },
    });
  });

  it("gives the app's identity blob ownership on the account (Functions host) and table access to the archive only", () => {
    const assignment = (roleId: string, scope: string) => ({
      principalId: PRINCIPAL_ID,
      principalType: "ServicePrincipal",
      roleDefinitionId: role(roleId),
      scope,
    });
    assert.deepStrictEqual(
      resources["fn-blob-owner"].inputs,
      assignment("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", ACCOUNT_ID),
    );
    assert.deepStrictEqual(
      resources["fn-table-contributor"].inputs,
      assignment("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", `${ACCOUNT_ID}/tableServices/default/tables/LeadArchive`),
    );
    assert.strictEqual(resources["fn-package"].inputs.publicAccess, "None");
  });

  it("outputs the function URL and the audience the workflow's token must carry", async () => {
    assert.strictEqual(await valueOf(app.normalizerUrl), "https://fn-app.azurewebsites.net/api/normalizeLead");
    assert.strictEqual(await valueOf(app.normalizerAudience), "https://management.azure.com");
  });
});

describe("LeadEndpoint with the function app", () => {
  async function deployEndpoint(args: Partial<import("../../components/leadEndpoint").LeadEndpointArgs>) {
    const recorded = installMocks();
    const { LeadEndpoint } = await import("../../components/leadEndpoint");
    const endpoint = new LeadEndpoint("leads-test", { location: "westeurope", ...args });
    await settle(endpoint.leadEndpointUrl, endpoint.functionAppName!);
    const byName = Object.fromEntries(recorded.resources.map((r) => [r.name, r]));
    return { endpoint, resources: recorded.resources, byName };
  }
  /** The endpoint with the scheduled replay alone: deployed once, read (not changed) by the tests that need it. */
  let replayOnly: ReturnType<typeof deployEndpoint> | undefined;
  const deployReplayOnly = () => (replayOnly ??= deployEndpoint({ replaySchedule: "0 */30 * * * *" }));

  it("passes the normalizer URL and audience to the workflow, and no function key", async () => {
    const { resources } = await deployEndpoint({ normalizerFunction: true });
    const [wf] = resources.filter((r) => r.type === "azure-native:logic:Workflow");
    assert.deepStrictEqual(wf.inputs.parameters.normalizerUrl, {
      value: "https://leads-test-fn-app.azurewebsites.net/api/normalizeLead",
    });
    assert.deepStrictEqual(wf.inputs.parameters.normalizerAudience, { value: "https://management.azure.com" });
    assert.strictEqual(wf.inputs.parameters.normalizerKey, undefined);
  });

  it("gives the app the workflow's ARM id (from its fixed name) and the archive table at creation", async () => {
    const { byName } = await deployEndpoint({ normalizerFunction: true, archiveRetentionDays: 0 });
    assert.deepStrictEqual(byName["leads-test-fn-app"].inputs.siteConfig.appSettings, [
      { name: "AzureWebJobsStorage__accountName", value: "leadstestst" },
      { name: "LEAD_ARCHIVE_TABLE", value: "LeadArchive" },
      { name: "LEAD_WORKFLOW_ID", value: WORKFLOW_ARM_ID },
      { name: "REPLAY_SCHEDULE", value: "0 0 0 1 1 *" },
      { name: "AzureWebJobs.replayDeadLetters.Disabled", value: "true" },
      { name: "PURGE_SCHEDULE", value: "0 0 0 1 1 *" },
      { name: "AzureWebJobs.purgeExpired.Disabled", value: "true" },
    ]);
    const auth = byName["leads-test-fn-auth"].inputs.identityProviders.azureActiveDirectory;
    assert.deepStrictEqual(
      [auth.registration.clientId, auth.validation.defaultAuthorizationPolicy.allowedPrincipals.identities],
      [IDENTITY_CLIENT_ID, [IDENTITY_PRINCIPAL_ID]],
    );
  });

  it("deploys the app for the retention purge by default (365 days): daily timer, settings, dedup table role", async () => {
    const { resources, byName } = await deployEndpoint({ dedupTableName: "Claims", dedupWindowDays: 14 });
    const settings = (
      byName["leads-test-fn-app"].inputs.siteConfig.appSettings as { name: string; value: string }[]
    ).filter((s) => /PURGE|RETENTION|DEDUP/.test(s.name));
    assert.deepStrictEqual(settings, [
      { name: "PURGE_SCHEDULE", value: "0 0 3 * * *" },
      { name: "ARCHIVE_RETENTION_DAYS", value: "365" },
      { name: "LEAD_DEDUP_TABLE", value: "Claims" },
      { name: "DEDUP_WINDOW_DAYS", value: "14" },
    ]);
    assert.match(byName["leads-test-fn-dedup-contributor"].inputs.scope, /\/tableServices\/default\/tables\/Claims$/);
    // Without replaySchedule the app reads neither the callback URL nor the runs: no role on the workflow.
    assert.deepStrictEqual(
      resources.filter((r) => r.name.startsWith("leads-test-fn-workflow-")).map((r) => r.name),
      [],
    );
    // Off, the app is not deployed: leadEndpoint.spec.ts pins that footprint (archiveRetentionDays 0).
    assert.ok(resources.some((r) => r.name === "leads-test-fn-app"));
    const { archiveRetentionDays } = await import("../../components/workflowOptions");
    assert.throws(() => archiveRetentionDays({ location: "westeurope", archiveRetentionDays: -1 }), {
      message:
        "archiveRetentionDays: -1 is not valid: must be a whole number of days from 0 (off) to 3650. Fix: archiveRetentionDays: 365",
    });
  });

  it("lets the replay read the callback URL through a built-in read-only role on the workflow, not Logic App Contributor", async () => {
    const { resources, byName } = await deployReplayOnly();
    assert.deepStrictEqual(byName["leads-test-fn-workflow-access"].inputs, {
      principalId: PRINCIPAL_ID,
      principalType: "ServicePrincipal",
      // Microsoft Sentinel Playbook Operator: workflows/read and triggers/listCallbackUrl/action only.
      roleDefinitionId: role("51d6186e-6489-4900-b93f-92e23144cca5"),
      scope: WORKFLOW_ID,
    });
    // Reader on the workflow only: the status of the run behind a row left `received` (workflows/runs/read).
    assert.deepStrictEqual(byName["leads-test-fn-workflow-runs"].inputs, {
      principalId: PRINCIPAL_ID,
      principalType: "ServicePrincipal",
      roleDefinitionId: role("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
      scope: WORKFLOW_ID,
    });
    assert.ok(
      !resources.some((r) => r.type === "azure-native:authorization:RoleDefinition"),
      "no custom role to write",
    );
    const everything = JSON.stringify(resources.map((r) => r.inputs));
    assert.strictEqual(everything.includes("87a39d53-fc1b-424a-814c-f7e04687dc9e"), false, "no Logic App Contributor");
  });

  it("every role the kit assigns is one the README lets the deploy identity assign (else the first pulumi up fails)", async () => {
    const { resources } = await deployEndpoint({ replaySchedule: "0 */30 * * * *", normalizerFunction: true });
    const granted = new Set(
      resources
        .filter((r) => r.type === "azure-native:authorization:RoleAssignment")
        .map((r) => String(r.inputs.roleDefinitionId).split("/").pop()),
    );
    const readme = fs.readFileSync("README.md", "utf8");
    const allowed = /^roles="([^"]+)"$/m.exec(readme)![1].split(/,\s*/);
    assert.deepStrictEqual([...granted].sort(), [...allowed].sort());
  });

  it("deploys the app for the scheduled replay alone, enables it, and declares no normalizer parameter", async () => {
    const { resources, byName } = await deployReplayOnly();
    const settings = Object.fromEntries(
      (byName["leads-test-fn-app"].inputs.siteConfig.appSettings as { name: string; value: string }[]).map((s) => [
        s.name,
        s.value,
      ]),
    );
    assert.deepStrictEqual(
      [settings.REPLAY_SCHEDULE, settings["AzureWebJobs.replayDeadLetters.Disabled"]],
      ["0 */30 * * * *", "false"],
    );
    const [wf] = resources.filter((r) => r.type === "azure-native:logic:Workflow");
    assert.deepStrictEqual(Object.keys(wf.inputs.parameters).sort(), [
      "$connections",
      "tableEndpoint",
      "workflowIdentity",
    ]);
    assert.strictEqual(wf.inputs.definition.actions.Normalize_lead_function, undefined);
  });
});
