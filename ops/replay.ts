/**
 * `npm run replay`: re-sends dead-lettered leads once the failed target is back (the logic, shared
 * with the function app's scheduled replay, is in function-code/src/replay).
 *
 *   npm run replay -- --local                                   # the endpoint of `npm start`
 *   npm run replay -- --stack dev                               # Azure: URL, archive and workflow from the stack
 *   LEADKIT_CALLBACK_URL=<signed URL> npm run replay -- --account <storage account> [--table LeadArchive] [--dry-run]
 *
 * In Azure the archive is read as you (`az login`, DefaultAzureCredential): the kit's storage account
 * refuses shared keys, so you need Storage Table Data Contributor on the archive table.
 *
 * With --local, --stack, or --workflow-id in Azure, rows left `received` by runs that have ended are settled too:
 * marked delivered when every target has the lead, else needs-review; never re-sent.
 *
 * Exits 1 when a row failed or needs review, when the pass stopped at its limit of 500 rows with rows still due
 * (run it again), or when a re-sent lead was dead-lettered again or its run is still going at the end of --wait
 * (the endpoint answers once the lead is archived, before delivery); --wait 0 awaits nothing, and a run still
 * going is then no failure.
 */
// Types only at load time: the storage SDK is loaded when a replay runs, not for --help.
import type { ArchiveTable, RunEnded } from "../function-code/src/replay/archiveRows";
import type { ReplayOutcome } from "../function-code/src/replay/replayDeadLetters";
import { COLUMN, LEAD_STATUS } from "../function-code/src/contract";
import { ArchiveLocation, findRow, localRunEnded, openArchive, readLocalEndpoint, stackOutputs } from "./archive";
import { main, Command, STATE_DIR_FLAG, UsageError, secretFromEnv, wholeNumberFlag } from "./cli";
import { CALLBACK_URL_ENV, sendLead, stackEndpointUrl } from "./sendLead";

export type { ReplayOutcome, Sender } from "../function-code/src/replay/replayDeadLetters";

/** An outcome with the final `Status` of the replay's own run, once known. */
export type SettledOutcome = ReplayOutcome & { newStatus?: string };

/**
 * The status of the replay's own run, or undefined while it has no row or is still `received`: its row read alone
 * when the endpoint's answer named it, else the rows that name the replayed one (a query of every partition).
 */
async function newRunStatus(table: ArchiveTable, o: ReplayOutcome): Promise<string | undefined> {
  const { findReplaysOf } = await import("../function-code/src/replay/archiveRows");
  const rows = o.newRow && o.newRun ? [await findRow(table, o.newRun, o.newRow)] : await findReplaysOf(table, o.row);
  const status = rows.find((r) => String(r?.rowKey) === o.newRun)?.[COLUMN.status];
  return status === undefined || status === LEAD_STATUS.received ? undefined : String(status);
}

/** Waits (polling) until every replay's run has a final status, or `waitMs` passed. */
export async function awaitReplayRuns(
  table: ArchiveTable,
  outcomes: ReplayOutcome[],
  {
    waitMs,
    pollMs = 2000,
    progress = () => undefined,
  }: { waitMs: number; pollMs?: number; progress?: (line: string) => void },
): Promise<SettledOutcome[]> {
  const settled: SettledOutcome[] = outcomes.map((o) => ({ ...o }));
  const deadline = Date.now() + waitMs;
  for (let round = 0; ; round++) {
    const pending = settled.filter((o) => o.result === "replayed" && o.newRun && o.newStatus === undefined);
    for (const o of pending) o.newStatus = await newRunStatus(table, o);
    const waiting = pending.filter((o) => !o.newStatus).length;
    if (waiting === 0 || Date.now() >= deadline) break;
    // Said once: without it the command sat silent for up to --wait seconds.
    if (round === 0)
      progress(
        `Waiting up to ${Math.round(waitMs / 1000)} s for ${waiting} replayed run${waiting === 1 ? "" : "s"} to end (--wait).`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return settled;
}

/** A re-sent lead whose run had not ended when the wait did: its delivery is not known yet. */
const stillRunning = (o: SettledOutcome) => o.result === "replayed" && Boolean(o.newRun) && !o.newStatus;

/**
 * 1 when a row failed or needs a person, a due row was left at the pass's limit, a re-sent lead was dead-lettered
 * again, or its run had not ended within --wait (exit 0 then says every re-sent lead was settled); else 0.
 * `--wait 0` asks not to wait: a run still going is no failure then. A dry run only lists: a row it did not list
 * is no failure.
 */
export function replayExitCode(outcomes: SettledOutcome[], waited = true, dryRun = false): number {
  const bad = outcomes.some(
    (o) =>
      o.result === "failed" ||
      o.result === "needs-review" ||
      (o.result === "deferred" && !dryRun) ||
      o.newStatus === LEAD_STATUS.deadLetter ||
      (waited && stillRunning(o)),
  );
  return bad ? 1 : 0;
}

/** Environment variable for an archive connection string (a self-hosted table service); never a flag. */
export const CONNECTION_STRING_ENV = "LEADKIT_TABLES_CONNECTION_STRING";

export interface ReplayFlags {
  local?: boolean;
  stack?: string;
  account?: string;
  table?: string;
  "dry-run"?: boolean;
  wait?: string;
  "state-dir"?: string;
  "workflow-id"?: string;
  json?: boolean;
}

export const REPLAY: Command<ReplayFlags> = {
  name: "replay",
  usage: [
    "npm run replay -- --local [--dry-run] [--wait 120]",
    "npm run replay -- --stack <stack> [--dry-run] [--wait 120]",
    `${CALLBACK_URL_ENV}=<signed URL> npm run replay -- --account <storage account> [--table LeadArchive] [--dry-run]` +
      " [--workflow-id <id>]",
  ],
  flags: {
    local: { type: "boolean", help: "the endpoint and archive of `npm start`" },
    stack: {
      type: "string",
      help: "Azure: URL, archive and workflow id from `pulumi stack output` of this stack (needs the Pulumi CLI)",
    },
    account: { type: "string", help: "storage account of the archive in Azure, read as you (az login)" },
    table: { type: "string", help: "archive table (default: LeadArchive, or the stack's)" },
    "dry-run": { type: "boolean", help: "list what would be replayed, send nothing" },
    wait: { type: "string", help: "seconds to await each re-sent lead's run (default: 120; 0: do not wait)" },
    json: { type: "boolean", help: "print one JSON object (each row's outcome, the counts) for scripts" },
    "state-dir": STATE_DIR_FLAG,
    "workflow-id": {
      type: "string",
      help: "the workflow's ARM id (`pulumi stack output workflowId`): also settle rows left received by ended runs",
    },
  },
  run: replay,
};

/** What `where` reads besides the flags: replaced in tests. */
export interface WhereDeps {
  outputs: (stack: string, instead: string) => Record<string, string>;
  secret: (name: string) => Promise<string | undefined>;
  runEndedIn: (workflowId: string) => Promise<RunEnded>;
}
const DEPS: WhereDeps = { outputs: stackOutputs, secret: secretFromEnv, runEndedIn: azureRunEnded };

/**
 * Endpoint URL, archive and the reader of ended runs: the local endpoint's file; a stack's outputs (the flags
 * and the environment still win); or the environment plus --account.
 */
export async function where(
  flags: ReplayFlags,
  deps: WhereDeps = DEPS,
): Promise<{ url: string; archive: ArchiveLocation; runEnded?: RunEnded }> {
  if (flags.local) {
    if (flags.account || flags.stack) throw new UsageError("--local excludes --stack and --account: pick one archive.");
    if (flags["workflow-id"])
      throw new UsageError("--local and --workflow-id exclude each other: `npm start` knows which of its runs ended.");
    const local = await readLocalEndpoint(flags["state-dir"]);
    return {
      url: local.url,
      archive: { connectionString: local.tablesConnectionString, table: local.archiveTableName },
      runEnded: await localRunEnded(local.port),
    };
  }
  const out = flags.stack
    ? deps.outputs(flags.stack, `set ${CALLBACK_URL_ENV} and pass --account <storage account> and --workflow-id <id>`)
    : {};
  const fromEnv = await deps.secret(CALLBACK_URL_ENV);
  const url = flags.stack ? stackEndpointUrl(flags.stack, out.leadEndpointUrl, fromEnv) : fromEnv;
  const connectionString = await deps.secret(CONNECTION_STRING_ENV);
  const inAzure = flags.stack ? `--stack ${flags.stack}` : flags.account ? `--account ${flags.account}` : undefined;
  if (connectionString && inAzure)
    throw new UsageError(
      `${CONNECTION_STRING_ENV} is set, and ${inAzure} names an archive in Azure: the dead letters of the archive it ` +
        `names would be replayed to that stack's endpoint. Unset it (unset ${CONNECTION_STRING_ENV}), or set ` +
        `${CALLBACK_URL_ENV} without --stack and --account to replay the archive it names.`,
    );
  const account = flags.account ?? out.storageAccountName;
  if (flags.stack && (!url || (!connectionString && !account)))
    throw new Error(
      `Stack ${flags.stack} has no ${url ? "storageAccountName" : "leadEndpointUrl"} output: run \`pulumi up\` ` +
        "on it first, or pass the missing value (see --help).",
    );
  if (!url || (!connectionString && !account))
    throw new UsageError(
      `Give --local, --stack <stack>, or set ${CALLBACK_URL_ENV} (the signed endpoint URL) and pass --account ` +
        "<storage account> (read as you, after az login).",
    );
  const archive = { connectionString, account, table: flags.table ?? out.archiveTableName ?? "LeadArchive" };
  const workflowId = flags["workflow-id"] ?? out.workflowId;
  return { url, archive, runEnded: workflowId ? await deps.runEndedIn(workflowId) : undefined };
}

/** In Azure, the run behind a row is read from the workflow as you (`az login`), as the scheduled replay does. */
async function azureRunEnded(workflowId: string): Promise<RunEnded> {
  const scheduled = await import("../function-code/src/replay/scheduled");
  const { parseWorkflowId, REPLAY_SETTINGS, runEndedFrom, workflowRunStatus } = scheduled;
  if (!parseWorkflowId(workflowId))
    throw new UsageError(
      `--workflow-id "${workflowId}" is not a workflow's ARM id: give \`pulumi stack output workflowId\` ` +
        "(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Logic/workflows/<name>).",
    );
  return runEndedFrom((await workflowRunStatus({ [REPLAY_SETTINGS.workflowId]: workflowId }))!);
}

async function replay(flags: ReplayFlags): Promise<number> {
  const waitMs = wholeNumberFlag("wait", flags.wait, 0, 3600, 120) * 1000;
  const { url, archive, runEnded } = await where(flags);
  const table = await openArchive(archive);
  const dryRun = flags["dry-run"] ?? false;
  const { replayDeadLetters } = await import("../function-code/src/replay/replayDeadLetters");
  const sent = await replayDeadLetters({
    table,
    dryRun,
    runEnded,
    send: async (lead, headers) => {
      const { status, body } = await sendLead(url, lead, headers);
      return { status, body };
    },
  });
  const progress = (line: string) => console.error(line);
  // --local: a loopback point read, polled as often as `send` polls npm start (Azure's table: every 2 s).
  const pollMs = flags.local ? 50 : undefined;
  const outcomes: SettledOutcome[] = dryRun ? sent : await awaitReplayRuns(table, sent, { waitMs, pollMs, progress });
  if (flags.json) console.log(JSON.stringify({ outcomes, counts: replayCounts(outcomes) }, null, 2));
  else report(outcomes);
  return replayExitCode(outcomes, waitMs > 0, dryRun);
}

const RESULTS = ["replayed", "repaired", "needs-review", "failed", "skipped", "deferred"] as const;

/**
 * How many rows ended each way, and how many re-sent leads were dead-lettered again. `deferred` is 1 when the
 * pass stopped at its limit: it names the first row it left, and more may be due after it.
 */
export function replayCounts(
  outcomes: SettledOutcome[],
): Record<(typeof RESULTS)[number] | "deadLetteredAgain" | "stillRunning", number> {
  const by = Object.fromEntries(RESULTS.map((r) => [r, outcomes.filter((o) => o.result === r).length]));
  const deadLetteredAgain = outcomes.filter((o) => o.newStatus === LEAD_STATUS.deadLetter).length;
  return { ...by, deadLetteredAgain, stillRunning: outcomes.filter(stillRunning).length } as ReturnType<
    typeof replayCounts
  >;
}

/** Seconds to await the replays' runs, from --wait. */
export function waitOption(argv: string[]): number {
  const i = argv.indexOf("--wait");
  const text = i >= 0 ? argv[i + 1] : undefined;
  return wholeNumberFlag("wait", text, 0, 3600, 120) * 1000;
}

function report(outcomes: SettledOutcome[]): void {
  for (const o of outcomes) {
    const run = o.newStatus ? ` -> new run ${o.newStatus}` : o.newRun ? " -> new run still running" : "";
    console.log(`${o.result.padEnd(12)} ${o.row}  ${o.detail}${run}`);
  }
  console.log(replaySummary(outcomes));
}

/** The last line of `npm run replay`: the counts, "1+ deferred" when the pass left rows at its limit. */
export function replaySummary(outcomes: SettledOutcome[]): string {
  const counts = replayCounts(outcomes);
  const count = (r: (typeof RESULTS)[number]) => `${counts[r]}${r === "deferred" && counts[r] > 0 ? "+" : ""} ${r}`;
  const running = counts.stillRunning
    ? `; ${counts.stillRunning} still running (raise --wait, or look again later)`
    : "";
  return `${RESULTS.map(count).join(", ")}; ${counts.deadLetteredAgain} dead-lettered again${running}`;
}

if (require.main === module) main(REPLAY);
