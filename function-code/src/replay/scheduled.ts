/**
 * The scheduled replay as the function app runs it: settings from the environment, the archive
 * table through the app's managed identity (or a connection string locally), the lead endpoint by HTTPS.
 */
import { TableClient } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { LEAD_STATUS, TRIGGER_NAME } from "../contract";
import { replayDeadLetters, ReplayOutcome, RunEnded, Sender } from "./replayDeadLetters";

export type Settings = Record<string, string | undefined>;

/** App settings the scheduled replay reads (set by the Pulumi program). */
export const REPLAY_SETTINGS = {
  table: "LEAD_ARCHIVE_TABLE",
  /** ARM id of the lead workflow; its callback URL is read at run time, never stored in settings. */
  workflowId: "LEAD_WORKFLOW_ID",
  /** Explicit endpoint URL (local runs and tests only). */
  endpoint: "LEAD_ENDPOINT_URL",
  account: "AzureWebJobsStorage__accountName",
  connectionString: "LEAD_ARCHIVE_CONNECTION",
} as const;

function required(settings: Settings, name: string): string {
  const value = settings[name];
  if (!value) throw new Error(`App setting ${name} is missing: the scheduled replay cannot run.`);
  return value;
}

/** The archive table: a connection string when given (local), else the account through the identity. */
export function archiveTable(settings: Settings): TableClient {
  const table = required(settings, REPLAY_SETTINGS.table);
  const connectionString = settings[REPLAY_SETTINGS.connectionString];
  if (connectionString) {
    return TableClient.fromConnectionString(connectionString, table, {
      allowInsecureConnection: /TableEndpoint=http:/i.test(connectionString),
    });
  }
  const account = required(settings, REPLAY_SETTINGS.account);
  return new TableClient(`https://${account}.table.core.windows.net`, table, new DefaultAzureCredential());
}

/** POSTs a lead with the replay headers to the endpoint URL (the workflow's signed callback URL). */
export function httpSender(endpointUrl: string): Sender {
  return async (lead, headers) => {
    const res = await fetch(endpointUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(lead),
      signal: AbortSignal.timeout(130_000),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  };
}

/**
 * The lead endpoint URL: the explicit setting, else the workflow's callback URL read through the
 * management API with the app's identity (Microsoft Sentinel Playbook Operator on that workflow only). The signed
 * URL is a secret, so it is fetched when needed rather than kept in app settings.
 */
export async function endpointUrl(settings: Settings): Promise<string> {
  const explicit = settings[REPLAY_SETTINGS.endpoint];
  if (explicit) return explicit;
  const { subscription, resourceGroup, workflow } = workflowOf(required(settings, REPLAY_SETTINGS.workflowId));
  const { LogicManagementClient } = await import("@azure/arm-logic");
  const client = new LogicManagementClient(new DefaultAzureCredential(), subscription);
  const callback = await client.workflowTriggers.listCallbackUrl(resourceGroup, workflow, TRIGGER_NAME);
  if (!callback.value)
    throw new Error(`The workflow ${workflow} returned no callback URL for its trigger '${TRIGGER_NAME}'.`);
  return callback.value;
}

/** Subscription, resource group and name of a workflow's ARM id; undefined when it is not one. */
export function parseWorkflowId(
  id: string,
): { subscription: string; resourceGroup: string; workflow: string } | undefined {
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Logic\/workflows\/([^/]+)$/i.exec(id);
  return m ? { subscription: m[1], resourceGroup: m[2], workflow: m[3] } : undefined;
}

/** {@link parseWorkflowId}, or an error naming the app setting. */
function workflowOf(id: string): { subscription: string; resourceGroup: string; workflow: string } {
  const parsed = parseWorkflowId(id);
  if (!parsed) throw new Error(`App setting ${REPLAY_SETTINGS.workflowId} is not a workflow resource id: "${id}".`);
  return parsed;
}

/** The status of one of the workflow's runs by name (a row's RowKey), "NotFound" once Azure has none. */
export type RunStatus = (runId: string) => Promise<string>;

/**
 * Run statuses after which nothing writes the run's row any more: the terminal values of WorkflowStatus
 * (learn.microsoft.com/javascript/api/@azure/arm-logic/workflowstatus), and NotFound (no such run left: the
 * run history is kept 90 days by default). Running, Waiting, Suspended, Paused, NotSpecified and anything new
 * count as still going.
 */
const ENDED = new Set(["Succeeded", "Skipped", "Cancelled", "Failed", "Faulted", "TimedOut", "Aborted", "Ignored"]);
export const runHasEnded = (status: string) => ENDED.has(status) || status === "NotFound";

/** {@link RunEnded} from the workflow's run statuses: a row's RowKey is its run's name. */
export const runEndedFrom =
  (status: RunStatus): RunEnded =>
  async (row) =>
    runHasEnded(await status(String(row.rowKey)));

/**
 * The workflow's run statuses through the management API with the app's identity (Reader on that workflow
 * only: `Microsoft.Logic/workflows/runs/read`); undefined without a workflow id (an explicit endpoint URL).
 */
export async function workflowRunStatus(settings: Settings): Promise<RunStatus | undefined> {
  if (settings[REPLAY_SETTINGS.endpoint] && !settings[REPLAY_SETTINGS.workflowId]) return undefined;
  const { subscription, resourceGroup, workflow } = workflowOf(required(settings, REPLAY_SETTINGS.workflowId));
  const { LogicManagementClient } = await import("@azure/arm-logic");
  const client = new LogicManagementClient(new DefaultAzureCredential(), subscription);
  return async (runId) => {
    try {
      return (await client.workflowRuns.get(resourceGroup, workflow, runId)).status ?? "NotSpecified";
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return "NotFound";
      throw err;
    }
  };
}

/**
 * One scheduled pass: replays every dead-lettered lead once, and settles the rows left `received` by runs
 * that have ended (`runStatus`: the workflow's, by default).
 */
export async function runScheduledReplay(
  settings: Settings,
  send?: Sender,
  runStatus?: RunStatus,
): Promise<ReplayOutcome[]> {
  const table = archiveTable(settings);
  const status = runStatus ?? (await workflowRunStatus(settings));
  return replayDeadLetters({
    table,
    send: send ?? httpSender(await endpointUrl(settings)),
    runEnded: status && runEndedFrom(status),
  });
}

/**
 * Why a scheduled pass fails its invocation, or undefined: a replay that failed (the row stays dead-lettered),
 * and rows marked needs-review (a person must look; no later pass takes them again), so both show in the
 * function's monitoring.
 */
export function invocationFailure(outcomes: ReplayOutcome[]): string | undefined {
  const failed = outcomes.filter((o) => o.result === "failed").length;
  const review = outcomes.filter((o) => o.result === LEAD_STATUS.needsReview).map((o) => o.row);
  const parts = [
    ...(failed > 0 ? [`${failed} dead-lettered lead(s) could not be replayed; they stay dead-lettered`] : []),
    ...(review.length > 0
      ? [`${review.length} lead(s) need review (ReviewReason on each row says why): ${review.join(", ")}`]
      : []),
  ];
  return parts.length > 0 ? `${parts.join("; ")}.` : undefined;
}
