/**
 * The lead workflow, phase by phase as the run history shows it (workflow/phases/): the trigger and
 * parameters, the archive write and the answer, the screening Switch whose default case processes the lead
 * (normalize, dedup claim, delivery with its ledger), and the dead-letter chain.
 */
import { CrmTarget } from "../config/settings";
import { apisFor, ManagedApi } from "../targets";
import { sortKeysDeep } from "../definition/stableJson";
import { WDL_SCHEMA, WorkflowDefinition } from "../definition/types";
import { TARGET_ACTION } from "./crmActions";
import { ACTION, LeadWorkflowOptions } from "./names";
import { archiveAndAnswer } from "./phases/archive";
import { deadLetterChain } from "./phases/deadLetter";
import { leadTrigger, workflowParameters } from "./phases/parameters";
import { processCase } from "./phases/process";
import { screenLead } from "./phases/screening";

export { ACTION, ARCHIVE_KEYS, gateName, recordName, runTargets } from "./names";
export type { LeadWorkflowOptions } from "./names";
export { TEST_LEAD_PREFIX } from "./leadScreening";
// The contract with the function app (replay) and the operator commands: defined there, used here.
export {
  LEAD_STATUS,
  ORIGIN_HEADER,
  REPLAY_OF_HEADER,
  REPLAY_TARGETS_HEADER,
  sentColumn,
  TRIGGER_NAME,
} from "../function-code/src/contract";

/** The definition and what deploying it needs besides. */
export interface LeadWorkflow {
  definition: WorkflowDefinition;
  /** Managed connectors the definition calls through `$connections`. */
  apis: ManagedApi[];
  /** CRM targets, in action order. */
  targets: CrmTarget[];
}

/**
 * Builds the lead workflow: archive first, answer Partner Center, set aside the test lead and the lead
 * nobody can contact, then deliver to each CRM target with retries, each success recorded on the archive
 * row; a failure marks the row `dead-letter` and fails the run (alertable). Pure: the result depends on
 * `options` only, keys sorted for stable diffs. Every executed action is billed, so the common paths run
 * as few as the promises allow (a test lead: trigger, archive, answer, screen, mark, stop).
 */
export function buildLeadWorkflow(options: LeadWorkflowOptions): LeadWorkflow {
  const targets = (Object.keys(TARGET_ACTION) as CrmTarget[]).filter((t) => options[t] !== undefined);
  const definition: WorkflowDefinition = {
    $schema: WDL_SCHEMA,
    contentVersion: "1.0.0.0",
    parameters: workflowParameters(options),
    triggers: leadTrigger(),
    actions: {
      ...archiveAndAnswer(options, targets),
      [ACTION.screen]: screenLead(options, processCase(options, targets)),
      ...deadLetterChain(options.archiveTableName, targets, options.normalizerFunction === true),
    },
    outputs: {},
  };
  return { definition: sortKeysDeep(definition), apis: apisFor(targets), targets };
}
