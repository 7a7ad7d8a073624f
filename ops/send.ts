/**
 * `npm run send`: POSTs a lead as Partner Center does, waits for the run to finish with it, and says
 * what became of it, read from the lead's archive row (the workflow's own record).
 *
 *   npm run send -- --sample full                       # to the endpoint of `npm start`
 *   LEADKIT_CALLBACK_URL="$(pulumi stack output leadEndpointUrl --show-secrets)" \
 *     npm run send -- --sample validate --account <storage account>    # to Azure, archive read as you
 *
 * Exit codes: 0 the lead is where it should be, 1 it is not (dead letter, not archived, still running
 * at --wait, refused), 2 usage. Kept light: no Pulumi SDK, no workflow code.
 */
import type { TableClient } from "@azure/data-tables";
import { findRow, isRowNotFound, openArchive, readLocalEndpoint, StorageError } from "./archive";
import { httpRequest } from "./http";
import { Command, EXIT, STATE_DIR_FLAG, UsageError, secretFromEnv, wholeNumberFlag } from "./cli";
import { ArchiveRow, describeRow, Outcome } from "./outcome";
import { CALLBACK_URL_ENV, loadSample, redactUrl, sendLead } from "./sendLead";

export { CALLBACK_URL_ENV };

interface SendFlags {
  sample?: string;
  wait?: string;
  json?: boolean;
  account?: string;
  table?: string;
  "state-dir"?: string;
}

export const SEND: Command<SendFlags> = {
  name: "send",
  usage: [
    "npm run send -- [--sample validate|full|minimal|camelcase|<file.json>] [--wait 60] [--json]",
    `${CALLBACK_URL_ENV}=<signed URL> npm run send -- --sample validate [--account <storage account>] [--table LeadArchive]`,
  ],
  flags: {
    sample: { type: "string", help: "sample name or a JSON file of a lead (default: validate)" },
    wait: { type: "string", help: "seconds to wait for the lead's outcome (default: 60; 0 does not wait)" },
    json: { type: "boolean", help: "print one JSON object (HTTP answer, run id, outcome) for scripts" },
    account: {
      type: "string",
      help: `with ${CALLBACK_URL_ENV}: storage account of the archive, read as you (az login)`,
    },
    table: { type: "string", help: "archive table in --account (default: LeadArchive)" },
    "state-dir": STATE_DIR_FLAG,
  },
  run: send,
};

export interface SendReport {
  http: { status: number; body: unknown; milliseconds: number };
  runId?: string;
  /** Undefined when the archive cannot be read (a deployed endpoint without --account). */
  outcome?: Outcome;
  /** Why the outcome of an accepted lead could not be read (the lead was sent: never send it again for this). */
  unchecked?: string;
  runPage?: string;
}

async function send(flags: SendFlags): Promise<number> {
  const waitMs = wholeNumberFlag("wait", flags.wait, 0, 3600, 60) * 1000;
  const sample = flags.sample ?? "validate";
  const lead = loadSampleOrExplain(sample);
  const { url, outcomeOf, pollMs, runPage } = await target(flags);
  if (!flags.json) console.log(`POST ${redactUrl(url)} (sample: ${sample})`);
  const report = await reportOf(await sendLead(url, lead), outcomeOf, waitMs, pollMs, runPage);
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else for (const line of reportLines(report)) console.log(line);
  const ok = report.outcome ? report.outcome.ok : report.http.status === 200 && !report.unchecked;
  return ok ? EXIT.ok : EXIT.failed;
}

/** The answer, and the run's outcome when it can be awaited; a failed read after a 200 keeps the answer. */
export async function reportOf(
  http: SendReport["http"],
  outcomeOf: OutcomeOf | undefined,
  waitMs: number,
  pollMs?: number,
  runPage?: string,
): Promise<SendReport> {
  const { runId, row: answered } = (http.body as { runId?: string; row?: unknown } | null) ?? {};
  const row = typeof answered === "string" ? answered : undefined;
  const report: SendReport = { http, runId, runPage: runId && runPage ? `${runPage}/#${runId}` : undefined };
  if (http.status === 500 && (http.body as { status?: string })?.status === "not-archived")
    report.outcome = describeRow(undefined);
  else if (http.status === 200 && runId && outcomeOf && waitMs > 0)
    try {
      report.outcome = await awaitOutcome(() => outcomeOf(runId, row), waitMs, pollMs);
    } catch (err) {
      report.unchecked = (err as Error).message;
    }
  return report;
}

function loadSampleOrExplain(sample: string): unknown {
  try {
    return loadSample(sample);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * The outcome of a run's archive row, or undefined while the run has no row. `row`: the `<partition>/<row key>`
 * the endpoint's answer names, read alone (ops/archive.ts findRow).
 */
export type OutcomeOf = (runId: string, row?: string) => Promise<Outcome | undefined>;

/** The URL from the environment (a deployed endpoint), else the running local endpoint. */
async function target(
  flags: SendFlags,
): Promise<{ url: string; outcomeOf?: OutcomeOf; pollMs?: number; runPage?: string }> {
  const url = await secretFromEnv(CALLBACK_URL_ENV);
  if (url) {
    if (!/^https?:\/\//.test(url))
      throw new UsageError(
        `${CALLBACK_URL_ENV} does not hold a URL: set it to the signed callback URL (leadEndpointUrl).`,
      );
    if (!flags.account) return { url };
    const tableName = flags.table ?? "LeadArchive";
    const table = await openArchive({ account: flags.account, table: tableName });
    await checkArchive(table, flags.account, tableName);
    return { url, outcomeOf: async (runId, row) => describeFound(await findRow(table, runId, row)) };
  }
  if (flags.account) throw new UsageError(`--account needs ${CALLBACK_URL_ENV} (the deployed endpoint's signed URL).`);
  const local = await readLocalEndpoint(flags["state-dir"]);
  const runPage = `http://127.0.0.1:${local.port}`;
  // Read through `npm start` (GET /leads/<run>): the storage SDK would be most of this command's start-up.
  const outcomeOf: OutcomeOf = async (runId, row) => {
    const query = row ? `?row=${encodeURIComponent(row)}` : "";
    const res = await httpRequest(`${runPage}/leads/${encodeURIComponent(runId)}${query}`, { timeoutMs: 10_000 });
    if (!res.ok)
      throw new Error(`The local endpoint answered ${res.status} to /leads/${runId}: restart \`npm start\`.`);
    return (JSON.parse(res.text) as { value: { outcome: Outcome } | null }).value?.outcome;
  };
  return { url: local.url, outcomeOf, pollMs: 50, runPage }; // a loopback read: poll often
}

/**
 * One point read before the POST: a missing sign-in, role or table stops `send --account` here, not after the lead
 * went out. A row that does not exist is the expected answer.
 */
export async function checkArchive(
  table: Pick<TableClient, "getEntity">,
  account: string,
  tableName: string,
): Promise<void> {
  await table.getEntity("", "-").catch((err: StorageError) => {
    if (isRowNotFound(err)) return;
    if (err.statusCode === 404)
      throw new UsageError(
        `storage account ${account} has no table ${tableName}: give --table with the stack's archive table ` +
          "(`pulumi stack output archiveTableName`).",
      );
    throw err;
  });
}

const describeFound = (row: ArchiveRow | undefined) => (row ? describeRow(row) : undefined);

/** Polls the run's outcome until its Status is final, or `waitMs` passed (then: still pending, or not archived). */
export async function awaitOutcome(
  outcomeNow: () => Promise<Outcome | undefined>,
  waitMs: number,
  pollMs = 250,
): Promise<Outcome> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const outcome = await outcomeNow();
    if ((outcome && outcome.verdict !== "pending") || Date.now() >= deadline) {
      const final = outcome ?? describeRow(undefined);
      if (final.verdict === "pending") final.words += ` after ${Math.round(waitMs / 1000)} s (raise --wait)`;
      return final;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The report as text, a line each. */
export function reportLines(report: SendReport): string[] {
  const { http } = report;
  const lines = [`HTTP ${http.status} in ${http.milliseconds} ms: ${JSON.stringify(http.body)}`];
  if (report.outcome) lines.push(`Outcome: ${report.outcome.words}`);
  else if (report.unchecked)
    lines.push(
      `Outcome: accepted (archived as run ${report.runId}), but its delivery could not be checked: do not send it ` +
        `again. ${report.unchecked}`,
    );
  else if (http.status === 200)
    lines.push("Outcome: accepted (archived); give --account to wait for delivery, or run `npm run leads`.");
  if (report.runPage) lines.push(`Run: ${report.runPage}`);
  return lines;
}
