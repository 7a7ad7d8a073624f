/**
 * Re-sends dead-lettered leads from the archive table to the lead endpoint. Shared by the
 * `npm run replay` command and the function app's scheduled `replayDeadLetters` function.
 * - Each lead goes only to the targets it still owes (owedTargets.ts), named in a header the
 *   workflow obeys; a row that owes nothing is repaired without a send.
 * - A row is claimed with its ETag and a lease, so two replays never send it twice and a replayer
 *   that dies or cannot write back leaves a row the next pass takes over once the lease ends.
 * - A send whose answer was lost (timeout, network) may have been accepted: before sending it
 *   again, the rows archived with `ReplayOf` = this row are looked up.
 * - A row still `received` whose run has ended (`runEnded`) is never sent: it is repaired when every
 *   target has the lead, else marked needs-review (owedByEndedRun).
 * The trail: the old row gets `Status = replayed`, `ReplayedBy`, `ReplayedTo`, `ReplayAttempts`;
 * the new row (the replay's own run) gets `ReplayOf`.
 */
import { randomUUID } from "crypto";
import {
  ArchiveTable,
  candidateRows,
  Change,
  findReplaysOf,
  Fields,
  mergeIfUnchanged,
  Row,
  rowKeyOf,
  RunEnded,
  writeBack,
} from "./archiveRows";
import { Owed, owedByEndedRun, owedTargets, ReplayTarget } from "./owedTargets";

import {
  answeredPartition,
  COLUMN,
  LEAD_STATUS,
  ORIGIN_HEADER,
  ORIGIN_TIME_HEADER,
  REPLAY_OF_HEADER,
  REPLAY_TARGETS_HEADER,
} from "../contract";

export type { ArchiveTable, RunEnded } from "./archiveRows";
export { ORIGIN_HEADER, ORIGIN_TIME_HEADER, REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER };

/** Sends one lead with extra headers; resolves with the HTTP status and body. */
export type Sender = (lead: unknown, headers: Record<string, string>) => Promise<{ status: number; body: unknown }>;

export interface ReplayOutcome {
  row: string;
  /** `deferred`: a due row the pass did not take, its limit reached (the first such row; more may follow). */
  result: "replayed" | "repaired" | "needs-review" | "failed" | "skipped" | "deferred";
  detail: string;
  /** The targets the lead was (or, on a dry run, would be) sent to. */
  targets?: ReplayTarget[];
  /** Run id of the replay's own run, when the endpoint accepted it. */
  newRun?: string;
  /** That run's archive row (`<partition>/<run>`), when the endpoint's answer named it: read alone by `--wait`. */
  newRow?: string;
}

export interface ReplayOptions {
  table: ArchiveTable;
  send: Sender;
  now?: () => Date;
  /** List what would be sent to which targets, without sending or changing anything. */
  dryRun?: boolean;
  /** Most rows per call. @default 500 */
  limit?: number;
  /** How long a claim holds a row; past it, another pass takes the row over. @default 10 minutes */
  leaseMs?: number;
  /** Write-back tries and the pause between them (× the attempt number). @default 3 tries, 500 ms */
  writeBackRetry?: { attempts: number; delayMs: number };
  /**
   * Whether the run of a row still `received` has ended. Such a row is marked delivered when every target has
   * the lead, else needs-review; never re-sent. Without it, `received` rows are left alone.
   */
  runEnded?: RunEnded;
  /** Only the row with this RowKey (the run page's Replay button). @default - every row due */
  onlyRow?: string;
  /** Test hook, awaited after the rows are read and before a row is claimed (to force races). */
  beforeClaim?: (row: string) => Promise<void>;
}

type Optional = "beforeClaim" | "runEnded" | "onlyRow";
type Pass = Required<Omit<ReplayOptions, Optional>> & Pick<ReplayOptions, Optional>;

const DEFAULT_LEASE_MS = 10 * 60_000;

/** Replays every dead-lettered lead (and every expired claim) of the archive table once. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayOutcome[]> {
  const pass: Pass = {
    now: () => new Date(),
    dryRun: false,
    limit: 500,
    leaseMs: DEFAULT_LEASE_MS,
    writeBackRetry: { attempts: 3, delayMs: 500 },
    ...options,
  };
  const outcomes: ReplayOutcome[] = [];
  const unreadable = (row: Row, err: Error) =>
    outcomes.push({
      row: rowKeyOf(row),
      result: "failed",
      detail: `whether its run has ended could not be read: ${err.message}`,
    });
  const { table, leaseMs, limit, runEnded, onlyRow } = pass;
  const { rows, left } = await candidateRows(table, pass.now(), leaseMs, limit, runEnded, onlyRow, unreadable);
  for (const row of rows) {
    // One row's failure never ends the pass for the others.
    try {
      outcomes.push(await replayRow(pass, row));
    } catch (err) {
      outcomes.push({ row: rowKeyOf(row), result: "failed", detail: (err as Error).message });
    }
  }
  if (left) outcomes.push(deferred(left, limit, pass.dryRun));
  return outcomes;
}

/** The row a pass left at its limit: said, so a pass that stopped there is not read as one that took all due. */
const deferred = (row: Row, limit: number, dryRun: boolean): ReplayOutcome => ({
  row: rowKeyOf(row),
  result: "deferred",
  detail: dryRun
    ? `not listed: a pass takes at most ${limit} rows; this row and any due after it are not listed (a replay ` +
      "takes them in a later pass)"
    : `not taken: this pass took ${limit} rows, its limit; this row and any due after it wait for the next pass ` +
      "(run npm run replay again; the scheduled replay takes them on its next run)",
});

async function replayRow(pass: Pass, row: Row): Promise<ReplayOutcome> {
  const key = rowKeyOf(row);
  const owed = cutShort(
    row,
    row[COLUMN.status] === LEAD_STATUS.received ? owedByEndedRun(row, key) : owedTargets(row, key),
  );
  if (pass.dryRun) return dryRun(key, owed);
  const lead = owed.kind === "send" ? parseLead(row, key, owed.targets) : undefined;
  await pass.beforeClaim?.(key);
  if (owed.kind === "repair") {
    const fields = {
      [COLUMN.status]: LEAD_STATUS.delivered,
      RepairedTime: pass.now().toISOString(),
      RepairReason: owed.reason,
    };
    return settle(pass, row, fields, { row: key, result: "repaired", detail: `${owed.reason}: nothing sent` });
  }
  if (owed.kind === "review") {
    const fields = { [COLUMN.status]: LEAD_STATUS.needsReview, [COLUMN.reviewReason]: owed.reason };
    return settle(pass, row, fields, { row: key, result: "needs-review", detail: owed.reason });
  }
  return resend(pass, row, lead, owed.targets);
}

/**
 * A lead still owed whose archived text was cut cannot be sent from the archive. It is held for review, so the
 * command and the timer fail, while the run history still has it: Consumption keeps it 90 days by default
 * (learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config, "Run history retention in storage").
 */
function cutShort(row: Row, owed: Owed): Owed {
  if (owed.kind !== "send" || row[COLUMN.leadJsonTruncated] !== true) return owed;
  return { kind: "review", reason: byHand(row, owed.targets, "holds only the lead's first 30,000 characters") };
}

/**
 * What to do with a lead replay cannot send. Not a resubmit: that run would be a new lead to the workflow, a
 * duplicate within the dedup window (nothing sent) and sent to every target after it.
 */
const byHand = (row: Row, targets: readonly string[], why: string) =>
  `LeadJson ${why}, so replay cannot send it: copy the trigger's body from run ${String(row.rowKey)} in the run ` +
  `history (kept 90 days by default), deliver it to ${targets.join(", ")} by hand (not by resubmitting the run: ` +
  "that is a new lead to the workflow), then set Status to delivered.";

function dryRun(key: string, owed: Owed): ReplayOutcome {
  const detail =
    owed.kind === "send"
      ? `dry run: would re-send to ${owed.targets.join(",")}`
      : owed.kind === "repair"
        ? `dry run: would mark delivered without sending (${owed.reason})`
        : `dry run: would mark needs-review (${owed.reason})`;
  return { row: key, result: "skipped", detail, ...(owed.kind === "send" && { targets: owed.targets }) };
}

function parseLead(row: Row, key: string, targets: readonly string[]): unknown {
  try {
    return JSON.parse(String(row[COLUMN.leadJson]));
  } catch (err) {
    throw new Error(`${key}: ${byHand(row, targets, `is not JSON (${(err as Error).message})`)}`, { cause: err });
  }
}

/** A row resolved without a send: one ETag-conditioned merge. */
async function settle(pass: Pass, row: Row, fields: Fields, outcome: ReplayOutcome): Promise<ReplayOutcome> {
  const change = { ...fields, [COLUMN.status]: String(fields[COLUMN.status]), [COLUMN.replayClaim]: randomUUID() };
  if ((await mergeIfUnchanged(pass.table, row, row.etag, change)) === undefined) return claimedElsewhere(outcome.row);
  return outcome;
}

const claimedElsewhere = (key: string): ReplayOutcome => ({
  row: key,
  result: "skipped",
  detail: "claimed by another replay",
});

/** Claims the row (ETag + lease), checks an earlier ambiguous send, sends, writes the result back. */
async function resend(pass: Pass, row: Row, lead: unknown, targets: ReplayTarget[]): Promise<ReplayOutcome> {
  const key = rowKeyOf(row);
  const leaseUntil = new Date(pass.now().getTime() + pass.leaseMs);
  const token = randomUUID(); // this replay's, on its claim and its write-back
  const claim = {
    [COLUMN.status]: LEAD_STATUS.replaying,
    [COLUMN.replayClaim]: token,
    LeaseUntil: leaseUntil,
    [COLUMN.replayAttempts]: Number(row[COLUMN.replayAttempts] ?? 0) + 1,
    LastReplayTime: pass.now().toISOString(),
    ReplayTargets: targets.join(","),
  };
  const etag = await mergeIfUnchanged(pass.table, row, row.etag, claim);
  if (etag === undefined) return claimedElsewhere(key);
  // An expired claim, or a send with no clear answer: the endpoint may have taken the lead already.
  const ambiguous = row[COLUMN.status] === LEAD_STATUS.replaying || row.LastReplayAmbiguous === true;
  const earlier = ambiguous ? await findReplaysOf(pass.table, key) : [];
  const result =
    earlier.length > 0
      ? alreadyReplayed(key, earlier)
      : await sendOnce(pass.send, lead, replayHeaders(row, key, targets));
  const change: Change = result.ok
    ? {
        ...result.fields,
        [COLUMN.replayClaim]: token,
        [COLUMN.replayedTo]: earlier.length > 0 ? String(row.ReplayTargets ?? "") : targets.join(","),
        LastReplayAmbiguous: false,
      }
    : {
        [COLUMN.status]: LEAD_STATUS.deadLetter,
        [COLUMN.replayClaim]: token,
        [COLUMN.lastReplayError]: result.error.slice(0, 30000),
        LastReplayAmbiguous: result.ambiguous,
      };
  try {
    await writeBack(pass.table, row, etag, change, pass.writeBackRetry);
  } catch (err) {
    const what = result.ok ? `${result.detail}, but` : `${result.error}; and`;
    return {
      row: key,
      result: "failed",
      detail:
        `${what} the row could not be updated (${(err as Error).message}): it stays ${LEAD_STATUS.replaying} ` +
        `until its lease ends at ${leaseUntil.toISOString()}, then a later pass takes it over.`,
    };
  }
  if (!result.ok) return { row: key, result: "failed", detail: result.error, targets };
  const { newRun, newRow } = result;
  return { row: key, result: "replayed", detail: result.detail, targets, newRun, ...(newRow && { newRow }) };
}

/**
 * An ISO time as the workflow writes it (`trigger().startTime`, 7 fraction digits in Azure, 3 locally): the form
 * its formatDateTime() reads whatever the runtime; Date.parse alone takes "2026" or an RFC 1123 date too.
 */
const ROUND_TRIP = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?Z$/;

/**
 * The headers the workflow reads on a replay. The origin's time is its first arrival: the row's own when it is
 * the origin, else carried on (`LeadOriginTime`); a row archived before that column, or with one that is not a time
 * (a request's header, kept as it came), falls back to its own time.
 */
export function replayHeaders(row: Row, key: string, targets: ReplayTarget[]): Record<string, string> {
  // Date.parse rolls 30 February over to March; .NET refuses it: the day must come back as written.
  const isTime = (v: unknown) =>
    typeof v === "string" &&
    ROUND_TRIP.test(v) &&
    new Date(Date.parse(v)).toISOString().slice(0, 10) === v.slice(0, 10);
  const originTime = [row[COLUMN.leadOriginTime], row[COLUMN.receivedTime]].find(isTime) as string | undefined;
  return {
    [REPLAY_OF_HEADER]: key,
    [REPLAY_TARGETS_HEADER]: targets.join(","),
    [ORIGIN_HEADER]: String(row[COLUMN.leadOrigin] || key),
    ...(originTime && { [ORIGIN_TIME_HEADER]: originTime }),
  };
}

type SendResult =
  | { ok: true; detail: string; newRun?: string; newRow?: string; fields: Fields & { [COLUMN.status]: string } }
  | { ok: false; error: string; ambiguous: boolean };

function alreadyReplayed(key: string, earlier: Row[]): SendResult {
  const runs = earlier.map((r) => String(r.rowKey)).join(",");
  return {
    ok: true,
    detail: `not sent again: an earlier replay of ${key} was accepted as run ${runs}`,
    newRun: runs,
    fields: { [COLUMN.status]: LEAD_STATUS.replayed, [COLUMN.replayedBy]: runs, [COLUMN.lastReplayError]: "" },
  };
}

/**
 * One send. 200 means the endpoint archived the lead (its new row carries ReplayOf). No answer, or
 * a gateway error, is ambiguous: Logic Apps answers 504 when the workflow has not responded within
 * 120 s while the run goes on (https://learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config,
 * "Timeout duration"), so the lead may be archived after all.
 */
async function sendOnce(send: Sender, lead: unknown, headers: Record<string, string>): Promise<SendResult> {
  let res: { status: number; body: unknown };
  try {
    res = await send(lead, headers);
  } catch (err) {
    return { ok: false, error: `no answer: ${(err as Error).message}`, ambiguous: true };
  }
  if (res.status === 200) {
    const { runId = "", row } = (res.body ?? {}) as { runId?: string; row?: unknown };
    const newRow = answeredPartition(row, String(runId)) ? String(row) : undefined;
    return {
      ok: true,
      detail: `new run ${runId}`,
      newRun: String(runId),
      newRow,
      fields: replayedFields(String(runId)),
    };
  }
  const notArchived = (res.body as { status?: string })?.status === "not-archived";
  return {
    ok: false,
    error: `HTTP ${res.status}: ${JSON.stringify(res.body)}`,
    ambiguous: !notArchived && (res.status >= 500 || res.status === 408),
  };
}

const replayedFields = (runId: string) => ({
  [COLUMN.status]: LEAD_STATUS.replayed,
  [COLUMN.replayedBy]: runId,
  [COLUMN.lastReplayError]: "",
});
