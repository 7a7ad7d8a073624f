import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { leadInsightsWorkbook } from "./leadInsights";

export interface LeadMonitoringArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** ARM id of the lead workflow. */
  workflowId: pulumi.Input<string>;
  /** Name of the lead workflow (log queries filter on it). */
  workflowName: pulumi.Input<string>;
  /**
   * Addresses e-mailed when a run fails or a lead is dead-lettered.
   * @default - no action group: the alerts fire in the portal only
   */
  alertEmails?: string[];
  /**
   * Days the Log Analytics workspace keeps the workflow's run logs (30-730).
   * @default 30
   */
  logRetentionDays?: number;
  /** @default - none */
  tags?: Record<string, string>;
}

/**
 * Diagnostics and alerts of a lead workflow: run logs to Log Analytics and one alert on failed runs
 * (metric), e-mailed through an action group.
 *
 * No separate dead-letter log alert: a dead-lettered lead ends in `Fail_run` (Terminate, runStatus
 * Failed: "sets the run status to Failed", MicrosoftDocs/azure-docs
 * articles/logic-apps/logic-apps-workflow-actions-triggers.md), which the `RunsFailed` metric counts
 * ("Number of workflow runs failed", PT1M grain; Azure Monitor supported metrics, Microsoft.Logic/workflows).
 * A log-query rule on `AzureDiagnostics` fails to create on a new workspace (400 SemanticError, the
 * table exists only after the first logs: Azure/bicep#11378, CDCgov/prime-reportstream#11773) and would
 * fire minutes after the metric, for the same runs.
 */
export class LeadMonitoring extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  /** Undefined when no alert e-mail is configured. */
  public readonly actionGroupId: pulumi.Output<string> | undefined;

  constructor(name: string, args: LeadMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadkit:index:LeadMonitoring", name, {}, opts);
    const parent = { parent: this };
    const workspace = runLogs(name, args, parent);
    // Leads, outcomes, latency and failures by target, over these logs (components/leadInsights.ts).
    leadInsightsWorkbook(`${name}-insights`, { ...args, workspaceId: workspace.id }, parent);
    const actionGroup = alertEmails(name, args, parent);
    failedRunsAlert(name, args, actionGroup, parent);
    this.workspaceId = workspace.id;
    this.actionGroupId = actionGroup?.id;
    this.registerOutputs({ workspaceId: this.workspaceId, actionGroupId: this.actionGroupId });
  }
}

/** The Log Analytics workspace, and the workflow's run logs and metrics sent to it. */
function runLogs(
  name: string,
  args: LeadMonitoringArgs,
  parent: pulumi.CustomResourceOptions,
): operationalinsights.Workspace {
  const workspace = new operationalinsights.Workspace(
    `${name}-logs`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
      // 30 days are in the ingestion price, up to two years settable
      // (learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure): logRetentionDays is 30-730.
      retentionInDays: args.logRetentionDays ?? 30,
      tags: args.tags,
    },
    parent,
  );
  new monitor.DiagnosticSetting(
    `${name}-diagnostics`,
    {
      resourceUri: args.workflowId,
      workspaceId: workspace.id,
      logs: [{ category: "WorkflowRuntime", enabled: true }],
      metrics: [{ category: "AllMetrics", enabled: true }],
    },
    parent,
  );
  return workspace;
}

/** The action group that e-mails the alerts, when addresses are configured. */
function alertEmails(
  name: string,
  args: LeadMonitoringArgs,
  parent: pulumi.CustomResourceOptions,
): monitor.ActionGroup | undefined {
  if (!args.alertEmails?.length) return undefined;
  return new monitor.ActionGroup(
    `${name}-alerts`,
    {
      resourceGroupName: args.resourceGroupName,
      // Action groups are global, and their short name is at most 12 characters
      // (learn.microsoft.com/azure/azure-monitor/alerts/action-groups; azure-rules action-group-short-name).
      location: "global",
      enabled: true,
      groupShortName: "leadkit",
      emailReceivers: args.alertEmails.map((emailAddress, i) => ({
        name: `email-${i + 1}`,
        emailAddress,
        useCommonAlertSchema: true,
      })),
      tags: args.tags,
    },
    parent,
  );
}

/** The alert on failed runs (the `RunsFailed` metric), to the action group if there is one. */
function failedRunsAlert(
  name: string,
  args: LeadMonitoringArgs,
  actionGroup: monitor.ActionGroup | undefined,
  parent: pulumi.CustomResourceOptions,
): void {
  new monitor.MetricAlert(
    `${name}-runs-failed`,
    {
      resourceGroupName: args.resourceGroupName,
      // Metric alert rules are global resources (learn.microsoft.com/azure/azure-monitor/alerts/resource-manager-alerts-metric).
      location: "global",
      description:
        "A lead run failed: a lead was dead-lettered (replay it once the CRM is back: npm run replay) or could not be archived. See the run history.",
      enabled: true,
      severity: 1,
      scopes: [args.workflowId],
      evaluationFrequency: "PT5M",
      windowSize: "PT5M",
      criteria: {
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
            // The rule is created seconds after a new workflow, before it emits any metric: without this, ARM can
            // answer "Couldn't find a metric named ..." (hashicorp/terraform-provider-azurerm#22210; fixed the same
            // way in mspnp/aks-baseline#117: "The metric hasn't been created yet, so it would always fail validation").
            skipMetricValidation: true,
          },
        ],
      },
      actions: actionGroup ? [{ actionGroupId: actionGroup.id }] : [],
      tags: args.tags,
    },
    parent,
  );
}
