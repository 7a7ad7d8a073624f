/**
 * Re-sends dead-lettered leads from the archive table to the lead endpoint. Shared by the
 * `npm run replay` command and the function app's scheduled `replayDeadLetters` function.
 * Each lead goes again only to the targets that failed (the workflow skips the others), and each
 * dead-letter row is claimed with its ETag first, so two replays never send it twice. The archive
 * keeps the trail: the old row gets `Status = replayed`, `ReplayedBy`, `ReplayAttempts`; the new row
 * (the replay's own run) gets `ReplayOf`.
 */
import type { TableClient, TableEntityResult } from "@azure/data-tables";

/** Headers of a replay: the archive row it replays, and the targets to send it to again. */
export const REPLAY_OF_HEADER = "x-leadkit-replay-of";
export const REPLAY_TARGETS_HEADER = "x-leadkit-replay-targets";

type Row = TableEntityResult<Record<string, unknown>>;

/** Sends one lead with extra headers; resolves with the HTTP status and body. */
export type Sender = (lead: unknown, headers: Record<string, string>) => Promise<{ status: number; body: unknown }>;

export interface ReplayOutcome {
  row: string;
  result: "replayed" | "failed" | "skipped";
  detail: string;
}

export interface ReplayOptions {
  table: TableClient;
  send: Sender;
  now?: () => Date;
  /** List what would be replayed without sending. */
  dryRun?: boolean;
  /** Most rows per call. @default 500 */
  limit?: number;
}

/** Replays every dead-lettered lead of the archive table once. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayOutcome[]> {
  const now = options.now ?? (() => new Date());
  const outcomes: ReplayOutcome[] = [];
  const rows: Row[] = [];
  for await (const row of options.table.listEntities({ queryOptions: { filter: "Status eq 'dead-letter'" } })) {
    rows.push(row);
    if (rows.length >= (options.limit ?? 500)) break;
  }
  for (const row of rows) {
    const ids = { partitionKey: String(row.partitionKey), rowKey: String(row.rowKey) };
    const key = `${ids.partitionKey}/${ids.rowKey}`;
    if (row.LeadJsonTruncated === true) {
      outcomes.push({
        row: key,
        result: "skipped",
        detail: "LeadJson is truncated: resubmit the original run from the run history instead.",
      });
      continue;
    }
    const targets = String(row.FailedTargets ?? "");
    if (options.dryRun) {
      outcomes.push({ row: key, result: "skipped", detail: `dry run: would re-send to ${targets || "every target"}` });
      continue;
    }
    const attempts = Number(row.ReplayAttempts ?? 0) + 1;
    try {
      // Claim: only the replayer whose update matches the row's ETag sends the lead.
      await options.table.updateEntity(
        { ...ids, Status: "replaying", ReplayAttempts: attempts, LastReplayTime: now().toISOString() },
        "Merge",
        { etag: row.etag },
      );
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 412) {
        outcomes.push({ row: key, result: "skipped", detail: "claimed by another replay" });
        continue;
      }
      throw err;
    }
    const headers: Record<string, string> = { [REPLAY_OF_HEADER]: key };
    if (targets) headers[REPLAY_TARGETS_HEADER] = targets;
    let status = 0;
    let detail: string;
    try {
      const res = await options.send(JSON.parse(String(row.LeadJson)), headers);
      status = res.status;
      detail =
        status === 200
          ? String((res.body as { runId?: string })?.runId ?? "")
          : `HTTP ${status}: ${JSON.stringify(res.body)}`;
    } catch (err) {
      detail = (err as Error).message;
    }
    const replayed = status === 200;
    await options.table.updateEntity(
      replayed
        ? { ...ids, Status: "replayed", ReplayedBy: detail, LastReplayError: "" }
        : { ...ids, Status: "dead-letter", LastReplayError: detail.slice(0, 30000) },
      "Merge",
    );
    outcomes.push({
      row: key,
      result: replayed ? "replayed" : "failed",
      detail: replayed ? `new run ${detail}` : detail,
    });
  }
  return outcomes;
}
