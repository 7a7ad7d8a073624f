/**
 * What the LeadEndpoint component declares, under Pulumi mocks: exact resources, key inputs, parents,
 * secret handling. This proves the wiring; it does not prove Azure accepts the resources (that is
 * what `pulumi preview` / `pulumi up` on a real subscription shows).
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { LeadEndpoint as LeadEndpointClass, LeadEndpointArgs } from "../../components/leadEndpoint";
import {
  CALLBACK_URL,
  IDENTITY_PRINCIPAL_ID,
  installMocks,
  MockCall,
  RegisteredResource,
  settle,
  SUBSCRIPTION_ID,
  valueOf,
} from "../support/pulumiMocks";

const DATAVERSE_SECRET = "dv-secret-value-0123456789";
const WEBHOOK_SECRET = "webhook-secret-value-0123456789";

interface Seen {
  type: string;
  name: string;
  resource: pulumi.Resource;
  parent: pulumi.Resource | undefined;
  dependsOn: unknown;
  protect?: boolean;
  deleteBeforeReplace?: boolean;
  aliases?: unknown[];
  props: Record<string, unknown>;
}

const RG_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/leads-test-rg`;
const ACCOUNT_ID = `${RG_ID}/providers/azure-native:storage:StorageAccount/leadstestst`;
const IDENTITY_ID = `${RG_ID}/providers/azure-native:managedidentity:UserAssignedIdentity/leads-test-workflow-identity`;
const TABLE_DATA_CONTRIBUTOR = `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3`;

/** The workflow identity's role assignment on one table. */
const tableRole = (table: string) => ({
  principalId: IDENTITY_PRINCIPAL_ID,
  principalType: "ServicePrincipal",
  roleDefinitionId: TABLE_DATA_CONTRIBUTOR,
  scope: `${ACCOUNT_ID}/tableServices/default/tables/${table}`,
});

async function deploy(args: LeadEndpointArgs): Promise<{
  endpoint: LeadEndpointClass;
  resources: RegisteredResource[];
  seen: Seen[];
  calls: MockCall[];
}> {
  const { resources, calls } = installMocks();
  const { LeadEndpoint } = await import("../../components/leadEndpoint");
  const seen: Seen[] = [];
  // These specs pin the footprint without the retention purge (whose function app is specified in
  // leadFunctionApp.spec.ts): retention off unless a test sets it.
  const endpoint = new LeadEndpoint(
    "leads-test",
    { archiveRetentionDays: 0, ...args },
    {
      transformations: [
        (a) => {
          seen.push({
            type: a.type,
            name: a.name,
            resource: a.resource,
            parent: a.opts.parent,
            dependsOn: a.opts.dependsOn,
            protect: a.opts.protect,
            deleteBeforeReplace: (a.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
            aliases: a.opts.aliases,
            props: a.props as Record<string, unknown>,
          });
          return undefined;
        },
      ],
    },
  );
  await settle(endpoint.leadEndpointUrl, endpoint.workflowId, endpoint.connectionsToAuthorize);
  return { endpoint, resources, seen, calls };
}

/** Logical names of the resources a registration waits for (its dependsOn). */
function dependsOnNames(out: { seen: Seen[] }, name: string): string[] {
  const byResource = new Map(out.seen.map((s) => [s.resource, s.name]));
  const deps = out.seen.find((s) => s.name === name)!.dependsOn;
  return ([] as unknown[])
    .concat(deps ?? [])
    .map((d) => byResource.get(d as pulumi.Resource) ?? "?")
    .sort();
}

const byType = (resources: RegisteredResource[], type: string) => resources.filter((r) => r.type === type);

const ALL_TARGETS: LeadEndpointArgs = {
  location: "westeurope",
  dataverse: {
    url: "https://contoso.crm4.dynamics.com",
    tenantId: "11111111-2222-3333-4444-555555555555",
    clientId: "66666666-7777-8888-9999-000000000000",
    clientSecret: pulumi.secret(DATAVERSE_SECRET),
  },
  salesforce: {},
  email: { to: "sales@contoso.com" },
  webhook: { url: "https://hooks.contoso.com/leads", secret: pulumi.secret(WEBHOOK_SECRET) },
  azureTable: {},
  allowedCallerIps: ["203.0.113.0/24"],
  alertEmails: ["ops@contoso.com", "oncall@contoso.com"],
  logRetentionDays: 90,
  tags: { team: "sales" },
};

describe("LeadEndpoint component", () => {
  describe("minimal (no CRM target: archive only)", () => {
    let out: Awaited<ReturnType<typeof deploy>>;
    before(async () => {
      out = await deploy({ location: "westeurope" });
    });

    it("protects what holds or receives leads, and replaces fixed names by deleting first; protectLeads false: no protect", async () => {
      const names = (seen: Seen[], flag: "protect" | "deleteBeforeReplace") =>
        seen.filter((s) => s[flag] === true).map((s) => s.name);
      // The group too: a new location replaces the group the kit made, and deleting a group deletes what is in it.
      assert.deepStrictEqual(names(out.seen, "protect"), [
        "leads-test-rg",
        "leadstestst",
        "leads-test-table-archive",
        "leads-test-table-dedup",
        "leads-test-workflow",
      ]);
      assert.deepStrictEqual(names(out.seen, "deleteBeforeReplace"), [
        "leads-test-workflow",
        "leads-test-monitoring-insights",
      ]);
      const unprotected = await deploy({ location: "westeurope", protectLeads: false });
      assert.deepStrictEqual(names(unprotected.seen, "protect"), []);
      assert.deepStrictEqual(names(unprotected.seen, "deleteBeforeReplace"), names(out.seen, "deleteBeforeReplace"));
    });

    it("names each table by its role, aliased to its earlier name (by table): a renamed table is refused, not deleted last", () => {
      // A new name by table was a new resource: created, the workflow moved to it, and the old table's delete
      // (run last) refused by protect only after all that. Named by role, a rename replaces a protected table,
      // which stops `pulumi up` when it is registered, before the workflow changes.
      const tables = out.seen.filter((s) => s.type === "azure-native:storage:Table");
      const named = (aliases: unknown[] = []) => aliases.filter((a) => (a as pulumi.Alias).name !== undefined);
      assert.deepStrictEqual(
        tables.map((t) => [t.name, t.props.tableName, named(t.aliases)]),
        [
          ["leads-test-table-archive", "LeadArchive", [{ name: "leads-test-leadarchive" }]],
          ["leads-test-table-dedup", "LeadDedup", [{ name: "leads-test-leaddedup" }]],
        ],
      );
    });

    it("registers exactly the group, account, archive and dedup tables, workflow identity with its roles, and workflow", () => {
      const summary = out.resources.map((r) => `${r.type} ${r.name}`).sort();
      assert.deepStrictEqual(summary, [
        "azure-native:applicationinsights:Workbook leads-test-monitoring-insights",
        "azure-native:authorization:RoleAssignment leads-test-workflow-leadarchive",
        "azure-native:authorization:RoleAssignment leads-test-workflow-leaddedup",
        "azure-native:logic:Workflow leads-test-workflow",
        "azure-native:managedidentity:UserAssignedIdentity leads-test-workflow-identity",
        "azure-native:monitor:DiagnosticSetting leads-test-monitoring-diagnostics",
        "azure-native:monitor:MetricAlert leads-test-monitoring-runs-failed",
        "azure-native:operationalinsights:Workspace leads-test-monitoring-logs",
        "azure-native:resources:ResourceGroup leads-test-rg",
        "azure-native:storage:StorageAccount leadstestst",
        "azure-native:storage:Table leads-test-table-archive",
        "azure-native:storage:Table leads-test-table-dedup",
        "leadkit:index:LeadEndpoint leads-test",
        "leadkit:index:LeadMonitoring leads-test-monitoring",
      ]);
    });

    it("in a preview, leaves the callback URL unknown and reads nothing a Reader cannot (no listCallbackUrl)", async () => {
      const preview = installMocks({}, [], "leadkit", true);
      const { LeadEndpoint } = await import("../../components/leadEndpoint");
      const endpoint = new LeadEndpoint("leads-preview", { location: "westeurope", archiveRetentionDays: 0 });
      await settle(endpoint.archiveTableName);
      await new Promise((r) => setTimeout(r, 100)); // the registrations, asynchronous
      assert.ok(
        preview.resources.some((r) => r.type === "azure-native:logic:Workflow"),
        "the workflow is planned",
      );
      assert.deepStrictEqual(
        [...new Set(preview.calls.map((c) => c.token))],
        ["azure-native:authorization:getClientConfig"],
      );
      assert.strictEqual(await pulumi.isSecret(endpoint.leadEndpointUrl), true);
      const url = await (
        endpoint.leadEndpointUrl as unknown as { promise(withUnknowns: boolean): Promise<unknown> }
      ).promise(true);
      assert.strictEqual(pulumi.isUnknown(url), true, "shown as output<string> in the preview, not as a value");
    });

    it("reads no storage or function key: the only invokes are the client config and the callback URL", () => {
      const tokens = [...new Set(out.calls.map((c) => c.token))].sort();
      assert.deepStrictEqual(tokens, [
        "azure-native:authorization:getClientConfig",
        "azure-native:logic:listWorkflowTriggerCallbackUrl",
      ]);
    });

    it("parents every child on the component, monitoring resources on the monitoring component", () => {
      const parentName = (s: Seen) => (s.parent as unknown as { __name?: string })?.__name;
      const tree = out.seen.map((s) => `${s.name} <- ${parentName(s)}`).sort();
      assert.deepStrictEqual(
        tree,
        [
          "leads-test <- undefined",
          "leads-test-table-archive <- leads-test",
          "leads-test-table-dedup <- leads-test",
          "leads-test-monitoring <- leads-test",
          "leads-test-monitoring-diagnostics <- leads-test-monitoring",
          "leads-test-monitoring-insights <- leads-test-monitoring",
          "leads-test-monitoring-logs <- leads-test-monitoring",
          "leads-test-monitoring-runs-failed <- leads-test-monitoring",
          "leads-test-rg <- leads-test",
          "leads-test-workflow <- leads-test",
          "leads-test-workflow-identity <- leads-test",
          "leads-test-workflow-leadarchive <- leads-test",
          "leads-test-workflow-leaddedup <- leads-test",
          "leadstestst <- leads-test",
        ].sort(),
      );
      const direct = out.seen.filter((s) => s.parent === out.endpoint);
      assert.strictEqual(direct.length, 9);
    });

    it("hardens the storage account (TLS 1.2, HTTPS only, no public blob access, no shared key)", () => {
      const [account] = byType(out.resources, "azure-native:storage:StorageAccount");
      assert.deepStrictEqual(
        {
          kind: account.inputs.kind,
          sku: account.inputs.sku,
          minimumTlsVersion: account.inputs.minimumTlsVersion,
          enableHttpsTrafficOnly: account.inputs.enableHttpsTrafficOnly,
          allowBlobPublicAccess: account.inputs.allowBlobPublicAccess,
          allowSharedKeyAccess: account.inputs.allowSharedKeyAccess,
          location: account.inputs.location,
        },
        {
          kind: "StorageV2",
          sku: { name: "Standard_LRS" },
          minimumTlsVersion: "TLS1_2",
          enableHttpsTrafficOnly: true,
          allowBlobPublicAccess: false,
          allowSharedKeyAccess: false,
          location: "westeurope",
        },
      );
    });

    it("creates the archive and dedup tables in that account", () => {
      const tables = byType(out.resources, "azure-native:storage:Table").map((t) => t.inputs);
      assert.deepStrictEqual(tables, [
        { accountName: "leadstestst", resourceGroupName: "leads-test-rg", tableName: "LeadArchive" },
        { accountName: "leadstestst", resourceGroupName: "leads-test-rg", tableName: "LeadDedup" },
      ]);
    });

    it("gives the workflow a user-assigned identity with Table Data Contributor on each of its tables only", () => {
      const [identity] = byType(out.resources, "azure-native:managedidentity:UserAssignedIdentity");
      assert.deepStrictEqual(identity.inputs, { location: "westeurope", resourceGroupName: "leads-test-rg" });
      const roles = Object.fromEntries(
        byType(out.resources, "azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs]),
      );
      assert.deepStrictEqual(roles, {
        "leads-test-workflow-leadarchive": tableRole("LeadArchive"),
        "leads-test-workflow-leaddedup": tableRole("LeadDedup"),
      });
    });

    it("creates the workflow after its tables and role assignments, so the first lead meets no 403", () => {
      assert.deepStrictEqual(dependsOnNames(out, "leads-test-workflow"), [
        "leads-test-table-archive",
        "leads-test-table-dedup",
        "leads-test-workflow-leadarchive",
        "leads-test-workflow-leaddedup",
      ]);
    });

    it("deploys the definition under a fixed name, with the identity, table endpoint and no connection", async () => {
      const [wf] = byType(out.resources, "azure-native:logic:Workflow");
      assert.strictEqual(wf.inputs.state, "Enabled");
      assert.strictEqual(wf.inputs.workflowName, "leads-test-workflow");
      // The definition the workflow module builds from the same args (the component keeps no copy of it).
      const { leadWorkflowOptions } = await import("../../components/workflowOptions");
      const { buildLeadWorkflow } = await import("../../workflow/leadWorkflow");
      const expected = buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope" })).definition;
      assert.deepStrictEqual(wf.inputs.definition, JSON.parse(JSON.stringify(expected)));
      assert.strictEqual(wf.inputs.definition.triggers.manual.type, "Request");
      assert.deepStrictEqual(wf.inputs.identity, { type: "UserAssigned", userAssignedIdentities: [IDENTITY_ID] });
      assert.deepStrictEqual(wf.inputs.parameters, {
        $connections: { value: {} },
        tableEndpoint: { value: "https://leadstestst.table.core.windows.net/" },
        workflowIdentity: { value: IDENTITY_ID },
      });
      assert.strictEqual(wf.inputs.accessControl, undefined);
      assert.deepStrictEqual(byType(out.resources, "azure-native:web:Connection"), []);
    });

    it("outputs the callback URL of trigger 'manual' as a secret", async () => {
      assert.strictEqual(await valueOf(out.endpoint.leadEndpointUrl), CALLBACK_URL);
      assert.strictEqual(await pulumi.isSecret(out.endpoint.leadEndpointUrl), true);
    });

    it("has no connection to authorize", async () => {
      assert.deepStrictEqual(await valueOf(out.endpoint.connectionsToAuthorize), {});
    });
  });

  describe("every target", () => {
    let out: Awaited<ReturnType<typeof deploy>>;
    before(async () => {
      out = await deploy(ALL_TARGETS);
    });

    it("registers one connection per CRM connector, the three tables and a role on each", () => {
      const summary = out.resources.map((r) => `${r.type} ${r.name}`).sort();
      assert.deepStrictEqual(summary, [
        "azure-native:applicationinsights:Workbook leads-test-monitoring-insights",
        "azure-native:authorization:RoleAssignment leads-test-workflow-leadarchive",
        "azure-native:authorization:RoleAssignment leads-test-workflow-leaddedup",
        "azure-native:authorization:RoleAssignment leads-test-workflow-marketplaceleads",
        "azure-native:logic:Workflow leads-test-workflow",
        "azure-native:managedidentity:UserAssignedIdentity leads-test-workflow-identity",
        "azure-native:monitor:ActionGroup leads-test-monitoring-alerts",
        "azure-native:monitor:DiagnosticSetting leads-test-monitoring-diagnostics",
        "azure-native:monitor:MetricAlert leads-test-monitoring-runs-failed",
        "azure-native:operationalinsights:Workspace leads-test-monitoring-logs",
        "azure-native:resources:ResourceGroup leads-test-rg",
        "azure-native:storage:StorageAccount leadstestst",
        "azure-native:storage:Table leads-test-table-archive",
        "azure-native:storage:Table leads-test-table-azuretable",
        "azure-native:storage:Table leads-test-table-dedup",
        "azure-native:web:Connection leads-test-commondataservice",
        "azure-native:web:Connection leads-test-office365",
        "azure-native:web:Connection leads-test-salesforce",
        "leadkit:index:LeadEndpoint leads-test",
        "leadkit:index:LeadMonitoring leads-test-monitoring",
      ]);
      const [target] = out.resources.filter((r) => r.name === "leads-test-workflow-marketplaceleads");
      assert.deepStrictEqual(target.inputs, tableRole("MarketplaceLeads"));
    });

    it("connects Dataverse as a service principal and Salesforce to its login host", () => {
      const conns = Object.fromEntries(
        byType(out.resources, "azure-native:web:Connection").map((c) => [c.name, c.inputs.properties]),
      );
      assert.deepStrictEqual(conns["leads-test-commondataservice"].parameterValues, {
        "token:TenantId": "11111111-2222-3333-4444-555555555555",
        "token:clientId": "66666666-7777-8888-9999-000000000000",
        "token:clientSecret": DATAVERSE_SECRET,
        "token:grantType": "client_credentials",
      });
      assert.deepStrictEqual(conns["leads-test-salesforce"].nonSecretParameterValues, {
        "token:LoginUri": "https://login.salesforce.com",
      });
      assert.strictEqual(conns["leads-test-office365"].parameterValues, undefined);
    });

    it("passes the webhook URL and secret as workflow parameters, and restricts callers", () => {
      const [wf] = byType(out.resources, "azure-native:logic:Workflow");
      assert.deepStrictEqual(Object.keys(wf.inputs.parameters).sort(), [
        "$connections",
        "tableEndpoint",
        "webhookSecret",
        "webhookUrl",
        "workflowIdentity",
      ]);
      assert.deepStrictEqual(wf.inputs.parameters.webhookUrl, { value: "https://hooks.contoso.com/leads" });
      assert.deepStrictEqual(Object.keys(wf.inputs.parameters.$connections.value).sort(), [
        "commondataservice",
        "office365",
        "salesforce",
      ]);
      assert.deepStrictEqual(wf.inputs.accessControl, {
        triggers: { allowedCallerIpAddresses: [{ addressRange: "203.0.113.0/24" }] },
      });
      assert.deepStrictEqual(wf.inputs.tags, { team: "sales" });
    });

    it("never places a secret in a non-secret input", async () => {
      const leaks: string[] = [];
      for (const s of out.seen) await findLeaks(s.props, `${s.type} ${s.name}`, false, leaks);
      assert.deepStrictEqual(leaks, []);
      // And the secrets did reach the resources that need them, as secrets.
      const wfProps = out.seen.find((s) => s.type === "azure-native:logic:Workflow")!.props as any;
      assert.strictEqual(await pulumi.isSecret(wfProps.parameters.webhookSecret.value), true);
      // The hook URL too (it may hold a token): a SecureString parameter, passed as a secret.
      assert.strictEqual(await pulumi.isSecret(wfProps.parameters.webhookUrl.value), true);
      const definition = out.resources.find((r) => r.type === "azure-native:logic:Workflow")!.inputs.definition;
      assert.strictEqual(definition.parameters.webhookUrl.type, "SecureString");
      // The engine receives (and stores in state) the whole containing input encrypted.
      const secretInputs = out.resources
        .filter((r) => r.secretPaths.length > 0)
        .map((r) => `${r.name}: ${r.secretPaths}`);
      assert.deepStrictEqual(secretInputs.sort(), [
        "leads-test-commondataservice: properties",
        "leads-test-workflow: parameters",
      ]);
    });

    it("lists the OAuth connections to authorize, with portal links", async () => {
      const links = await valueOf(out.endpoint.connectionsToAuthorize);
      const rg = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/leads-test-rg/providers/azure-native:web:Connection`;
      assert.deepStrictEqual(links, {
        office365: `https://portal.azure.com/#resource${rg}/leads-test-office365`,
        salesforce: `https://portal.azure.com/#resource${rg}/leads-test-salesforce`,
      });
    });
  });

  it("uses a given resource group instead of creating one", async () => {
    const out = await deploy({ location: "northeurope", resourceGroupName: "rg-existing" });
    assert.strictEqual(byType(out.resources, "azure-native:resources:ResourceGroup").length, 0);
    // Diagnostic settings are extension resources: they have a resourceUri, not a group.
    // Role assignments are extension resources too (a scope, no group).
    const grouped = out.resources.filter(
      (x) =>
        x.type.startsWith("azure-native:") &&
        x.type !== "azure-native:monitor:DiagnosticSetting" &&
        x.type !== "azure-native:authorization:RoleAssignment",
    );
    assert.strictEqual(grouped.length, 8);
    for (const r of grouped) {
      assert.strictEqual(r.inputs.resourceGroupName, "rg-existing", r.name);
    }
    assert.strictEqual(await valueOf(out.endpoint.resourceGroupName), "rg-existing");
  });
});

describe("leadWorkflowOptions (dedup and incomplete leads)", () => {
  let leadWorkflowOptions: typeof import("../../components/workflowOptions").leadWorkflowOptions;
  before(async () => {
    ({ leadWorkflowOptions } = await import("../../components/workflowOptions"));
  });

  it("defaults to table LeadDedup, a 30-day window and archiving incomplete leads", () => {
    const o = leadWorkflowOptions({ location: "westeurope" });
    assert.deepStrictEqual([o.dedupTableName, o.dedupWindowDays, o.incompleteLeads], ["LeadDedup", 30, "archive"]);
  });

  it("passes given values through", () => {
    const o = leadWorkflowOptions({
      location: "westeurope",
      dedupTableName: "Seen",
      dedupWindowDays: 7,
      incompleteLeads: "deliver",
    });
    assert.deepStrictEqual([o.dedupTableName, o.dedupWindowDays, o.incompleteLeads], ["Seen", 7, "deliver"]);
  });

  it("rejects a dedup window that is not a whole number of days from 1 to 3650, naming the fix", () => {
    for (const days of [0, 1.5, 4000]) {
      assert.throws(() => leadWorkflowOptions({ location: "westeurope", dedupWindowDays: days }), {
        message: `dedupWindowDays: ${days} is not valid: must be a whole number of days from 1 to 3650. Fix: dedupWindowDays: 30`,
      });
    }
  });

  it("rejects an unknown incompleteLeads value, naming the valid ones", () => {
    assert.throws(
      () => leadWorkflowOptions({ location: "westeurope", incompleteLeads: "drop" as unknown as "archive" }),
      {
        message:
          'incompleteLeads: "drop" is not valid: must be "archive" or "deliver". Fix: incompleteLeads: "archive"',
      },
    );
  });
});

const SECRETS = [DATAVERSE_SECRET, WEBHOOK_SECRET];

/** Walks inputs; a secret value found outside a secret Output is a leak. */
async function findLeaks(value: unknown, where: string, inSecret: boolean, leaks: string[]): Promise<void> {
  if (pulumi.Output.isInstance(value)) {
    const secret = inSecret || (await pulumi.isSecret(value));
    return findLeaks(await valueOf(value), where, secret, leaks);
  }
  if (typeof value === "string") {
    if (!inSecret && SECRETS.some((s) => value.includes(s))) leaks.push(where);
    return;
  }
  if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    for (const [k, v] of Object.entries(value)) await findLeaks(v, `${where}.${k}`, inSecret, leaks);
  }
}
