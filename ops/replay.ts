/**
 * `npm run replay`: re-sends dead-lettered leads from the archive table once the failed target is
 * back. Each lead goes again only to the targets that failed (the workflow skips the others), and each
 * dead-letter row is claimed with its ETag first, so two replays never send it twice. The archive
 * keeps the trail: the old row gets `Status = replayed`, `ReplayedBy`, `ReplayAttempts`; the new row
 * (the replay's own run) gets `ReplayOf`.
 *
 *   npm run replay -- --local                                   # the endpoint of `npm start`
 *   npm run replay -- --url <endpoint> --connection-string <storage> [--table LeadArchive] [--dry-run]
 */
import { TableClient, TableEntityResult } from "@azure/data-tables";
import * as fs from "fs";
import * as path from "path";
import { REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER } from "../workflow/leadWorkflow";
import { sendLead } from "./verify";

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

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  let url = option(argv, "url");
  let connectionString = option(argv, "connection-string");
  let tableName = option(argv, "table") ?? "LeadArchive";
  if (argv.includes("--local")) {
    const file = path.join(__dirname, "..", ".local-runs", "endpoint.json");
    if (!fs.existsSync(file)) throw new Error("No local endpoint is running: start one with `npm start`.");
    const local = JSON.parse(fs.readFileSync(file, "utf8")) as {
      url: string;
      tablesConnectionString: string;
      archiveTableName: string;
    };
    url = local.url;
    connectionString = local.tablesConnectionString;
    tableName = local.archiveTableName;
  }
  if (!url || !connectionString)
    throw new Error("Give --local, or --url <endpoint> and --connection-string <storage connection string>.");
  const insecure = /TableEndpoint=http:/i.test(connectionString);
  const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: insecure });
  const endpoint = url;
  const outcomes = await replayDeadLetters({
    table,
    dryRun: argv.includes("--dry-run"),
    send: async (lead, headers) => {
      const { status, body } = await sendLead(endpoint, lead, headers);
      return { status, body };
    },
  });
  for (const o of outcomes) console.log(`${o.result.padEnd(8)} ${o.row}  ${o.detail}`);
  console.log(
    `${outcomes.filter((o) => o.result === "replayed").length} replayed, ${outcomes.filter((o) => o.result === "failed").length} failed, ${outcomes.filter((o) => o.result === "skipped").length} skipped`,
  );
  return outcomes.some((o) => o.result === "failed") ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`replay: ${err.message}`);
      process.exit(2);
    },
  );
}
