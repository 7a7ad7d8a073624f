import { CrmTarget } from "../config/settings";
import { REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER } from "../function-code/src/replay/replayDeadLetters";
import { apisFor, ManagedApi } from "./connections";
import { crmActions, CrmOptions, microsoftTableColumns, TARGET_ACTION } from "./crmActions";
import { at, field, LEAD_FIELDS, lit, rawLeadField, rawUserField, TABLE_TEXT_LIMIT, USER_FIELDS } from "./expressions";
import { triggerLeadSchema } from "./leadSchema";
import { sortKeysDeep } from "./stableJson";
import { EntityKeys, mergeEntity, queryEntities, upsertEntity } from "./tableActions";
import { RetryPolicy, RunAfter, WDL_SCHEMA, WorkflowAction, WorkflowDefinition, WorkflowParameter } from "./wdl";

/** Name of the Request trigger: part of the callback URL (`/triggers/manual/paths/invoke`). */
export const TRIGGER_NAME = "manual";

/** Names of the fixed actions; they show in the run history and in alerts. */
export const ACTION = {
  archive: "Archive_raw_lead",
  respond: "Respond",
  stopUnarchived: "Stop_unarchived_lead",
  process: "Process_lead",
  normalize: "Normalize_lead",
  normalizeFunction: "Normalize_lead_function",
  plainMapping: "Plain_mapping",
  checkTestLead: "Check_test_lead",
  markTestLead: "Mark_test_lead",
  stopTestLead: "Stop_test_lead",
  markDelivered: "Mark_delivered",
  findEarlierDelivery: "Find_earlier_delivery",
  checkDuplicate: "Check_duplicate",
  markDuplicate: "Mark_duplicate",
  stopDuplicate: "Stop_duplicate",
  replayTargets: "Replay_targets",
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
  delivered: "delivered",
  archivedOnly: "archived",
  deadLetter: "dead-letter",
  duplicate: "duplicate",
} as const;

// Replay headers: defined with the replay code (function-code), read here by the workflow.
export { REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER };

/** Name of the If action that gates a target (skipped on a replay that does not list it). */
export const gateName = (target: CrmTarget) => `Send_to_${target}`;

/** Prefix of every field of Partner Center's "Validate" test lead. */
export const TEST_LEAD_PREFIX = "MSFT_TEST";

/** Everything the definition depends on. Plain data: the same options render offline and deploy. */
export interface LeadWorkflowOptions {
  archiveTableName: string;
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

/**
 * Builds the lead workflow: archive first, answer Partner Center, then deliver to every CRM target
 * with retries; a failure marks the archived row `dead-letter` and fails the run (alertable).
 * Pure: the result depends on `options` only, with keys sorted for stable diffs.
 */
export function buildLeadWorkflow(options: LeadWorkflowOptions): LeadWorkflow {
  const targets = (Object.keys(TARGET_ACTION) as CrmTarget[]).filter((t) => options[t] !== undefined);
  const table = options.archiveTableName;
  const retry: RetryPolicy = {
    type: "exponential",
    count: options.crmRetry.count,
    interval: options.crmRetry.interval,
    maximumInterval: options.crmRetry.maximumInterval,
  };
  const crmOptions: CrmOptions = { ...options, retry, normalizeAction: ACTION.normalize, keys: ARCHIVE_KEYS };
  // With the function's dedup key, a lead already delivered is not delivered again.
  const deliveryGate = options.normalizerFunction ? ACTION.checkDuplicate : ACTION.checkTestLead;
  const crm = gatedCrmActions(targets, crmActions(crmOptions, {}), deliveryGate);
  const afterCrm: RunAfter =
    targets.length > 0
      ? Object.fromEntries(targets.map((t) => [gateName(t), ["Succeeded"]]))
      : { [deliveryGate]: ["Succeeded"] };
  const archived = `equals(actions('${ACTION.archive}')?['status'], 'Succeeded')`;
  const replayHeader = `coalesce(triggerOutputs()?['headers']?['${REPLAY_TARGETS_HEADER}'], '')`;
  const answered: RunAfter = { [ACTION.respond]: ["Succeeded", "Failed", "TimedOut"] };

  const actions: Record<string, WorkflowAction> = {
    [ACTION.archive]: upsertEntity(
      table,
      ARCHIVE_KEYS,
      {
        Status: LEAD_STATUS.received,
        ReceivedTime: "@{trigger()?['startTime']}",
        LeadJson: `@{take(string(triggerBody()), ${TABLE_TEXT_LIMIT})}`,
        LeadJsonTruncated: `@greater(length(string(triggerBody())), ${TABLE_TEXT_LIMIT})`,
        ReplayOf: `@{coalesce(triggerOutputs()?['headers']?['${REPLAY_OF_HEADER}'], '')}`,
        ...microsoftTableColumns(),
      },
      {},
      "Archives the raw lead before anything else, so no lead is lost whatever fails later.",
    ),
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
    ...(options.normalizerFunction ? { [ACTION.normalizeFunction]: normalizerCall() } : {}),
    [ACTION.process]: {
      type: "Scope",
      description: "Normalizes the lead, sets the Validate test lead aside, and delivers it to every CRM target.",
      runAfter: {
        ...answered,
        [ACTION.archive]: ["Succeeded"],
        // The function is optional: whatever its outcome, the expression mapping takes over.
        ...(options.normalizerFunction ? { [ACTION.normalizeFunction]: ["Succeeded", "Failed", "TimedOut"] } : {}),
      },
      actions: {
        ...normalizeActions(options.normalizerFunction === true),
        [ACTION.replayTargets]: {
          type: "Compose",
          description: "On a replay, the targets to send the lead to again; otherwise empty (all targets).",
          runAfter: {},
          // if() evaluates both branches (as in Azure): split() must never see null.
          inputs: `@if(empty(${replayHeader}), json('[]'), split(${replayHeader}, ','))`,
        },
        [ACTION.checkTestLead]: {
          type: "If",
          description: "Partner Center's Validate button sends a lead whose fields start with MSFT_TEST.",
          runAfter: { [ACTION.normalize]: ["Succeeded"], [ACTION.replayTargets]: ["Succeeded"] },
          expression: {
            or: (["Email", "FirstName", "LastName", "Description"] as const).map((name) => ({
              startsWith: [at(`toUpper(${field(name, ACTION.normalize)})`), TEST_LEAD_PREFIX],
            })),
          },
          actions: markAndStop(
            table,
            [ACTION.markTestLead, "Records the test lead as such; it never reaches a CRM."],
            [ACTION.stopTestLead, "Ends the run successfully: a test lead is archived and answered, not delivered."],
            { Status: LEAD_STATUS.test, ProcessedTime: "@{utcNow()}" },
          ),
          else: { actions: {} },
        },
        ...(options.normalizerFunction ? duplicateCheck(table) : {}),
        ...crm,
        [ACTION.markDelivered]: mergeEntity(
          table,
          ARCHIVE_KEYS,
          {
            Status: targets.length > 0 ? LEAD_STATUS.delivered : LEAD_STATUS.archivedOnly,
            DeliveredTo: targets.join(","),
            ProcessedTime: "@{utcNow()}",
            ...(options.dataverse && { DataverseLeadId: `@{body('${TARGET_ACTION.dataverse}')?['leadid']}` }),
            ...(options.salesforce && { SalesforceLeadId: `@{body('${TARGET_ACTION.salesforce}')?['Id']}` }),
            ...(options.normalizerFunction && {
              Normalizer: `@{if(${functionUsable()}, 'function', 'expressions')}`,
              NormalizerError: `@{if(${functionUsable()}, '', take(string(coalesce(actions('${ACTION.normalizeFunction}')?['error'], actions('${ACTION.normalizeFunction}')?['outputs']?['body'], '')), 4000))}`,
              DedupKey: `@{coalesce(body('${ACTION.normalizeFunction}')?['dedupKey'], '')}`,
            }),
          },
          afterCrm,
          "Marks the archived lead delivered to every target.",
        ),
      },
    },
    [ACTION.deliveryReport]: {
      type: "Compose",
      description: "Status and error of each step of Process_lead, CRM calls included (read with actions()).",
      runAfter: { [ACTION.process]: ["Failed", "TimedOut"] },
      inputs: [
        ...[ACTION.normalize, ACTION.checkTestLead].map((name) => reportEntry(name, "")),
        ...(options.normalizerFunction ? [reportEntry(ACTION.findEarlierDelivery, "")] : []),
        ...targets.map((t) => reportEntry(TARGET_ACTION[t], t)),
        reportEntry(ACTION.markDelivered, ""),
      ],
      runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
    },
    [ACTION.collectFailures]: {
      type: "Query",
      description: "The steps that failed or timed out, with their errors.",
      runAfter: { [ACTION.deliveryReport]: ["Succeeded"] },
      inputs: {
        from: `@outputs('${ACTION.deliveryReport}')`,
        where: "@or(equals(item()?['status'], 'Failed'), equals(item()?['status'], 'TimedOut'))",
      },
      runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
    },
    [ACTION.listFailedActions]: {
      type: "Select",
      description: "Names of the failed steps, recorded so a replay re-sends only what failed.",
      runAfter: { [ACTION.collectFailures]: ["Succeeded"] },
      inputs: { from: `@body('${ACTION.collectFailures}')`, select: "@item()?['name']" },
    },
    [ACTION.failedTargets]: {
      type: "Query",
      description: "The failed steps that are CRM calls.",
      runAfter: { [ACTION.listFailedActions]: ["Succeeded"] },
      inputs: { from: `@body('${ACTION.collectFailures}')`, where: "@not(empty(item()?['target']))" },
    },
    [ACTION.listFailedTargets]: {
      type: "Select",
      description: "Their targets: what a replay sends the lead to again.",
      runAfter: { [ACTION.failedTargets]: ["Succeeded"] },
      inputs: { from: `@body('${ACTION.failedTargets}')`, select: "@item()?['target']" },
    },
    [ACTION.markDeadLetter]: mergeEntity(
      table,
      ARCHIVE_KEYS,
      {
        Status: LEAD_STATUS.deadLetter,
        FailedActions: `@{join(body('${ACTION.listFailedActions}'), ',')}`,
        FailedTargets: `@{join(body('${ACTION.listFailedTargets}'), ',')}`,
        LastError: `@{take(string(body('${ACTION.collectFailures}')), ${TABLE_TEXT_LIMIT})}`,
        ProcessedTime: "@{utcNow()}",
      },
      { [ACTION.listFailedTargets]: ["Succeeded"] },
      "Dead-letters the archived lead: kept with its error until it is replayed.",
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

  const parameters: Record<string, WorkflowParameter> = {
    $connections: { type: "Object", defaultValue: {} },
  };
  if (options.normalizerFunction) {
    parameters.normalizerUrl = { type: "String", metadata: { description: "URL of the normalizeLead function." } };
    parameters.normalizerKey = { type: "SecureString", metadata: { description: "Function key of normalizeLead." } };
  }
  if (options.webhook) {
    parameters.webhookUrl = { type: "String", metadata: { description: "Webhook target URL." } };
    parameters.webhookSecret = {
      type: "SecureString",
      metadata: { description: "Secret sent in the webhook's secret header." },
    };
  }

  const definition: WorkflowDefinition = {
    $schema: WDL_SCHEMA,
    contentVersion: "1.0.0.0",
    parameters,
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
    actions,
    outputs: {},
  };
  return { definition: sortKeysDeep(definition), apis: apisFor(targets), targets };
}

/** One entry of the delivery report: a step's status and error, read with actions() at any depth. */
function reportEntry(action: string, target: string): Record<string, string> {
  return {
    name: action,
    target,
    status: `@{coalesce(actions('${action}')?['status'], 'NotRun')}`,
    error: `@{coalesce(actions('${action}')?['error']?['message'], actions('${action}')?['outputs']?['body'], '')}`,
  };
}

/**
 * Wraps each CRM action in an If that sends the lead unless a replay lists other targets only:
 * a replay re-sends a lead to the targets that failed, never to those that already have it.
 */
function gatedCrmActions(
  targets: CrmTarget[],
  actions: Record<string, WorkflowAction>,
  after: string,
): Record<string, WorkflowAction> {
  const gated: Record<string, WorkflowAction> = {};
  for (const target of targets) {
    const name = TARGET_ACTION[target];
    gated[gateName(target)] = {
      type: "If",
      description: `Sends the lead to ${target}, unless this is a replay for other targets only.`,
      runAfter: { [after]: ["Succeeded"] },
      expression: {
        or: [
          { equals: [`@length(outputs('${ACTION.replayTargets}'))`, 0] },
          { contains: [`@outputs('${ACTION.replayTargets}')`, target] },
        ],
      },
      actions: { [name]: { ...actions[name], runAfter: {} } },
      else: { actions: {} },
    };
  }
  return gated;
}

/**
 * A lead Partner Center delivers twice (same person, offer and action: the function's dedup key) is
 * archived and answered again, but not delivered again: the first delivery is found in the archive.
 * Without a key (the function failed) nothing matches: `'none'` is no key.
 */
function duplicateCheck(table: string): Record<string, WorkflowAction> {
  const key = `coalesce(body('${ACTION.normalizeFunction}')?['dedupKey'], 'none')`;
  const earlier = `first(body('${ACTION.findEarlierDelivery}')?['value'])`;
  return {
    [ACTION.findEarlierDelivery]: queryEntities(
      table,
      `DedupKey eq '@{${key}}' and Status eq '${LEAD_STATUS.delivered}'`,
      { [ACTION.checkTestLead]: ["Succeeded"] },
      "Looks for an earlier delivery of the same lead (same dedup key).",
    ),
    [ACTION.checkDuplicate]: {
      type: "If",
      description: "A lead already delivered is recorded as a duplicate and not sent again.",
      runAfter: { [ACTION.findEarlierDelivery]: ["Succeeded"] },
      expression: { greater: [`@length(body('${ACTION.findEarlierDelivery}')?['value'])`, 0] },
      actions: markAndStop(
        table,
        [ACTION.markDuplicate, "Records the lead as a duplicate of the earlier delivery."],
        [
          ACTION.stopDuplicate,
          "Ends the run successfully: the lead is archived and answered, and was delivered before.",
        ],
        {
          Status: LEAD_STATUS.duplicate,
          DuplicateOf: `@{${earlier}?['PartitionKey']}/@{${earlier}?['RowKey']}`,
          DedupKey: `@{${key}}`,
          ProcessedTime: "@{utcNow()}",
        },
      ),
      else: { actions: {} },
    },
  };
}

/**
 * Records why a lead goes no further (test lead, duplicate) on its archive row, then ends the run
 * successfully: the lead is archived and answered, and deliberately not delivered.
 */
function markAndStop(
  table: string,
  [markName, markDescription]: [string, string],
  [stopName, stopDescription]: [string, string],
  properties: Record<string, unknown>,
): Record<string, WorkflowAction> {
  return {
    [markName]: mergeEntity(table, ARCHIVE_KEYS, properties, {}, markDescription),
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

/** Calls the function app's normalizeLead with the raw lead; brief retries, as the lead waits for nothing. */
function normalizerCall(): WorkflowAction {
  return {
    type: "Http",
    description: "Validates and normalizes the lead in the function app (function-code/); optional, with a fallback.",
    runAfter: { [ACTION.archive]: ["Succeeded"] },
    inputs: {
      method: "POST",
      uri: "@parameters('normalizerUrl')",
      headers: { "Content-Type": "application/json", "x-functions-key": "@parameters('normalizerKey')" },
      body: "@triggerBody()",
      retryPolicy: { type: "fixed", count: 2, interval: "PT5S" },
    },
    limit: { timeout: "PT30S" },
    runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
  };
}

/**
 * `Normalize_lead`: the expression mapping, or (with the function app) the function's `crm` fields,
 * falling back to the expression mapping (`Plain_mapping`) when the function failed.
 */
function normalizeActions(useFunction: boolean): Record<string, WorkflowAction> {
  const secure = { secureData: { properties: ["inputs", "outputs"] as Array<"inputs" | "outputs"> } };
  const description = "The lead's fields, trimmed, whatever the casing of the keys Partner Center sent.";
  if (!useFunction) {
    return {
      [ACTION.normalize]: {
        type: "Compose",
        description,
        runAfter: {},
        inputs: normalizedLead(),
        runtimeConfiguration: secure,
      },
    };
  }
  return {
    [ACTION.plainMapping]: {
      type: "Compose",
      description,
      runAfter: {},
      inputs: normalizedLead(),
      runtimeConfiguration: secure,
    },
    [ACTION.normalize]: {
      type: "Compose",
      description: "The function's normalized fields when it succeeded, else the expression mapping.",
      runAfter: { [ACTION.plainMapping]: ["Succeeded"] },
      inputs: `@if(${functionUsable()}, body('${ACTION.normalizeFunction}')?['crm'], outputs('${ACTION.plainMapping}'))`,
      runtimeConfiguration: secure,
    },
  };
}

/** The Compose inputs of `Normalize_lead`: trimmed text for every field, e-mail lower-cased. */
function normalizedLead(): Record<string, string> {
  const text = (raw: string) => `trim(string(${raw}))`;
  const out: Record<string, string> = {};
  for (const name of USER_FIELDS) {
    const value = text(rawUserField(name, "''"));
    out[name] = at(name === "Email" ? `toLower(${value})` : value);
  }
  for (const name of LEAD_FIELDS) out[name] = at(text(rawLeadField(name, "''")));
  // DNC ("Do Not Contact"): a cross-listed partner was asked to make contact; a heads-up only.
  out.DoNotContact = at(`equals(toUpper(${text(rawLeadField("ActionCode", "''"))}), ${lit("DNC")})`);
  return out;
}
