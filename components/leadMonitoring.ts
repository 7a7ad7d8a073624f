import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { ACTION } from "../workflow/leadWorkflow";

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

/** Log query: leads the workflow dead-lettered (their archive row has Status 'dead-letter'). */
export function deadLetterQuery(workflowName: string): string {
  return [
    "AzureDiagnostics",
    '| where ResourceProvider == "MICROSOFT.LOGIC" and Category == "WorkflowRuntime"',
    '| where OperationName == "Microsoft.Logic/workflows/workflowActionCompleted"',
    `| where resource_workflowName_s == "${workflowName}"`,
    `| where resource_actionName_s == "${ACTION.markDeadLetter}" and status_s == "Succeeded"`,
  ].join("\n");
}

/**
 * Diagnostics and alerts of a lead workflow: run logs to Log Analytics, an alert on failed runs
 * (metric) and one on dead-lettered leads (log query), e-mailed through an action group.
 */
export class LeadMonitoring extends pulumi.ComponentResource {
  public readonly workspaceId: pulumi.Output<string>;
  /** Undefined when no alert e-mail is configured. */
  public readonly actionGroupId: pulumi.Output<string> | undefined;

  constructor(name: string, args: LeadMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadkit:index:LeadMonitoring", name, {}, opts);
    const parent = { parent: this };

    const workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
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

    const actionGroup = args.alertEmails?.length
      ? new monitor.ActionGroup(
          `${name}-alerts`,
          {
            resourceGroupName: args.resourceGroupName,
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
        )
      : undefined;

    new monitor.MetricAlert(
      `${name}-runs-failed`,
      {
        resourceGroupName: args.resourceGroupName,
        location: "global",
        description: "A lead run failed: a lead was dead-lettered or could not be archived. See the run history.",
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
            },
          ],
        },
        actions: actionGroup ? [{ actionGroupId: actionGroup.id }] : [],
        tags: args.tags,
      },
      parent,
    );

    new monitor.ScheduledQueryRule(
      `${name}-dead-letters`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "LogAlert",
        description: "Leads were dead-lettered after every CRM retry; replay them once the CRM is back.",
        enabled: true,
        severity: 1,
        scopes: [workspace.id],
        evaluationFrequency: "PT5M",
        windowSize: "PT5M",
        criteria: {
          allOf: [
            {
              query: pulumi.output(args.workflowName).apply(deadLetterQuery),
              timeAggregation: "Count",
              operator: "GreaterThan",
              threshold: 0,
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
        actions: actionGroup ? { actionGroups: [actionGroup.id] } : undefined,
        tags: args.tags,
      },
      parent,
    );

    this.workspaceId = workspace.id;
    this.actionGroupId = actionGroup?.id;
    this.registerOutputs({ workspaceId: this.workspaceId, actionGroupId: this.actionGroupId });
  }
}
