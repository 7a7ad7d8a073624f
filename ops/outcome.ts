/**
 * A lead's outcome in words, from its archive row (the workflow's own record, the same in Azure and
 * locally): which targets have it (with the CRM record ids of the `Sent_<target>` ledger), test lead
 * set aside, incomplete, duplicate of which row, dead-lettered with the failing target and its error.
 * Pure: `send`, `leads` and the run page all describe a lead with it.
 */

/** An archive row as @azure/data-tables returns it (partitionKey, rowKey, then the columns). */
export type ArchiveRow = Record<string, unknown> & { partitionKey?: string; rowKey?: string };

export type Verdict =
  | "delivered"
  | "archived"
  | "test"
  | "incomplete"
  | "duplicate"
  | "dead-letter"
  | "not-archived"
  | "replayed"
  | "needs-review"
  | "pending";

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
    const target = /^Sent_([A-Za-z]+)$/.exec(column)?.[1];
    if (target && !target.endsWith("Time") && value !== undefined && value !== null && value !== "")
      sent[target] = String(value);
  }
  return sent;
}

/** The first failed CRM call's error from `LastError` (the workflow's JSON list of failed steps). */
export function failureText(row: ArchiveRow): string | undefined {
  const raw = row.LastError;
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

/** The outcome of an archived lead; `undefined` row means the archive has no row for the run. */
export function describeRow(row: ArchiveRow | undefined): Outcome {
  const base = { sent: {}, failedTargets: [] as string[] };
  if (!row)
    return { ...base, verdict: "not-archived", ok: false, words: "not archived: the archive has no row for it" };
  const sent = sentTargets(row);
  const id = row.rowKey ? String(row.rowKey) : undefined;
  const common = { sent, failedTargets: list(row.FailedTargets), row: id };
  switch (String(row.Status)) {
    case "delivered":
      return {
        ...common,
        verdict: "delivered",
        ok: true,
        words: `delivered to ${delivered(sent) || list(row.Targets).join(", ")}`,
      };
    case "archived":
      return { ...common, verdict: "archived", ok: true, words: "archived only (no CRM target is configured)" };
    case "test":
      return { ...common, verdict: "test", ok: true, words: "test lead set aside: archived, sent to no CRM" };
    case "incomplete":
      return {
        ...common,
        verdict: "incomplete",
        ok: true,
        words: "incomplete (no e-mail, phone or name): archived, not delivered",
      };
    case "duplicate": {
      const of = String(row.DuplicateOf ?? "");
      return {
        ...common,
        verdict: "duplicate",
        ok: true,
        duplicateOf: of,
        words: `duplicate of row ${of}: archived, not delivered again`,
      };
    }
    case "dead-letter":
      return deadLetter(row, common);
    case "replayed":
      return {
        ...common,
        verdict: "replayed",
        ok: true,
        words: `replayed as run ${String(row.ReplayedBy ?? "?")}: see that row for delivery`,
      };
    case "needs-review":
      return {
        ...common,
        verdict: "needs-review",
        ok: false,
        words: `needs review: ${String(row.LastReplayError || "replay could not tell whether it was sent")}`,
      };
    default:
      return {
        ...common,
        verdict: "pending",
        ok: false,
        words: `still ${String(row.Status ?? "unknown")}: delivery has not finished`,
      };
  }
}

function deadLetter(row: ArchiveRow, common: Pick<Outcome, "sent" | "failedTargets" | "row">): Outcome {
  const error = failureText(row);
  const failing = common.failedTargets.join(", ") || String(row.FailedActions ?? "unknown step");
  const got = delivered(common.sent);
  const words =
    `dead-lettered: ${failing} failed${error ? ` (${error})` : ""}` +
    `${got ? `; delivered to ${got}` : ""}; replay it once the target is back`;
  return { ...common, verdict: "dead-letter", ok: false, error, words };
}

/** Personal columns of an archive row, masked by `leads` unless --show-pii. */
export const PERSONAL_COLUMNS = ["LeadJson", "CustomerInfo", "Description", "DedupKey"] as const;

/** Hides a personal value, saying how long it is and how to see it. */
export function mask(value: unknown): string {
  const text = String(value ?? "");
  return text === "" ? "" : `<hidden: ${text.length} characters; --show-pii shows it>`;
}
