import { CrmTarget } from "../config/settings";
import { ORIGIN_HEADER, REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER } from "../function-code/src/replay/headers";
import { apisFor, ManagedApi } from "../targets";
import { crmActions, CrmOptions, microsoftTableColumns, TARGET_ACTION, targetRecordId } from "./crmActions";
import { lit, TABLE_TEXT_LIMIT } from "../definition/expressions";
import { fromTrigger, hasContact, isTestLead, normalizedLead, TEST_LEAD_PREFIX } from "./leadScreening";
import { triggerLeadSchema } from "./leadSchema";
import { sortKeysDeep } from "../definition/stableJson";
import {
  ARCHIVE_RETRY,
  ARCHIVE_TIMEOUT,
  EntityKeys,
  getEntity,
  IDENTITY_PARAMETER,
  insertEntity,
  mergeEntity,
  TABLE_ENDPOINT_PARAMETER,
  tableCall,
  upsertEntity,
} from "../definition/tableActions";
import {
  RetryPolicy,
  RunAfter,
  WDL_SCHEMA,
  WorkflowAction,
  WorkflowDefinition,
  WorkflowParameter,
} from "../definition/types";

/** Name of the Request trigger: part of the callback URL (`/triggers/manual/paths/invoke`). */
export const TRIGGER_NAME = "manual";

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
  process: "Process_lead",
  normalize: "Normalize_lead",
  normalizeFunction: "Normalize_lead_function",
  plainMapping: "Plain_mapping",
  claimDedupKey: "Claim_dedup_key",
  readDedupClaim: "Read_dedup_claim",
  checkDuplicate: "Check_duplicate",
  markDuplicate: "Mark_duplicate",
  stopDuplicate: "Stop_duplicate",
  renewDedupClaim: "Renew_dedup_claim",
  markDelivered: "Mark_delivered",
  deliveryReport: "Delivery_report",
  collectFailures: "Collect_failures",
  listFailedActions: "List_failed_actions",
  failedTargets: "Failed_targets",
  listFailedTargets: "List_failed_targets",
  markDeadLetter: "Mark_dead_letter",
  failRun: "Fail_run",
} as const;

/** Values of the archive row's `Status` column. */
export const LEAD_STATUS = {
  received: "received",
  test: "test",
  incomplete: "incomplete",
  delivered: "delivered",
  archivedOnly: "archived",
  deadLetter: "dead-letter",
  duplicate: "duplicate",
} as const;

// Replay headers: defined with the replay code (function-code), read here by the workflow.
export { ORIGIN_HEADER, REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER };

/** Name of the If action that gates a target (skipped on a replay that does not list it). */
export const gateName = (target: CrmTarget) => `Send_to_${target}`;
/** Name of the action that records a target's success on the archive row (the delivery ledger). */
export const recordName = (target: CrmTarget) => `Record_${target}`;
/** Ledger column of a target: the CRM's record id (or `sent`) once the target has the lead. */
export const sentColumn = (target: CrmTarget) => `Sent_${target}`;

export { TEST_LEAD_PREFIX };

/** Everything the definition depends on. Plain data: the same options render offline and deploy. */
export interface LeadWorkflowOptions {
  archiveTableName: string;
  /** Table of dedup claims (one row per person, offer and action). */
  dedupTableName: string;
  /** Days within which the same person, offer and action is a duplicate. */
  dedupWindowDays: number;
  /** `archive`: a lead with no e-mail, phone or name is archived as `incomplete`, not delivered. */
  incompleteLeads: "archive" | "deliver";
  dataverse?: { url: string };
  salesforce?: { leadSource: string };
  email?: { to: string };
  webhook?: { secretHeader: string };
  azureTable?: { tableName: string };
  crmRetry: { count: number; interval: string; maximumInterval: string };
  /**
   * Normalize leads with the function app (function-code/) instead of workflow expressions alone.
   * The expression mapping stays as the fallback when the function fails.
   */
  normalizerFunction?: boolean;
}

/** The definition and what deploying it needs besides. */
export interface LeadWorkflow {
  definition: WorkflowDefinition;
  /** Managed connectors the definition calls through `$connections`. */
  apis: ManagedApi[];
  /** CRM targets, in action order. */
  targets: CrmTarget[];
}

/** Keys of a lead's archive row: one partition per month, the run id as row key (unique per lead). */
export const ARCHIVE_KEYS: EntityKeys = {
  partitionKey: `formatDateTime(trigger()?['startTime'], 'yyyy-MM')`,
  rowKey: `workflow()?['run']?['name']`,
};

const header = (name: string) => `triggerOutputs()?['headers']?['${name}']`;
/** `<PartitionKey>/<RowKey>` of this run's archive row. */
const THIS_ROW = `concat(${ARCHIVE_KEYS.partitionKey}, '/', ${ARCHIVE_KEYS.rowKey})`;
/** The row of the lead as first received: a replay names it, a first delivery is it. */
const ORIGIN = `coalesce(${header(ORIGIN_HEADER)}, ${THIS_ROW})`;

/**
 * The targets this run delivers to, as comma text: a replay lists the ones still owed, a first
 * delivery means every configured target. Recorded on the archive row (`Targets`), read by the gates.
 */
export function runTargets(targets: readonly CrmTarget[]): string {
  return `coalesce(${header(REPLAY_TARGETS_HEADER)}, ${lit(targets.join(","))})`;
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
    triggers: {
      [TRIGGER_NAME]: {
        type: "Request",
        kind: "Http",
        description: "Partner Center POSTs each lead here (the HTTPS endpoint URL of the offer's lead settings).",
        inputs: { method: "POST", schema: triggerLeadSchema() },
        // Refuses bodies that are not JSON objects with 400; the schema enforces nothing else.
        operationOptions: "EnableSchemaValidation",
        runtimeConfiguration: { secureData: { properties: ["outputs"] } },
      },
    },
    actions: {
      ...archiveAndAnswer(options, targets),
      [ACTION.screen]: screenLead(options),
      ...(options.normalizerFunction ? { [ACTION.normalizeFunction]: normalizerCall() } : {}),
      [ACTION.process]: processScope(options, targets),
      ...deadLetterChain(options.archiveTableName, targets),
    },
    outputs: {},
  };
  return { definition: sortKeysDeep(definition), apis: apisFor(targets), targets };
}

/** What the lead is, from its fields as received: `test`, `incomplete` (no contact) or `received`. */
function screeningStatus(options: LeadWorkflowOptions): string {
  const incomplete =
    options.incompleteLeads === "archive"
      ? `if(${hasContact(fromTrigger)}, '${LEAD_STATUS.received}', '${LEAD_STATUS.incomplete}')`
      : `'${LEAD_STATUS.received}'`;
  return `if(${isTestLead(fromTrigger)}, '${LEAD_STATUS.test}', ${incomplete})`;
}

/** Phase 1: the archive write, the answer to Partner Center, and the stop when the lead is not archived. */
function archiveAndAnswer(options: LeadWorkflowOptions, targets: CrmTarget[]): Record<string, WorkflowAction> {
  const archived = `equals(actions('${ACTION.archive}')?['status'], 'Succeeded')`;
  const answered: RunAfter = { [ACTION.respond]: ["Succeeded", "Failed", "TimedOut"] };
  const row = {
    // Decided later (Screen_lead): nothing that reads the lead's fields may keep it from being archived.
    Status: LEAD_STATUS.received,
    ReceivedTime: "@{trigger()?['startTime']}",
    LeadJson: `@{take(string(triggerBody()), ${TABLE_TEXT_LIMIT})}`,
    LeadJsonTruncated: `@greater(length(string(triggerBody())), ${TABLE_TEXT_LIMIT})`,
    ReplayOf: `@{coalesce(${header(REPLAY_OF_HEADER)}, '')}`,
    LeadOrigin: `@{${ORIGIN}}`,
    Targets: `@{${runTargets(targets)}}`,
    ...microsoftTableColumns(),
  };
  return {
    [ACTION.archive]: upsertEntity(options.archiveTableName, ARCHIVE_KEYS, row, {
      runAfter: {},
      description: "Archives the raw lead before anything else, so no lead is lost whatever fails later.",
      retryPolicy: ARCHIVE_RETRY,
      timeout: ARCHIVE_TIMEOUT,
    }),
    [ACTION.respond]: {
      type: "Response",
      kind: "Http",
      description: "Answers Partner Center as soon as the lead is archived (500 if it could not be).",
      runAfter: { [ACTION.archive]: ["Succeeded", "Failed", "TimedOut"] },
      inputs: {
        statusCode: `@if(${archived}, 200, 500)`,
        headers: { "Content-Type": "application/json" },
        body: {
          status: `@{if(${archived}, 'accepted', 'not-archived')}`,
          runId: "@{workflow()?['run']?['name']}",
        },
      },
    },
    [ACTION.stopUnarchived]: {
      type: "Terminate",
      description: "No CRM is called for a lead that is not archived.",
      runAfter: { ...answered, [ACTION.archive]: ["Failed", "TimedOut"] },
      inputs: {
        runStatus: "Failed",
        runError: {
          code: "LeadNotArchived",
          message:
            "The lead could not be archived, so no CRM was called. It is kept in this run's trigger outputs: resubmit the run once storage is back.",
        },
      },
    },
  };
}

/**
 * Phase 2: the Validate test lead and (unless `incompleteLeads` is `deliver`) the lead with no e-mail,
 * phone or name end here, successfully: archived with their status, answered, never delivered.
 */
function screenLead(options: LeadWorkflowOptions): WorkflowAction {
  const setAside = [
    {
      branch: "Test_lead",
      status: LEAD_STATUS.test,
      mark: [ACTION.markTestLead, "Records Partner Center's Validate test lead as such; it never reaches a CRM."],
      stop: [ACTION.stopTestLead, "Ends the run successfully: a test lead is archived and answered, not delivered."],
    },
    ...(options.incompleteLeads === "archive"
      ? [
          {
            branch: "Incomplete_lead",
            status: LEAD_STATUS.incomplete,
            mark: [ACTION.markIncomplete, "Records the lead as incomplete: no e-mail, phone or name to follow up."],
            stop: [
              ACTION.stopIncomplete,
              "Ends the run successfully: the lead is archived and answered, not delivered.",
            ],
          },
        ]
      : []),
  ] as const;
  const cases = Object.fromEntries(
    setAside.map(({ branch, status, mark, stop }) => [
      branch,
      {
        case: status,
        actions: markAndStop(options.archiveTableName, [mark[0], mark[1]], [stop[0], stop[1]], {
          Status: status,
          ProcessedTime: "@{utcNow()}",
        }),
      },
    ]),
  );
  return {
    type: "Switch",
    description:
      "Sets aside the Validate test lead and the lead nobody can contact: archived, answered, not delivered.",
    runAfter: { [ACTION.respond]: ["Succeeded", "Failed", "TimedOut"], [ACTION.archive]: ["Succeeded"] },
    expression: `@{${screeningStatus(options)}}`,
    cases,
    default: { actions: {} },
  };
}

/**
 * Phase 3: normalize, drop duplicates, then deliver to each target of this run and record each success
 * on the archive row.
 */
function processScope(options: LeadWorkflowOptions, targets: CrmTarget[]): WorkflowAction {
  const table = options.archiveTableName;
  const retry: RetryPolicy = { type: "exponential", ...options.crmRetry };
  const crmOptions: CrmOptions = { ...options, retry, normalizeAction: ACTION.normalize, keys: ARCHIVE_KEYS };
  const delivery = deliveryActions(targets, crmActions(crmOptions, {}), table);
  const single = targets.length === 1 ? targets[0] : undefined;
  return {
    type: "Scope",
    description: "Normalizes the lead, drops a duplicate, and delivers it to every CRM target it is owed to.",
    runAfter: {
      [ACTION.screen]: ["Succeeded"],
      // The function is optional: whatever its outcome, the expression mapping takes over.
      ...(options.normalizerFunction ? { [ACTION.normalizeFunction]: ["Succeeded", "Failed", "TimedOut"] } : {}),
    },
    actions: {
      ...normalizeActions(options.normalizerFunction === true),
      ...dedupActions(options),
      ...delivery,
      [ACTION.markDelivered]: mergeEntity(
        table,
        ARCHIVE_KEYS,
        {
          Status: targets.length > 0 ? LEAD_STATUS.delivered : LEAD_STATUS.archivedOnly,
          DeliveredTargets: `@{${runTargets(targets)}}`,
          DedupKey: `@{${dedupKeyOf()}}`,
          ProcessedTime: "@{utcNow()}",
          // One target: this write is its ledger entry (no separate record action to pay for).
          ...(single && { [sentColumn(single)]: `@{${targetRecordId(single)}}` }),
          ...(options.normalizerFunction && {
            Normalizer: `@{if(${functionUsable()}, 'function', 'expressions')}`,
            NormalizerError: `@{if(${functionUsable()}, '', take(string(coalesce(actions('${ACTION.normalizeFunction}')?['error'], actions('${ACTION.normalizeFunction}')?['outputs']?['body'], '')), 4000))}`,
          }),
        },
        {
          runAfter:
            targets.length > 0
              ? Object.fromEntries(Object.keys(delivery).map((n) => [n, ["Succeeded"]]))
              : DEDUP_RESOLVED,
          description: "Marks the archived lead delivered to every target of this run.",
        },
      ),
    },
  };
}

/** Compose / Parse JSON / Response support Secure Inputs only, which also hides their outputs. */
const SECURE_INPUTS = { secureData: { properties: ["inputs"] as Array<"inputs" | "outputs"> } };
/** Query, Select and HTTP-like actions hide both. */
const SECURE_ALL = { secureData: { properties: ["inputs", "outputs"] as Array<"inputs" | "outputs"> } };

/** The lead's dedup key, computed once by the expression mapping (with or without the function). */
const dedupKeyOf = () => `outputs('${ACTION.normalize}')?['DedupKey']`;

/**
 * Delivery starts once dedup is resolved: the claim succeeded (the read is skipped), or the earlier claim
 * was read and found expired or this lead's own. A read that failed stops delivery (dead letter).
 */
const DEDUP_RESOLVED: RunAfter = {
  [ACTION.readDedupClaim]: ["Succeeded", "Skipped"],
  [ACTION.checkDuplicate]: ["Succeeded", "Skipped"],
};

/**
 * Dedup by claim: the first lead of a person, offer and action inserts a row keyed by that identity
 * (Insert fails with 409 on a row that exists: atomic, no scan). When the insert fails the claim is read:
 * another lead's claim made within the window makes this one a duplicate; an older claim, or this lead's
 * own (a replay owns the claim of the lead it replays, `LeadOrigin`), is renewed with its ETag. A renewal
 * that loses a race (412) fails the run into a dead letter, and its replay then finds the winner's claim.
 * On the common path (a new lead) only the insert runs: the others are skipped, and skipped actions are free.
 * The 409 does not fail Process_lead: a scope fails when its final action does, and the read runs after the
 * failed insert (learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling#scopes).
 */
function dedupActions(options: LeadWorkflowOptions): Record<string, WorkflowAction> {
  const table = options.dedupTableName;
  const keys: EntityKeys = { partitionKey: "'v1'", rowKey: dedupKeyOf() };
  const claim = { LeadRow: `@{${ORIGIN}}`, ClaimedTime: "@{utcNow()}" };
  const earlier = `body('${ACTION.readDedupClaim}')`;
  return {
    [ACTION.claimDedupKey]: insertEntity(table, keys, claim, {
      runAfter: { [ACTION.normalize]: ["Succeeded"] },
      description: "Claims the lead's identity; fails with 409 when an earlier lead holds it.",
    }),
    [ACTION.readDedupClaim]: getEntity(table, keys, {
      runAfter: { [ACTION.claimDedupKey]: ["Failed", "TimedOut"] },
      description: "The claim exists (or the insert's answer was lost): reads it.",
    }),
    [ACTION.checkDuplicate]: {
      type: "If",
      description: `A claim of another lead made within ${options.dedupWindowDays} days makes this lead a duplicate.`,
      runAfter: { [ACTION.readDedupClaim]: ["Succeeded"] },
      expression: {
        and: [
          { not: { equals: [`@${earlier}?['LeadRow']`, `@${ORIGIN}`] } },
          { greater: [`@${earlier}?['ClaimedTime']`, `@addDays(utcNow(), -${options.dedupWindowDays})`] },
        ],
      },
      actions: markAndStop(
        options.archiveTableName,
        [ACTION.markDuplicate, "Records the lead as a duplicate of the lead that holds the claim."],
        [ACTION.stopDuplicate, "Ends the run successfully: the lead is archived and answered, not delivered again."],
        {
          Status: LEAD_STATUS.duplicate,
          DuplicateOf: `@{${earlier}?['LeadRow']}`,
          DedupKey: `@{${dedupKeyOf()}}`,
          ProcessedTime: "@{utcNow()}",
        },
      ),
      else: {
        actions: {
          [ACTION.renewDedupClaim]: tableCall(
            {
              method: "PUT",
              table,
              keys,
              body: { ...claim },
              ifMatch: `@{outputs('${ACTION.readDedupClaim}')?['headers']?['ETag']}`,
            },
            { runAfter: {}, description: "Takes over an expired (or this lead's own) claim, if nobody else did." },
          ),
        },
      },
    },
  };
}

/**
 * The CRM calls. With several targets, each is wrapped in an If that sends the lead when this run owes
 * it to that target, then records the success on the archive row (`Sent_<target>`): a replay re-sends
 * only what is owed. With one target a replay owes it or nothing (the replay repairs the row without
 * sending), so the call needs no gate and `Mark_delivered` is its record.
 */
function deliveryActions(
  targets: CrmTarget[],
  actions: Record<string, WorkflowAction>,
  table: string,
): Record<string, WorkflowAction> {
  if (targets.length === 1) {
    const name = TARGET_ACTION[targets[0]];
    return { [name]: { ...actions[name], runAfter: DEDUP_RESOLVED } };
  }
  const gated: Record<string, WorkflowAction> = {};
  for (const target of targets) {
    const name = TARGET_ACTION[target];
    gated[gateName(target)] = {
      type: "If",
      description: `Sends the lead to ${target} and records it, unless this run does not owe it to ${target}.`,
      runAfter: DEDUP_RESOLVED,
      expression: { contains: [`@split(${runTargets(targets)}, ',')`, target] },
      actions: {
        [name]: { ...actions[name], runAfter: {} },
        [recordName(target)]: mergeEntity(
          table,
          ARCHIVE_KEYS,
          { [sentColumn(target)]: `@{${targetRecordId(target)}}`, [`${sentColumn(target)}Time`]: "@{utcNow()}" },
          {
            runAfter: { [name]: ["Succeeded"] },
            description: `Records on the archive row that ${target} has the lead.`,
          },
        ),
      },
      else: { actions: {} },
    };
  }
  return gated;
}

/**
 * Phase 3, when processing failed: a report of every step, the failed ones, and the archive row marked
 * `dead-letter` with what failed and what was delivered (so a replay sends only what is owed).
 */
function deadLetterChain(table: string, targets: CrmTarget[]): Record<string, WorkflowAction> {
  const steps = [ACTION.screen, ACTION.normalize, ACTION.claimDedupKey, ACTION.readDedupClaim, ACTION.checkDuplicate];
  return {
    [ACTION.deliveryReport]: {
      type: "Compose",
      description: "Status and error of each step of Process_lead, CRM calls included (read with actions()).",
      // Skipped: the screening failed on fields it cannot read (the lead is archived, so it is dead-lettered).
      runAfter: { [ACTION.process]: ["Failed", "TimedOut", "Skipped"], [ACTION.archive]: ["Succeeded"] },
      inputs: [
        ...steps.map((name) => reportEntry(name, "")),
        ...targets.flatMap((t) => [
          reportEntry(TARGET_ACTION[t], t),
          ...(targets.length > 1 ? [reportEntry(recordName(t), "")] : []),
        ]),
        reportEntry(ACTION.markDelivered, ""),
      ],
      runtimeConfiguration: SECURE_INPUTS,
    },
    [ACTION.collectFailures]: {
      type: "Query",
      description: "The steps that failed or timed out, with their errors.",
      runAfter: { [ACTION.deliveryReport]: ["Succeeded"] },
      inputs: {
        from: `@outputs('${ACTION.deliveryReport}')`,
        where: "@or(equals(item()?['status'], 'Failed'), equals(item()?['status'], 'TimedOut'))",
      },
      runtimeConfiguration: SECURE_ALL,
    },
    [ACTION.listFailedActions]: select(
      "Names of the failed steps.",
      `@body('${ACTION.collectFailures}')`,
      "@item()?['name']",
      { [ACTION.collectFailures]: ["Succeeded"] },
    ),
    [ACTION.failedTargets]: {
      type: "Query",
      description: "The failed steps that are CRM calls.",
      runAfter: { [ACTION.listFailedActions]: ["Succeeded"] },
      inputs: { from: `@body('${ACTION.collectFailures}')`, where: "@not(empty(item()?['target']))" },
      runtimeConfiguration: SECURE_ALL,
    },
    [ACTION.listFailedTargets]: select("Their targets.", `@body('${ACTION.failedTargets}')`, "@item()?['target']", {
      [ACTION.failedTargets]: ["Succeeded"],
    }),
    [ACTION.markDeadLetter]: mergeEntity(
      table,
      ARCHIVE_KEYS,
      {
        Status: LEAD_STATUS.deadLetter,
        FailedActions: `@{join(body('${ACTION.listFailedActions}'), ',')}`,
        FailedTargets: `@{join(body('${ACTION.listFailedTargets}'), ',')}`,
        DeliveredTargets: `@{${deliveredTargets(targets)}}`,
        LastError: `@{take(string(body('${ACTION.collectFailures}')), ${TABLE_TEXT_LIMIT})}`,
        ProcessedTime: "@{utcNow()}",
      },
      {
        runAfter: { [ACTION.listFailedTargets]: ["Succeeded"] },
        description: "Dead-letters the archived lead: kept with its error until it is replayed.",
      },
    ),
    [ACTION.failRun]: {
      type: "Terminate",
      description: "Fails the run so that failed-run alerts fire.",
      runAfter: { [ACTION.markDeadLetter]: ["Succeeded", "Failed", "TimedOut"] },
      inputs: {
        runStatus: "Failed",
        runError: {
          code: "LeadDeadLettered",
          message:
            `Delivery failed after retries in: @{join(body('${ACTION.listFailedActions}'), ', ')}. ` +
            `The lead is archived in table ${table} with Status '${LEAD_STATUS.deadLetter}'; replay it once the target is back.`,
        },
      },
    },
  };
}

/** The definition's parameters: connections, storage and identity, and per option what it calls. */
function workflowParameters(options: LeadWorkflowOptions): Record<string, WorkflowParameter> {
  const parameters: Record<string, WorkflowParameter> = {
    $connections: { type: "Object", defaultValue: {} },
    [TABLE_ENDPOINT_PARAMETER]: {
      type: "String",
      metadata: { description: "Table service endpoint of the archive's storage account (with a trailing '/')." },
    },
    [IDENTITY_PARAMETER]: {
      type: "String",
      metadata: {
        description: "ARM id of the workflow's user-assigned managed identity (storage and function calls).",
      },
    },
  };
  if (options.normalizerFunction) {
    parameters.normalizerUrl = { type: "String", metadata: { description: "URL of the normalizeLead function." } };
    parameters.normalizerAudience = {
      type: "String",
      metadata: { description: "Token audience the function app's authentication accepts." },
    };
  }
  if (options.webhook) {
    parameters.webhookUrl = { type: "String", metadata: { description: "Webhook target URL." } };
    parameters.webhookSecret = {
      type: "SecureString",
      metadata: { description: "Secret sent in the webhook's secret header." },
    };
  }
  return parameters;
}

/** Comma text of the targets whose call succeeded in this run: a replay never re-sends to them. */
function deliveredTargets(targets: CrmTarget[]): string {
  if (targets.length === 0) return "''";
  const each = targets.map((t) => `if(equals(actions('${TARGET_ACTION[t]}')?['status'], 'Succeeded'), ',${t}', '')`);
  // `,a,b` or ``, then the leading comma dropped. Not if()+substring(): if() evaluates both branches.
  const list = `concat('^', ${each.join(", ")})`;
  return `replace(replace(${list}, '^,', ''), '^', '')`;
}

/** A Select over an earlier action's array; its items carry step errors, so both sides are hidden. */
function select(description: string, from: string, selectExpr: string, runAfter: RunAfter): WorkflowAction {
  return {
    type: "Select",
    description,
    runAfter,
    inputs: { from, select: selectExpr },
    runtimeConfiguration: SECURE_ALL,
  };
}

/** One entry of the delivery report: a step's status and error, read with actions() at any depth. */
function reportEntry(action: string, target: string): Record<string, string> {
  const status = `coalesce(actions('${action}')?['status'], 'NotRun')`;
  return {
    name: action,
    target,
    status: `@{${status}}`,
    error: `@{coalesce(actions('${action}')?['error']?['message'], actions('${action}')?['outputs']?['body'], '')}`,
  };
}

/**
 * Records why a lead goes no further (test lead, incomplete, duplicate) on its archive row, then ends
 * the run successfully: the lead is archived and answered, and deliberately not delivered.
 */
function markAndStop(
  table: string,
  [markName, markDescription]: [string, string],
  [stopName, stopDescription]: [string, string],
  properties: Record<string, unknown>,
): Record<string, WorkflowAction> {
  return {
    [markName]: mergeEntity(table, ARCHIVE_KEYS, properties, { runAfter: {}, description: markDescription }),
    [stopName]: {
      type: "Terminate",
      description: stopDescription,
      runAfter: { [markName]: ["Succeeded"] },
      inputs: { runStatus: "Succeeded" },
    },
  };
}

/** The function's answer is used when it succeeded and carries the CRM fields. */
function functionUsable(): string {
  return `and(equals(actions('${ACTION.normalizeFunction}')?['status'], 'Succeeded'), not(empty(body('${ACTION.normalizeFunction}')?['crm'])))`;
}

/**
 * Calls the function app's normalizeLead with the raw lead as the workflow's managed identity: the
 * function is anonymous behind App Service authentication, so no function key exists anywhere
 * (learn.microsoft.com/azure/logic-apps/call-azure-functions-from-workflows, "Enable authentication for
 * Azure function calls (Consumption workflows only)"). Brief retries: the lead waits for nothing.
 */
function normalizerCall(): WorkflowAction {
  return {
    type: "Http",
    description: "Validates and normalizes the lead in the function app (function-code/); optional, with a fallback.",
    runAfter: { [ACTION.screen]: ["Succeeded"] },
    inputs: {
      method: "POST",
      uri: "@parameters('normalizerUrl')",
      headers: { "Content-Type": "application/json" },
      body: "@triggerBody()",
      authentication: {
        type: "ManagedServiceIdentity",
        identity: `@parameters('${IDENTITY_PARAMETER}')`,
        audience: "@parameters('normalizerAudience')",
      },
      retryPolicy: { type: "fixed", count: 2, interval: "PT5S" },
    },
    limit: { timeout: "PT30S" },
    runtimeConfiguration: SECURE_ALL,
  };
}

/**
 * `Normalize_lead`: the expression mapping, or (with the function app) the function's `crm` fields,
 * falling back to the expression mapping (`Plain_mapping`) when the function failed.
 */
function normalizeActions(useFunction: boolean): Record<string, WorkflowAction> {
  const description = "The lead's fields, trimmed, whatever the casing of the keys Partner Center sent.";
  const mapping = (runAfter: RunAfter): WorkflowAction => ({
    type: "Compose",
    description,
    runAfter,
    inputs: normalizedLead(),
    runtimeConfiguration: SECURE_INPUTS,
  });
  if (!useFunction) return { [ACTION.normalize]: mapping({}) };
  return {
    [ACTION.plainMapping]: mapping({}),
    [ACTION.normalize]: {
      type: "Compose",
      description: "The function's normalized fields when it succeeded, else the expression mapping.",
      runAfter: { [ACTION.plainMapping]: ["Succeeded"] },
      // The dedup key always comes from the expression mapping, so a lead has one key with or without the function.
      // if() evaluates both branches: setProperty() must never see null.
      inputs: `@if(${functionUsable()}, setProperty(coalesce(body('${ACTION.normalizeFunction}')?['crm'], json('{}')), 'DedupKey', outputs('${ACTION.plainMapping}')?['DedupKey']), outputs('${ACTION.plainMapping}'))`,
      runtimeConfiguration: SECURE_INPUTS,
    },
  };
}
