/**
 * A lead's outcome in words, from its archive row (the workflow's own record, the same in Azure and
 * locally): which targets have it (with the CRM record ids of the `Sent_<target>` ledger), test lead
 * set aside, incomplete, duplicate of which row, dead-lettered with the failing target and its error.
 * Pure: `send`, `leads` and the run page all describe a lead with it.
 */

import { COLUMN, LEAD_STATUS, LeadStatus, SENT_PREFIX } from "../function-code/src/contract";

/** An archive row as @azure/data-tables returns it (partitionKey, rowKey, then the columns). */
export type ArchiveRow = Record<string, unknown> & { partitionKey?: string; rowKey?: string };

/** The row's `Status`, except the two a lead passes through; or no row; or a run still under way. */
export type Verdict =
  | Exclude<LeadStatus, typeof LEAD_STATUS.received | typeof LEAD_STATUS.replaying>
  | "not-archived"
  | "pending"
  /** Still `received` though its run has ended (`npm run leads`, locally). */
  | "run-ended";

export interface Outcome {
  verdict: Verdict;
  /** True when the lead is where it should be (a test lead set aside is fine; a dead letter is not). */
  ok: boolean;
  /** One sentence for people. */
  words: string;
  /** Target -> CRM record id (or `sent`), from the `Sent_<target>` columns. */
  sent: Record<string, string>;
  failedTargets: string[];
  /** The failing target's error, as the workflow recorded it. */
  error?: string;
  duplicateOf?: string;
  row?: string;
}

const list = (value: unknown) =>
  String(value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** `Sent_<target>` columns: the delivery ledger (`Sent_<target>Time` beside each is when). */
export function sentTargets(row: ArchiveRow): Record<string, string> {
  const sent: Record<string, string> = {};
  for (const [column, value] of Object.entries(row)) {
    const target = column.startsWith(SENT_PREFIX) ? column.slice(SENT_PREFIX.length) : undefined;
    if (
      target &&
      /^[A-Za-z]+$/.test(target) &&
      !target.endsWith("Time") &&
      value !== undefined &&
      value !== null &&
      value !== ""
    )
      sent[target] = String(value);
  }
  return sent;
}

/** The first failed CRM call's error from `LastError` (the workflow's JSON list of failed steps). */
export function failureText(row: ArchiveRow): string | undefined {
  const raw = row[COLUMN.lastError];
  if (typeof raw !== "string" || raw === "") return undefined;
  try {
    const steps = JSON.parse(raw) as Array<{ name?: string; target?: string; status?: string; error?: unknown }>;
    const step = steps.find((s) => s.target) ?? steps[0];
    if (!step) return undefined;
    const error = typeof step.error === "string" ? step.error : JSON.stringify(step.error);
    return `${step.name} ${step.status}${error ? `: ${error}` : ""}`;
  } catch {
    return raw; // Cut at the table's text limit: show it as it is.
  }
}

const delivered = (sent: Record<string, string>) =>
  Object.entries(sent)
    .sort(([a], [b]) => a.localeCompare(b)) // CRM calls run in parallel: their columns come in any order
    .map(([t, id]) => (id === "sent" ? t : `${t} (record ${id})`))
    .join(", ");

type Common = Pick<Outcome, "sent" | "failedTargets" | "row">;
type Describe = (row: ArchiveRow, common: Common) => Omit<Outcome, keyof Common>;

/** Per `Status`: the verdict, whether the lead is where it should be, and the sentence. */
const DESCRIBE: Record<string, Describe> = {
  [LEAD_STATUS.delivered]: (row, { sent }) => ({
    verdict: LEAD_STATUS.delivered,
    ok: true,
    words: `delivered to ${delivered(sent) || list(row[COLUMN.targets]).join(", ")}`,
  }),
  [LEAD_STATUS.archivedOnly]: () => ({
    verdict: LEAD_STATUS.archivedOnly,
    ok: true,
    words: "archived only (no CRM target is configured)",
  }),
  [LEAD_STATUS.test]: () => ({
    verdict: LEAD_STATUS.test,
    ok: true,
    words: "test lead set aside: archived, sent to no CRM",
  }),
  [LEAD_STATUS.incomplete]: () => ({
    verdict: LEAD_STATUS.incomplete,
    ok: true,
    words: "incomplete (no e-mail, phone or name): archived, not delivered",
  }),
  [LEAD_STATUS.duplicate]: (row) => {
    const of = String(row[COLUMN.duplicateOf] ?? "");
    return {
      verdict: LEAD_STATUS.duplicate,
      ok: true,
      duplicateOf: of,
      words: `duplicate of row ${of}: archived, not delivered again`,
    };
  },
  [LEAD_STATUS.deadLetter]: (row, common) => deadLetter(row, common),
  [LEAD_STATUS.replayed]: (row) => ({
    verdict: LEAD_STATUS.replayed,
    ok: true,
    words: `replayed as run ${String(row[COLUMN.replayedBy] ?? "?")}: see that row for delivery`,
  }),
  [LEAD_STATUS.needsReview]: (row) => ({
    verdict: LEAD_STATUS.needsReview,
    ok: false,
    words: `needs review: ${String(
      row[COLUMN.reviewReason] || row[COLUMN.lastReplayError] || "replay could not tell whether it was sent",
    )}`,
  }),
};

/**
 * The outcome of an archived lead; `undefined` row means the archive has no row for the run. `runEnded`: the row
 * is still `received` but its run has ended (known locally, from `npm start`'s runs in progress).
 */
export function describeRow(row: ArchiveRow | undefined, { runEnded = false } = {}): Outcome {
  if (!row)
    return {
      sent: {},
      failedTargets: [],
      verdict: "not-archived",
      ok: false,
      words: "not archived: the archive has no row for it",
    };
  const status = String(row[COLUMN.status]);
  const common: Common = {
    sent: sentTargets(row),
    failedTargets: list(row[COLUMN.failedTargets]),
    row: row.rowKey ? String(row.rowKey) : undefined,
  };
  const describe: Describe = runEnded
    ? runEndedOutcome
    : Object.hasOwn(DESCRIBE, status)
      ? DESCRIBE[status]
      : () => ({
          verdict: "pending",
          ok: false,
          words: `still ${String(row[COLUMN.status] ?? "unknown")}: delivery has not finished`,
        });
  return { ...common, ...describe(row, common) };
}

/** A row left `received` by a run that has ended: what replay does with it. */
const runEndedOutcome: Describe = () => ({
  verdict: "run-ended",
  ok: false,
  words:
    "still received, but its run has ended without marking it: `npm run replay -- --local` settles it " +
    "(delivered if every target has it, else needs-review; never re-sent)",
});

function deadLetter(row: ArchiveRow, common: Common): Omit<Outcome, keyof Common> {
  const error = failureText(row);
  const failing = common.failedTargets.join(", ") || String(row[COLUMN.failedActions] ?? "unknown step");
  const got = delivered(common.sent);
  const words =
    `dead-lettered: ${failing} failed${error ? ` (${error})` : ""}` +
    `${got ? `; delivered to ${got}` : ""}; replay it once the target is back`;
  return { verdict: LEAD_STATUS.deadLetter, ok: false, error, words };
}

/** What every list of leads shows of a row (`npm run leads`, the run page), before its outcome. */
export function leadHeadline(row: ArchiveRow): {
  row: string;
  partition: string;
  received: string;
  status: string;
  offer: string;
} {
  return {
    row: String(row.rowKey),
    partition: String(row.partitionKey),
    received: String(row[COLUMN.receivedTime] ?? ""),
    status: String(row[COLUMN.status] ?? ""),
    offer: String(row.OfferDisplayName ?? ""),
  };
}

/** Personal columns of an archive row, masked by `leads` unless --show-pii. */
export const PERSONAL_COLUMNS = [COLUMN.leadJson, "CustomerInfo", "Description", COLUMN.dedupKey] as const;

/** Hides a personal value, saying how long it is and how to see it. */
export function mask(value: unknown): string {
  const text = String(value ?? "");
  return text === "" ? "" : `<hidden: ${text.length} characters; --show-pii shows it>`;
}
