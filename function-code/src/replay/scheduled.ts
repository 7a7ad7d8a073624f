/**
 * The scheduled replay as the function app runs it: settings from the environment, the archive
 * table through the app's managed identity (or a connection string locally), the lead endpoint by HTTPS.
 */
import { TableClient } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { TRIGGER_NAME } from "../contract";
import { replayDeadLetters, ReplayOutcome, Sender } from "./replayDeadLetters";

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
  const id = required(settings, REPLAY_SETTINGS.workflowId);
  const m =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Logic\/workflows\/([^/]+)$/i.exec(id);
  if (!m) throw new Error(`App setting ${REPLAY_SETTINGS.workflowId} is not a workflow resource id: "${id}".`);
  const { LogicManagementClient } = await import("@azure/arm-logic");
  const client = new LogicManagementClient(new DefaultAzureCredential(), m[1]);
  const callback = await client.workflowTriggers.listCallbackUrl(m[2], m[3], TRIGGER_NAME);
  if (!callback.value)
    throw new Error(`The workflow ${m[3]} returned no callback URL for its trigger '${TRIGGER_NAME}'.`);
  return callback.value;
}

/** One scheduled pass: replays every dead-lettered lead once. */
export async function runScheduledReplay(settings: Settings, send?: Sender): Promise<ReplayOutcome[]> {
  return replayDeadLetters({
    table: archiveTable(settings),
    send: send ?? httpSender(await endpointUrl(settings)),
  });
}
