import { ArchiveRow } from "../ops/outcome";
import { COLUMN } from "../function-code/src/contract";
import { InsightOutcome, OUTCOMES, outcomeOfStatus } from "../workflow/leadInsights";

/** The run page's chart: the Azure workbook's breakdown (components/insightsWorkbook.ts), over the local archive. */
export interface LeadInsights {
  /** Leads per received day, offer and action code, oldest day first. */
  perDay: Array<{ day: string; offer: string; action: string; leads: number }>;
  /** Leads per outcome, every outcome listed (zero included), in the workbook's order. */
  outcomes: Array<{ outcome: InsightOutcome; leads: number }>;
  /** Dead-lettered leads per failed target (a lead failing two targets counts for both). */
  failuresByTarget: Array<{ target: string; leads: number }>;
}

const text = (v: unknown) => (typeof v === "string" ? v : "");

/** Pure: counts over archive rows. Reads only columns without personal data (no CustomerInfo, LeadJson). */
export function leadInsights(rows: readonly ArchiveRow[]): LeadInsights {
  const perDay = new Map<string, { day: string; offer: string; action: string; leads: number }>();
  const outcomes = new Map<InsightOutcome, number>([
    ...OUTCOMES.map((o) => [o.outcome, 0] as const),
    ["in progress", 0],
  ]);
  const failures = new Map<string, number>();
  for (const row of rows) {
    const [day, offer, action] = [
      text(row[COLUMN.receivedTime]).slice(0, 10),
      text(row.OfferDisplayName),
      text(row.ActionCode),
    ];
    const key = JSON.stringify([day, offer, action]);
    const bucket = perDay.get(key) ?? { day, offer, action, leads: 0 };
    bucket.leads += 1;
    perDay.set(key, bucket);
    const outcome = outcomeOfStatus(text(row[COLUMN.status]));
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    for (const target of new Set(text(row[COLUMN.failedTargets]).split(",").filter(Boolean)))
      failures.set(target, (failures.get(target) ?? 0) + 1);
  }
  const byKey = (a: { day: string; offer: string; action: string }, b: typeof a) =>
    a.day.localeCompare(b.day) || a.offer.localeCompare(b.offer) || a.action.localeCompare(b.action);
  return {
    perDay: [...perDay.values()].sort(byKey),
    outcomes: [...outcomes].map(([outcome, leads]) => ({ outcome, leads })),
    failuresByTarget: [...failures]
      .map(([target, leads]) => ({ target, leads }))
      .sort((a, b) => b.leads - a.leads || a.target.localeCompare(b.target)),
  };
}
