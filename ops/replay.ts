/**
 * `npm run replay`: re-sends dead-lettered leads once the failed target is back (the logic, shared
 * with the function app's scheduled replay, is in function-code/src/replay).
 *
 *   npm run replay -- --local                                   # the endpoint of `npm start`
 *   npm run replay -- --url <endpoint> --account <storage account> [--table LeadArchive] [--dry-run] [--wait 120]
 *
 * In Azure the archive is read as you (`az login`, DefaultAzureCredential): the kit's storage account
 * refuses shared keys, so you need Storage Table Data Contributor on the archive table.
 *
 * Exits 1 when a row failed or needs review, or when a re-sent lead was dead-lettered again (its
 * run is awaited up to --wait seconds: the endpoint answers once the lead is archived, before delivery).
 */
import { TableClient } from "@azure/data-tables";
import * as fs from "fs";
import * as path from "path";
import { ArchiveTable, findReplaysOf } from "../function-code/src/replay/archiveRows";
import { archiveTable, REPLAY_SETTINGS } from "../function-code/src/replay/scheduled";
import { replayDeadLetters, ReplayOutcome } from "../function-code/src/replay/replayDeadLetters";
import { sendLead } from "./verify";

export { replayDeadLetters } from "../function-code/src/replay/replayDeadLetters";
export type { ReplayOutcome, Sender } from "../function-code/src/replay/replayDeadLetters";

/** An outcome with the final `Status` of the replay's own run, once known. */
export type SettledOutcome = ReplayOutcome & { newStatus?: string };

/** The status of the replay's own run, or undefined while it has no row or is still `received`. */
async function newRunStatus(table: ArchiveTable, o: ReplayOutcome): Promise<string | undefined> {
  const rows = await findReplaysOf(table, o.row);
  const status = rows.find((r) => String(r.rowKey) === o.newRun)?.Status;
  return status === undefined || status === "received" ? undefined : String(status);
}

/** Waits (polling) until every replay's run has a final status, or `waitMs` passed. */
export async function awaitReplayRuns(
  table: ArchiveTable,
  outcomes: ReplayOutcome[],
  { waitMs, pollMs = 2000 }: { waitMs: number; pollMs?: number },
): Promise<SettledOutcome[]> {
  const settled: SettledOutcome[] = outcomes.map((o) => ({ ...o }));
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pending = settled.filter((o) => o.result === "replayed" && o.newRun && o.newStatus === undefined);
    for (const o of pending) o.newStatus = await newRunStatus(table, o);
    if (settled.every((o) => o.result !== "replayed" || !o.newRun || o.newStatus) || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return settled;
}

/** 1 when a row failed or needs a person, or a re-sent lead was dead-lettered again; else 0. */
export function replayExitCode(outcomes: SettledOutcome[]): number {
  const bad = outcomes.some(
    (o) => o.result === "failed" || o.result === "needs-review" || o.newStatus === "dead-letter",
  );
  return bad ? 1 : 0;
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
  const account = option(argv, "account");
  if (!url || (!connectionString && !account))
    throw new Error(
      "Give --local, or --url <endpoint> and --account <storage account name> (read as you, after az login).",
    );
  const table = connectionString
    ? TableClient.fromConnectionString(connectionString, tableName, {
        allowInsecureConnection: /TableEndpoint=http:/i.test(connectionString),
      })
    : archiveTable({ [REPLAY_SETTINGS.table]: tableName, [REPLAY_SETTINGS.account]: account });
  const endpoint = url;
  const dryRun = argv.includes("--dry-run");
  const waitMs = waitOption(argv);
  const sent = await replayDeadLetters({
    table,
    dryRun,
    send: async (lead, headers) => {
      const { status, body } = await sendLead(endpoint, lead, headers);
      return { status, body };
    },
  });
  const outcomes: SettledOutcome[] = dryRun ? sent : await awaitReplayRuns(table, sent, { waitMs });
  report(outcomes);
  return replayExitCode(outcomes);
}

/** Seconds to await the replays' runs, from --wait. */
export function waitOption(argv: string[]): number {
  const text = option(argv, "wait") ?? "120";
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds > 3600)
    throw new Error(`--wait is "${text}": give whole seconds from 0 to 3600 (e.g. --wait 120).`);
  return seconds * 1000;
}

function report(outcomes: SettledOutcome[]): void {
  for (const o of outcomes) {
    const run = o.newStatus ? ` -> new run ${o.newStatus}` : o.newRun ? " -> new run still running" : "";
    console.log(`${o.result.padEnd(12)} ${o.row}  ${o.detail}${run}`);
  }
  const count = (r: ReplayOutcome["result"]) => `${outcomes.filter((o) => o.result === r).length} ${r}`;
  const again = outcomes.filter((o) => o.newStatus === "dead-letter").length;
  const results = ["replayed", "repaired", "needs-review", "failed", "skipped"] as const;
  console.log(`${results.map(count).join(", ")}; ${again} dead-lettered again`);
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
