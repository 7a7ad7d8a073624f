/**
 * The scheduled purge as the function app runs it: settings from the environment, the archive and
 * dedup tables through the app's managed identity (or a connection string locally).
 */
import { TableClient } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { REPLAY_SETTINGS, Settings } from "../replay/scheduled";
import { purgeExpired, PurgeCounts } from "./purge";

/** App settings the purge reads (set by the Pulumi program), beside the replay's account settings. */
export const PURGE_SETTINGS = {
  archiveTable: REPLAY_SETTINGS.table,
  dedupTable: "LEAD_DEDUP_TABLE",
  retentionDays: "ARCHIVE_RETENTION_DAYS",
  dedupWindowDays: "DEDUP_WINDOW_DAYS",
} as const;

function wholeDays(settings: Settings, name: string, min: number): number {
  const raw = settings[name] ?? "";
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw new Error(`App setting ${name} is "${raw}": the purge needs a whole number of days from ${min}.`);
  return Number(raw);
}

function table(settings: Settings, setting: string): TableClient {
  const name = settings[setting];
  if (!name) throw new Error(`App setting ${setting} is missing: the purge cannot run.`);
  const connectionString = settings[REPLAY_SETTINGS.connectionString];
  if (connectionString)
    return TableClient.fromConnectionString(connectionString, name, {
      allowInsecureConnection: /TableEndpoint=http:/i.test(connectionString),
    });
  const account = settings[REPLAY_SETTINGS.account];
  if (!account) throw new Error(`App setting ${REPLAY_SETTINGS.account} is missing: the purge cannot run.`);
  return new TableClient(`https://${account}.table.core.windows.net`, name, new DefaultAzureCredential());
}

/** One scheduled pass over both tables. */
export async function runScheduledPurge(settings: Settings, now?: Date): Promise<PurgeCounts> {
  return purgeExpired({
    archive: table(settings, PURGE_SETTINGS.archiveTable),
    dedup: table(settings, PURGE_SETTINGS.dedupTable),
    retentionDays: wholeDays(settings, PURGE_SETTINGS.retentionDays, 0),
    dedupWindowDays: wholeDays(settings, PURGE_SETTINGS.dedupWindowDays, 1),
    now,
  });
}
