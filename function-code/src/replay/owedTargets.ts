/**
 * Which CRM targets a dead-lettered lead still needs, read from its archive row. Pure: the replay
 * sends to exactly these, so a target that already has the lead never gets it twice.
 */

import { COLUMN, LEAD_STATUS, MARK_DELIVERED_ACTION, sentColumn } from "../contract";

export { MARK_DELIVERED_ACTION, sentColumn };

/**
 * CRM targets, as the workflow names them: the keys of TARGETS (targets/index.ts). This package imports nothing
 * of the kit, so it keeps its own list; tests/function-code/replayLedger.spec.ts fails when the two differ.
 */
export const REPLAY_TARGETS = [
  "dataverse",
  "salesforce",
  "hubspot",
  "email",
  "webhook",
  "azureTable",
  "teams",
] as const;
export type ReplayTarget = (typeof REPLAY_TARGETS)[number];

/** What to do with a dead-lettered row. */
export type Owed =
  { kind: "send"; targets: ReplayTarget[] } | { kind: "repair"; reason: string } | { kind: "review"; reason: string };

type RowColumns = Record<string, unknown>;

const list = (value: unknown): string[] =>
  String(value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

const isTarget = (name: string): name is ReplayTarget => (REPLAY_TARGETS as readonly string[]).includes(name);

/** The targets a column lists, or the review reason naming the column and the bad value. */
function targetsOf(row: RowColumns, column: string): ReplayTarget[] | { kind: "review"; reason: string } {
  const names = list(row[column]);
  const bad = names.find((n) => !isTarget(n));
  if (bad === undefined) return names as ReplayTarget[];
  return {
    kind: "review",
    reason:
      `${column} lists "${bad}", which is not a target (${REPLAY_TARGETS.join(", ")}): ` +
      `correct ${column}, then set ${COLUMN.status} back to ${LEAD_STATUS.deadLetter}.`,
  };
}

/**
 * The ledger (written by the workflow): `Targets` are the targets the run was responsible for; a
 * target is done when its `Sent_<target>` column is non-empty or `DeliveredTargets` lists it.
 */
function owedFromLedger(row: RowColumns): Owed {
  const targets = targetsOf(row, COLUMN.targets);
  if (!Array.isArray(targets)) return targets;
  const delivered = targetsOf(row, COLUMN.deliveredTargets);
  if (!Array.isArray(delivered)) return delivered;
  const owed = targets.filter((t) => !delivered.includes(t) && String(row[sentColumn(t)] ?? "") === "");
  if (owed.length > 0) return { kind: "send", targets: owed };
  return {
    kind: "repair",
    reason: `every target in ${COLUMN.targets} (${targets.join(",") || "none"}) already has the lead`,
  };
}

/**
 * Rows archived before the ledger: `FailedTargets` when it names any; when it is empty, only a row
 * whose sole failed step was the final mark is known to owe nothing. Anything else is not guessed
 * (sending "to all" would deliver twice to the targets that succeeded).
 */
function owedBeforeLedger(row: RowColumns, key: string): Owed {
  const failed = targetsOf(row, COLUMN.failedTargets);
  if (!Array.isArray(failed)) return failed;
  if (failed.length > 0) return { kind: "send", targets: failed };
  const actions = list(row[COLUMN.failedActions]);
  if (actions.length > 0 && actions.every((a) => a === MARK_DELIVERED_ACTION)) {
    return { kind: "repair", reason: `only ${MARK_DELIVERED_ACTION} failed: every CRM call had succeeded` };
  }
  return {
    kind: "review",
    reason:
      `${COLUMN.failedTargets} is empty and ${COLUMN.failedActions} is "${actions.join(",")}", so which targets ` +
      `still need the lead is unknown: check run ${key.split("/")[1]} in the run history, then set ` +
      `${COLUMN.failedTargets} to the targets that still need it and ${COLUMN.status} back to ${LEAD_STATUS.deadLetter}.`,
  };
}

/** The targets a dead-lettered row still owes, or why it needs no send or a person. */
export function owedTargets(row: RowColumns, key: string): Owed {
  const targets = row[COLUMN.targets];
  return targets === undefined || targets === null ? owedBeforeLedger(row, key) : owedFromLedger(row);
}

/**
 * A row still `received` whose run has ended (cancelled, cut, or its dead-letter mark failed): never re-sent on
 * its own, because the run may have called a CRM just before it stopped without writing `Sent_<target>`. When
 * every target in the ledger has the lead, only the final mark is missing (repair); otherwise an operator checks
 * the targets without `Sent_` (review), and the reason says how to hand the row back to replay.
 */
export function owedByEndedRun(row: RowColumns, key: string): Owed {
  const owed = row[COLUMN.targets] === undefined || row[COLUMN.targets] === null ? undefined : owedFromLedger(row);
  if (owed?.kind === "repair") return { kind: "repair", reason: `${owed.reason}; its run ended before the final mark` };
  if (owed?.kind === "review") return owed;
  const unsure = owed ? owed.targets.join(",") : "every target of the run";
  return {
    kind: "review",
    reason:
      `${COLUMN.status} is still ${LEAD_STATUS.received} but run ${key.split("/")[1]} has ended: ${unsure} may or ` +
      `may not have the lead (a call can be cut before its ${sentColumn("<target>")} is written). Check those ` +
      `CRMs; set ${sentColumn("<target>")} for any that has it, then set ${COLUMN.status} to ` +
      `${LEAD_STATUS.deadLetter}: replay sends only to the targets without it.`,
  };
}
