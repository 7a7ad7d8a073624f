import { ACTION, LEAD_STATUS } from "./leadWorkflow";

/**
 * The outcomes the insights count, one table for the Azure workbook and the local run page: the archive
 * row's `Status` values of each (an outcome is named after its main status), and the action that writes it (its completion event in Log Analytics).
 */
export const OUTCOMES = [
  {
    outcome: LEAD_STATUS.delivered,
    statuses: [LEAD_STATUS.delivered, LEAD_STATUS.archivedOnly],
    action: ACTION.markDelivered,
  },
  { outcome: LEAD_STATUS.test, statuses: [LEAD_STATUS.test], action: ACTION.markTestLead },
  { outcome: LEAD_STATUS.incomplete, statuses: [LEAD_STATUS.incomplete], action: ACTION.markIncomplete },
  { outcome: LEAD_STATUS.duplicate, statuses: [LEAD_STATUS.duplicate], action: ACTION.markDuplicate },
  { outcome: LEAD_STATUS.deadLetter, statuses: [LEAD_STATUS.deadLetter], action: ACTION.markDeadLetter },
] as const;

export type InsightOutcome = (typeof OUTCOMES)[number]["outcome"] | "in progress";

/**
 * Facts about a lead that identify no person: what the workbook groups by and what a tracked property
 * would carry. Name, e-mail, phone, company and description are never among them.
 */
export const LEAD_FACTS = ["offer", "action", "source", "country"] as const;
export type LeadFact = (typeof LEAD_FACTS)[number];

/** The outcome of an archive row's `Status`; a row still `received` is a run in progress (or a lost one). */
export function outcomeOfStatus(status: string): InsightOutcome {
  return OUTCOMES.find((o) => (o.statuses as readonly string[]).includes(status))?.outcome ?? "in progress";
}
