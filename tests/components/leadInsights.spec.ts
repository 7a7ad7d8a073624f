/** The lead-insights workbook: exact queries, the columns they read, and the Workbook resource under strict mocks. */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { insightPanels, insightsWorkbook } from "../../components/insightsWorkbook";
import { workbookGuid } from "../../components/leadInsights";
import { TARGET_ACTION } from "../../workflow/crmActions";
import { LEAD_FACTS, OUTCOMES } from "../../workflow/leadInsights";
import { buildLeadWorkflow } from "../../workflow/leadWorkflow";
import { WorkflowAction } from "../../definition/types";
import { installStrictMocks } from "../support/strictMocks";
import { settle } from "../support/pulumiMocks";

const EVENTS = `AzureDiagnostics
| where ResourceProvider == "MICROSOFT.LOGIC" and Category == "WorkflowRuntime"
| where resource_workflowName_s == 'leads-wf'`;

const query = (name: string) => insightPanels("leads-wf").find((p) => p.name === name)!.query;

/** Every action name of a definition, at any depth. */
function actionNames(actions: Record<string, WorkflowAction>): string[] {
  return Object.entries(actions).flatMap(([name, action]) => {
    // Switch cases and default are not in WorkflowAction's type.
    const a = action as WorkflowAction & {
      cases?: Record<string, { actions: Record<string, WorkflowAction> }>;
      default?: { actions: Record<string, WorkflowAction> };
    };
    const nested = [
      a.actions,
      a.else?.actions,
      ...Object.values(a.cases ?? {}).map((c) => c.actions),
      a.default?.actions,
    ];
    return [name, ...nested.flatMap((n) => (n ? actionNames(n as Record<string, WorkflowAction>) : []))];
  });
}

describe("Lead insights workbook", () => {
  it("counts outcomes by the action that records each, on successful completion", () => {
    assert.strictEqual(
      query("outcomes"),
      `${EVENTS}
| where OperationName has "workflowActionCompleted" and resource_actionName_s in (dynamic(["Mark_delivered", "Mark_test_lead", "Mark_incomplete", "Mark_duplicate", "Mark_dead_letter"]))
| where status_s == "Succeeded"
| extend outcome = case(resource_actionName_s == 'Mark_delivered', 'delivered', resource_actionName_s == 'Mark_test_lead', 'test', resource_actionName_s == 'Mark_incomplete', 'incomplete', resource_actionName_s == 'Mark_duplicate', 'duplicate', resource_actionName_s == 'Mark_dead_letter', 'dead-letter', "other")
| summarize leads = dcount(resource_runId_s) by outcome`,
    );
  });

  it("measures delivery latency from the run's start to Mark_delivered's end, and failures per target", () => {
    assert.strictEqual(
      query("delivery-latency"),
      `let started = ${EVENTS}
| where OperationName has "workflowRunStarted"
| summarize received = min(startTime_t) by resource_runId_s;
${EVENTS}
| where OperationName has "workflowActionCompleted" and resource_actionName_s in (dynamic(["Mark_delivered"]))
| where status_s == "Succeeded"
| join kind=inner started on resource_runId_s
| extend seconds = datetime_diff('second', endTime_t, received)
| summarize p50 = percentile(seconds, 50), p95 = percentile(seconds, 95), max = max(seconds) by day = bin(endTime_t, 1d)
| order by day asc`,
    );
    assert.strictEqual(
      query("failures-by-target"),
      `${EVENTS}
| where OperationName has "workflowActionCompleted" and resource_actionName_s in (dynamic(["Create_dataverse_lead", "Create_salesforce_lead", "Upsert_hubspot_contact", "Send_email_notice", "Post_webhook", "Write_marketplace_table", "Post_teams_notice"]))
| where status_s in ("Failed", "TimedOut")
| extend target = case(resource_actionName_s == 'Create_dataverse_lead', 'dataverse', resource_actionName_s == 'Create_salesforce_lead', 'salesforce', resource_actionName_s == 'Upsert_hubspot_contact', 'hubspot', resource_actionName_s == 'Send_email_notice', 'email', resource_actionName_s == 'Post_webhook', 'webhook', resource_actionName_s == 'Write_marketplace_table', 'azureTable', resource_actionName_s == 'Post_teams_notice', 'teams', "other")
| summarize failures = dcount(resource_runId_s) by target, day = bin(TimeGenerated, 1d)`,
    );
  });

  it("groups leads per day by the tracked offer and action, reading exactly the lead facts' columns", () => {
    assert.strictEqual(
      query("leads-by-offer-action"),
      `${EVENTS}
| where OperationName has "workflowActionCompleted" and isnotempty(column_ifexists("trackedProperties_offer_s", ""))
| extend offer = tostring(column_ifexists("trackedProperties_offer_s", "")), action = tostring(column_ifexists("trackedProperties_action_s", "")), source = tostring(column_ifexists("trackedProperties_source_s", "")), country = tostring(column_ifexists("trackedProperties_country_s", ""))
| summarize leads = dcount(resource_runId_s) by day = bin(TimeGenerated, 1d), offer, action
| order by day asc`,
    );
    const all = insightPanels("leads-wf")
      .map((p) => p.query)
      .join("\n");
    const read = [...new Set([...all.matchAll(/trackedProperties_(\w+?)_s/g)].map((m) => m[1]))];
    assert.deepStrictEqual(read, [...LEAD_FACTS]);
  });

  it("names only actions the workflow has (every target configured)", () => {
    const { definition } = buildLeadWorkflow({
      archiveTableName: "LeadArchive",
      dedupTableName: "LeadDedup",
      dedupWindowDays: 30,
      incompleteLeads: "archive",
      dataverse: { url: "https://org.crm.dynamics.com" },
      salesforce: { leadSource: "Marketplace" },
      email: { to: "sales@example.com" },
      webhook: { secretHeader: "X-Secret" },
      azureTable: { tableName: "MarketplaceLeads" },
      hubspot: { propertyMap: [] },
      teams: {},
      crmRetry: { count: 4, interval: "PT10S", maximumInterval: "PT1H" },
    });
    const names = new Set(actionNames(definition.actions));
    const used = [...OUTCOMES.map((o) => o.action), ...Object.values(TARGET_ACTION)];
    assert.deepStrictEqual(
      used.filter((n) => !names.has(n)),
      [],
    );
    const quoted = insightPanels("leads-wf").flatMap((p) => [...p.query.matchAll(/resource_actionName_s == '(\w+)'/g)]);
    assert.deepStrictEqual(
      quoted.map((m) => m[1]).filter((n) => !names.has(n)),
      [],
    );
  });

  it("quotes the workflow name as a KQL literal", () => {
    assert.ok(insightPanels("it's\\x")[0].query.includes("resource_workflowName_s == 'it\\'s\\\\x'"));
  });

  it("serializes a Notebook/1.0 workbook over the workspace: a title and the four panels", () => {
    const wb = JSON.parse(JSON.stringify(insightsWorkbook("leads-wf", "/subscriptions/s/ws"))) as {
      version: string;
      fallbackResourceIds: string[];
      items: Array<{ type: number; name: string; content: Record<string, unknown> }>;
    };
    assert.strictEqual(wb.version, "Notebook/1.0");
    assert.deepStrictEqual(wb.fallbackResourceIds, ["/subscriptions/s/ws"]);
    assert.deepStrictEqual(
      wb.items.map((i) => [i.type, i.name, i.content.visualization, i.content.queryType]),
      [
        [1, "title", undefined, undefined],
        [3, "leads-by-offer-action", "barchart", 0],
        [3, "outcomes", "piechart", 0],
        [3, "delivery-latency", "timechart", 0],
        [3, "failures-by-target", "barchart", 0],
      ],
    );
    assert.strictEqual(wb.items[2].content.query, query("outcomes"));
  });

  it("names the workbook with a stable GUID per resource group and workflow", () => {
    const a = workbookGuid("rg", "leads-wf");
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.strictEqual(workbookGuid("rg", "leads-wf"), a);
    assert.notStrictEqual(workbookGuid("rg2", "leads-wf"), a);
  });
});

describe("Lead insights workbook: the resource under strict mocks", () => {
  it("deploys with LeadMonitoring, with the inputs ARM requires", async () => {
    const recording = installStrictMocks();
    const { LeadMonitoring } = await import("../../components/leadMonitoring");
    const m = new LeadMonitoring("mon", {
      resourceGroupName: "rg",
      location: "westeurope",
      workflowId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/leads-wf",
      workflowName: "leads-wf",
    });
    await settle(m.workspaceId);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepStrictEqual(recording.violations, []);
    const wb = recording.resources.find((r) => r.name === "mon-insights")!;
    const { serializedData, ...rest } = wb.inputs;
    const workspaceId =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/azure-native:operationalinsights:Workspace/mon-logs";
    assert.deepStrictEqual(rest, {
      resourceGroupName: "rg",
      location: "westeurope",
      resourceName: workbookGuid("rg", "leads-wf"),
      kind: "shared",
      category: "workbook",
      displayName: "Lead insights (leads-wf)",
      sourceId: workspaceId,
      version: "Notebook/1.0",
    });
    assert.deepStrictEqual(JSON.parse(serializedData), insightsWorkbook("leads-wf", workspaceId));
  });

  it("rejects a workbook ARM would refuse, naming each input and its fix", async () => {
    const recording = installStrictMocks();
    const args = {
      type: "azure-native:applicationinsights:Workbook",
      name: "wb",
      inputs: { resourceName: "insights", kind: "user", serializedData: "{not json", version: "Notebook/1.0" },
      provider: "",
      custom: true,
    } as pulumi.runtime.MockResourceArgs;
    await assert.rejects(Promise.resolve(recording.mocks!.newResource(args)), {
      message: [
        '[workbook-inputs] azure-native:applicationinsights:Workbook wb: resourceName "insights" is not a GUID. Fix: name the workbook with a GUID.',
        '[workbook-inputs] azure-native:applicationinsights:Workbook wb: kind "user" is not "shared". Fix: set kind "shared".',
        "[workbook-inputs] azure-native:applicationinsights:Workbook wb: serializedData is not valid JSON. Fix: pass JSON.stringify of the workbook.",
      ].join("\n"),
    });
  });
});
