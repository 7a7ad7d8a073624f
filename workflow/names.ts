/**
 * The lead workflow's vocabulary, shared by its phases (workflow/phases/): the options, the names of its
 * actions (what the run history and the alerts show), the archive row's keys and the run's targets.
 */
import { CrmTarget } from "../config/settings";
import { TargetOptions } from "./crmActions";
import { lit } from "../definition/expressions";
import { offerMatches, offerTable } from "./offerMatch";
import { EntityKeys } from "../definition/tableActions";
import {
  MARK_DELIVERED_ACTION,
  ORIGIN_HEADER,
  ORIGIN_TIME_HEADER,
  REPLAY_TARGETS_HEADER,
} from "../function-code/src/contract";

/** Everything the definition depends on. Plain data: the same options render offline and deploy. Per target: its options (targets/). */
export interface LeadWorkflowOptions extends TargetOptions {
  archiveTableName: string;
  /** Table of dedup claims (one row per person, offer and action). */
  dedupTableName: string;
  /** Days within which the same person, offer and action is a duplicate. */
  dedupWindowDays: number;
  /** `archive`: a lead with no e-mail, phone or name is archived as `incomplete`, not delivered. */
  incompleteLeads: "archive" | "deliver";
  crmRetry: { count: number; interval: string; maximumInterval: string };
  /**
   * Normalize leads with the function app (function-code/) instead of workflow expressions alone.
   * The expression mapping stays as the fallback when the function fails.
   */
  normalizerFunction?: boolean;
  /**
   * Per-offer routing: offer id (`publisher.offer`) or offer display name, lower case, to the targets its
   * leads go to; an offer not listed goes to every configured target. Validated by config/stackConfig.ts.
   */
  offerRoutes?: Record<string, CrmTarget[]>;
  /**
   * Per-offer record owners: offer id or display name, lower case, to each target's owner as written in the
   * stack (TargetSpec.owner turns it into the field's value); an offer not listed keeps the CRM's default owner.
   */
  offerOwners?: Record<string, Partial<Record<CrmTarget, string>>>;
}

/** Names of the fixed actions; they show in the run history and in alerts. */
export const ACTION = {
  archive: "Archive_raw_lead",
  respond: "Respond",
  stopUnarchived: "Stop_unarchived_lead",
  screen: "Screen_lead",
  markTestLead: "Mark_test_lead",
  stopTestLead: "Stop_test_lead",
  markIncomplete: "Mark_incomplete",
  stopIncomplete: "Stop_incomplete",
  normalize: "Normalize_lead",
  normalizeFunction: "Normalize_lead_function",
  plainMapping: "Plain_mapping",
  functionFields: "Function_fields",
  claimDedupKey: "Claim_dedup_key",
  readDedupClaim: "Read_dedup_claim",
  checkDuplicate: "Check_duplicate",
  markDuplicate: "Mark_duplicate",
  stopDuplicate: "Stop_duplicate",
  renewDedupClaim: "Renew_dedup_claim",
  // The replay reads it in FailedActions: its name is part of the contract.
  markDelivered: MARK_DELIVERED_ACTION,
  deliveryReport: "Delivery_report",
  screeningReport: "Screening_report",
  collectFailures: "Collect_failures",
  listFailedActions: "List_failed_actions",
  failedTargets: "Failed_targets",
  listFailedTargets: "List_failed_targets",
  markDeadLetter: "Mark_dead_letter",
  failRun: "Fail_run",
} as const;

/** Name of the If action that gates a target (skipped on a replay that does not list it). */
export const gateName = (target: CrmTarget) => `Send_to_${target}`;
/** Name of the action that records a target's success on the archive row (the delivery ledger). */
export const recordName = (target: CrmTarget) => `Record_${target}`;

/** Keys of a lead's archive row: one partition per month, the run id as row key (unique per lead). */
export const ARCHIVE_KEYS: EntityKeys = {
  partitionKey: `formatDateTime(trigger()?['startTime'], 'yyyy-MM')`,
  rowKey: `workflow()?['run']?['name']`,
};

/** A request header of the trigger, as a WDL expression. */
export const header = (name: string) => `triggerOutputs()?['headers']?['${name}']`;
/** `<PartitionKey>/<RowKey>` of this run's archive row (the answer names it: the CLIs read the row by its keys). */
export const THIS_ROW = `concat(${ARCHIVE_KEYS.partitionKey}, '/', ${ARCHIVE_KEYS.rowKey})`;
/** The row of the lead as first received: a replay names it, a first delivery is it. */
export const ORIGIN = `coalesce(${header(ORIGIN_HEADER)}, ${THIS_ROW})`;
/**
 * When the lead was first received, as text: a replay names it, a first delivery is now (the trigger's start).
 * The archive keeps it as it came: nothing in a request may keep a lead from its archive row.
 */
export const ORIGIN_TIME_TEXT = `coalesce(${header(ORIGIN_TIME_HEADER)}, trigger()?['startTime'])`;
/** The same in the round-trip format, 7 fraction digits, as utcNow() and addDays() give: claims compare it as text. */
export const ORIGIN_TIME = `formatDateTime(${ORIGIN_TIME_TEXT}, 'o')`;

/**
 * The targets this run delivers to, as comma text: a replay lists the ones still owed, a first delivery
 * the targets of the lead's offer route (by offer id, then display name: `routes` keys are lower case),
 * else every configured target. Recorded on the archive row (`Targets`), read by the gates. Reads the
 * trigger only, so the archive write computes it before anything else ran.
 */
export function runTargets(targets: readonly CrmTarget[], routes: Record<string, CrmTarget[]> = {}): string {
  const all = lit(targets.join(","));
  if (Object.keys(routes).length === 0) return `coalesce(${header(REPLAY_TARGETS_HEADER)}, ${all})`;
  const table = offerTable(Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, v.join(",")])));
  const [byOffer, byName] = offerMatches(table);
  return `coalesce(${header(REPLAY_TARGETS_HEADER)}, ${byOffer}, ${byName}, ${all})`;
}

/** The lead's dedup key, computed once by the expression mapping (with or without the function). */
export const dedupKeyOf = () => `outputs('${ACTION.normalize}')?['DedupKey']`;

/** Compose / Parse JSON / Response support Secure Inputs only, which also hides their outputs. */
export const SECURE_INPUTS = { secureData: { properties: ["inputs"] as Array<"inputs" | "outputs"> } };
/** Query, Select and HTTP-like actions hide both. */
export const SECURE_ALL = { secureData: { properties: ["inputs", "outputs"] as Array<"inputs" | "outputs"> } };
