/**
 * The lead-insights workbook (Azure Monitor workbook, `Notebook/1.0`) as plain data: KQL over the lead
 * workflow's run logs in Log Analytics. Pure, so tests read the exact queries.
 *
 * The kit's diagnostic setting sets no `logAnalyticsDestinationType`, so the logs land in the legacy
 * `AzureDiagnostics` table (Azure diagnostics mode, the default; learn.microsoft.com/azure/azure-monitor/
 * essentials/resource-logs#azure-diagnostics-mode). Its Logic Apps columns (`resource_workflowName_s`,
 * `resource_runId_s`, `resource_actionName_s`, `status_s`, `OperationName` `workflowActionCompleted` /
 * `workflowRunStarted`) are those of Microsoft's sample queries (learn.microsoft.com/azure/logic-apps/
 * monitor-logic-apps-overview, "Sample Kusto queries"). A tracked property `<name>` appears as column
 * `trackedProperties_<name>_s` (learn.microsoft.com/azure/logic-apps/monitor-workflows-collect-diagnostic-data,
 * "Tracked properties"); `column_ifexists` keeps the panel valid before any run has tracked one.
 * Secured actions still log their status and times, only not their inputs and outputs
 * (learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#obfuscate).
 */
import { CrmTarget } from "../config/settings";
import { TARGET_ACTION } from "../workflow/crmActions";
import { LEAD_FACTS, OUTCOMES } from "../workflow/leadInsights";
import { LEAD_STATUS } from "../function-code/src/contract";

/** One panel: its title, its KQL, how the workbook draws it. */
export interface InsightPanel {
  name: string;
  title: string;
  query: string;
  visualization: "barchart" | "piechart" | "table" | "timechart";
}

/** KQL string literal (single quotes; a backslash or quote escaped). */
const kql = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
const list = (xs: readonly string[]) => `dynamic([${xs.map((x) => JSON.stringify(x)).join(", ")}])`;

/** The workflow's runtime events: every panel starts here. */
export function workflowEvents(workflowName: string): string {
  return [
    "AzureDiagnostics",
    '| where ResourceProvider == "MICROSOFT.LOGIC" and Category == "WorkflowRuntime"',
    `| where resource_workflowName_s == ${kql(workflowName)}`,
  ].join("\n");
}

const completed = (actions: string) =>
  `| where OperationName has "workflowActionCompleted" and resource_actionName_s in (${actions})`;

/** `trackedProperties_<fact>_s`, empty where no run tracked it. */
export const factColumn = (fact: string) => `column_ifexists("trackedProperties_${fact}_s", "")`;

/**
 * The four panels of issue #15: leads by offer and action, outcomes, delivery latency, failures by target.
 * Longer than a screen on purpose: one table of four queries, read top to bottom like the workbook.
 */
export function insightPanels(workflowName: string): InsightPanel[] {
  // Every target the kit knows: one not configured in this stack has no events and no bar.
  const targets = Object.keys(TARGET_ACTION) as CrmTarget[];
  const events = workflowEvents(workflowName);
  const outcomeCase = OUTCOMES.map((o) => `resource_actionName_s == ${kql(o.action)}, ${kql(o.outcome)}`).join(", ");
  const targetCase = targets.map((t) => `resource_actionName_s == ${kql(TARGET_ACTION[t])}, ${kql(t)}`).join(", ");
  const facts = LEAD_FACTS.map((f) => `${f} = tostring(${factColumn(f)})`).join(", ");
  return [
    {
      name: "leads-by-offer-action",
      title: "Leads per day by offer and action",
      visualization: "barchart",
      query: [
        events,
        '| where OperationName has "workflowActionCompleted" and isnotempty(' + factColumn("offer") + ")",
        `| extend ${facts}`,
        "| summarize leads = dcount(resource_runId_s) by day = bin(TimeGenerated, 1d), offer, action",
        "| order by day asc",
      ].join("\n"),
    },
    {
      name: "outcomes",
      title: "Outcome (delivered / test / incomplete / duplicate / dead-letter)",
      visualization: "piechart",
      query: [
        events,
        completed(list(OUTCOMES.map((o) => o.action))),
        '| where status_s == "Succeeded"',
        `| extend outcome = case(${outcomeCase}, "other")`,
        "| summarize leads = dcount(resource_runId_s) by outcome",
      ].join("\n"),
    },
    {
      name: "delivery-latency",
      title: "Delivery latency (run start to Mark_delivered), seconds",
      visualization: "timechart",
      query: [
        "let started = " + events,
        '| where OperationName has "workflowRunStarted"',
        "| summarize received = min(startTime_t) by resource_runId_s;",
        events,
        completed(list(OUTCOMES.filter((o) => o.outcome === LEAD_STATUS.delivered).map((o) => o.action))),
        '| where status_s == "Succeeded"',
        "| join kind=inner started on resource_runId_s",
        "| extend seconds = datetime_diff('second', endTime_t, received)",
        "| summarize p50 = percentile(seconds, 50), p95 = percentile(seconds, 95), max = max(seconds) by day = bin(endTime_t, 1d)",
        "| order by day asc",
      ].join("\n"),
    },
    {
      name: "failures-by-target",
      title: "Failed CRM calls by target (after retries)",
      visualization: "barchart",
      query: [
        events,
        completed(list(targets.map((t) => TARGET_ACTION[t]))),
        '| where status_s in ("Failed", "TimedOut")',
        `| extend target = case(${targetCase}, "other")`,
        "| summarize failures = dcount(resource_runId_s) by target, day = bin(TimeGenerated, 1d)",
      ].join("\n"),
    },
  ];
}

/**
 * The workbook's `serializedData`: a title and one KQL panel per insight, over the workspace
 * (`fallbackResourceIds`, queryType 0 = Logs; Microsoft/Application-Insights-Workbooks schema/workbook.json).
 */
export function insightsWorkbook(workflowName: string, workspaceId: string): object {
  const title = {
    type: 1,
    name: "title",
    content: {
      json: `## Lead insights: ${workflowName}\nLeads, outcomes, delivery latency and failed CRM calls, from the workflow's run logs. No personal data is logged.`,
    },
  };
  const panels = insightPanels(workflowName).map((p) => ({
    type: 3,
    name: p.name,
    content: {
      version: "KqlItem/1.0",
      title: p.title,
      query: p.query,
      queryType: 0,
      resourceType: "microsoft.operationalinsights/workspaces",
      visualization: p.visualization,
      timeContext: { durationMs: 2592000000 },
      size: 0,
    },
  }));
  return {
    version: "Notebook/1.0",
    items: [title, ...panels],
    fallbackResourceIds: [workspaceId],
    $schema: "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
  };
}
