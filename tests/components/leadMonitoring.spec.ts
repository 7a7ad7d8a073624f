/** Diagnostics and alerts of the lead workflow, under Pulumi mocks: exact resources and inputs. */
import * as assert from "assert";
import { installMocks, RegisteredResource, settle } from "../support/pulumiMocks";

const WORKFLOW_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/leads-wf";

async function deploy(alertEmails?: string[]): Promise<Record<string, RegisteredResource>> {
  const { resources } = installMocks();
  const { LeadMonitoring } = await import("../../components/leadMonitoring");
  const m = new LeadMonitoring("mon", {
    resourceGroupName: "rg",
    location: "westeurope",
    workflowId: WORKFLOW_ID,
    workflowName: "leads-wf",
    alertEmails,
    logRetentionDays: alertEmails ? 60 : undefined,
  });
  await settle(m.workspaceId);
  return Object.fromEntries(resources.map((r) => [r.name, r]));
}

describe("LeadMonitoring component", () => {
  it("sends the workflow's runtime logs and metrics to a Log Analytics workspace", async () => {
    const r = await deploy();
    assert.deepStrictEqual(r["mon-logs"].inputs, {
      location: "westeurope",
      resourceGroupName: "rg",
      retentionInDays: 30,
      sku: { name: "PerGB2018" },
    });
    assert.deepStrictEqual(r["mon-diagnostics"].inputs, {
      resourceUri: WORKFLOW_ID,
      workspaceId:
        "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/azure-native:operationalinsights:Workspace/mon-logs",
      logs: [{ category: "WorkflowRuntime", enabled: true }],
      metrics: [{ category: "AllMetrics", enabled: true }],
    });
  });

  it("alerts on failed runs only (a dead-lettered lead fails its run), without e-mail when none is configured", async () => {
    const r = await deploy();
    assert.deepStrictEqual(Object.keys(r).sort(), [
      "mon",
      "mon-diagnostics",
      "mon-insights",
      "mon-logs",
      "mon-runs-failed",
    ]);
    const failed = r["mon-runs-failed"].inputs;
    assert.deepStrictEqual(failed.scopes, [WORKFLOW_ID]);
    assert.deepStrictEqual(
      [failed.evaluationFrequency, failed.windowSize, failed.severity, failed.description],
      [
        "PT5M",
        "PT5M",
        1,
        "A lead run failed: a lead was dead-lettered (replay it once the CRM is back: npm run replay) or could not be archived. See the run history.",
      ],
    );
    assert.deepStrictEqual(failed.criteria, {
      odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
      allOf: [
        {
          criterionType: "StaticThresholdCriterion",
          name: "RunsFailed",
          metricName: "RunsFailed",
          metricNamespace: "Microsoft.Logic/workflows",
          operator: "GreaterThan",
          threshold: 0,
          timeAggregation: "Total",
          // Created seconds after the workflow, which has emitted no metric yet ("Couldn't find a metric named").
          skipMetricValidation: true,
        },
      ],
    });
    assert.deepStrictEqual(failed.actions, []);
    assert.strictEqual(
      Object.values(r).some((x) => x.type === "azure-native:monitor:ScheduledQueryRule"),
      false,
      "no log-query rule: it fails on a new workspace (AzureDiagnostics does not exist yet)",
    );
  });

  it("e-mails every alert address through one action group", async () => {
    const r = await deploy(["ops@contoso.com", "oncall@contoso.com"]);
    assert.deepStrictEqual(r["mon-alerts"].inputs.emailReceivers, [
      { name: "email-1", emailAddress: "ops@contoso.com", useCommonAlertSchema: true },
      { name: "email-2", emailAddress: "oncall@contoso.com", useCommonAlertSchema: true },
    ]);
    const groupId =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/azure-native:monitor:ActionGroup/mon-alerts";
    assert.deepStrictEqual(r["mon-runs-failed"].inputs.actions, [{ actionGroupId: groupId }]);
    assert.strictEqual(r["mon-logs"].inputs.retentionInDays, 60);
  });
});
