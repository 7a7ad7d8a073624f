/**
 * Dedup by claim: the first lead of a person, offer and action inserts a row keyed by that identity
 * (Insert fails with 409 on a row that exists: atomic, no scan). When the insert fails the claim is read:
 * another lead's claim made within the window makes this one a duplicate; an older claim, or this lead's
 * own (a replay owns the claim of the lead it replays, `LeadOrigin`), is renewed with its ETag. The window runs
 * from the lead's first arrival (`LeadOriginTime`), not from a replay: a copy dead-lettered before its dedup
 * resolved and replayed after the window is still the duplicate it was (the purge keeps the claims that an
 * undelivered lead's window still covers: function-code/src/retention/purge.ts). Any later claim makes a lead
 * replayed late a duplicate too: the claim remembers only its last holder, so bounding the window after the lead
 * would let a copy whose own claim was overwritten reach the CRMs a second time. A renewal
 * that loses a race (412) fails the run into a dead letter, and its replay then finds the winner's claim.
 * On the common path (a new lead) only the insert runs: the others are skipped, and skipped actions are free.
 * The 409 does not fail Process_lead: a scope fails when its final action does, and the read runs after the
 * failed insert (learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling#scopes).
 */
import { EntityKeys, getEntity, insertEntity, tableCall } from "../../definition/tableActions";
import { RunAfter, WorkflowAction } from "../../definition/types";
import { COLUMN, LEAD_STATUS } from "../../function-code/src/contract";
import { ACTION, dedupKeyOf, LeadWorkflowOptions, ORIGIN, ORIGIN_TIME } from "../names";
import { markAndStop } from "./screening";

/**
 * Delivery starts once dedup is resolved: the claim succeeded (the read is skipped), or the earlier claim
 * was read and found expired or this lead's own. A read that failed stops delivery (dead letter). The claim
 * itself must have run: when anything before it fails, the claim, the read and the check are all Skipped
 * (every successor of a failed action is: learn.microsoft.com/azure/logic-apps/error-exception-handling,
 * "Manage the run after behavior"), and without this line the lead would go out with no claim.
 */
export const DEDUP_RESOLVED: RunAfter = {
  [ACTION.claimDedupKey]: ["Succeeded", "Failed", "TimedOut"],
  [ACTION.readDedupClaim]: ["Succeeded", "Skipped"],
  [ACTION.checkDuplicate]: ["Succeeded", "Skipped"],
};

const CLAIM_KEYS: EntityKeys = { partitionKey: "'v1'", rowKey: dedupKeyOf() };
/** A claim holds its lead's first arrival: a late replay's renewal does not move the window on. */
const CLAIM = { LeadRow: `@{${ORIGIN}}`, ClaimedTime: `@{${ORIGIN_TIME}}` };
const EARLIER = `body('${ACTION.readDedupClaim}')`;

/** The claim, the read of an earlier claim, and the check that decides duplicate or renewal. */
export function dedupActions(options: LeadWorkflowOptions): Record<string, WorkflowAction> {
  const table = options.dedupTableName;
  return {
    [ACTION.claimDedupKey]: insertEntity(table, CLAIM_KEYS, CLAIM, {
      runAfter: { [ACTION.normalize]: ["Succeeded"] },
      description: "Claims the lead's identity; fails with 409 when an earlier lead holds it.",
    }),
    [ACTION.readDedupClaim]: getEntity(table, CLAIM_KEYS, {
      runAfter: { [ACTION.claimDedupKey]: ["Failed", "TimedOut"] },
      description: "The claim exists (or the insert's answer was lost): reads it.",
    }),
    [ACTION.checkDuplicate]: checkDuplicate(options),
  };
}

/** Another lead's recent claim: mark the lead duplicate and stop. Else take the claim over (ETag-conditioned). */
function checkDuplicate(options: LeadWorkflowOptions): WorkflowAction {
  return {
    type: "If",
    description: `A claim of another lead made within ${options.dedupWindowDays} days makes this lead a duplicate.`,
    runAfter: { [ACTION.readDedupClaim]: ["Succeeded"] },
    expression: {
      and: [
        { not: { equals: [`@${EARLIER}?['LeadRow']`, `@${ORIGIN}`] } },
        { greater: [`@${EARLIER}?['ClaimedTime']`, `@addDays(${ORIGIN_TIME}, -${options.dedupWindowDays})`] },
      ],
    },
    actions: markAndStop(
      options.archiveTableName,
      [ACTION.markDuplicate, "Records the lead as a duplicate of the lead that holds the claim."],
      [ACTION.stopDuplicate, "Ends the run successfully: the lead is archived and answered, not delivered again."],
      {
        [COLUMN.status]: LEAD_STATUS.duplicate,
        [COLUMN.duplicateOf]: `@{${EARLIER}?['LeadRow']}`,
        [COLUMN.dedupKey]: `@{${dedupKeyOf()}}`,
        ProcessedTime: "@{utcNow()}",
      },
    ),
    else: {
      actions: {
        [ACTION.renewDedupClaim]: tableCall(
          {
            method: "PUT",
            table: options.dedupTableName,
            keys: CLAIM_KEYS,
            body: { ...CLAIM },
            ifMatch: `@{outputs('${ACTION.readDedupClaim}')?['headers']?['ETag']}`,
          },
          { runAfter: {}, description: "Takes over an expired (or this lead's own) claim, if nobody else did." },
        ),
      },
    },
  };
}
