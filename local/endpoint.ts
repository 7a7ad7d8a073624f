/**
 * A stack's workflow running locally: the rendered definition, Azurite tables, CRM stand-ins and
 * the run history. The HTTP server (server.ts) and the tests drive it.
 */
import { COLUMN, LEAD_STATUS } from "../function-code/src/contract";
import { handleNormalizeRequest } from "../function-code/src/handler";
import { leadInsights, LeadInsights } from "./insights";
import { Row, RunEnded, runEndedOf, RunsInProgress } from "../function-code/src/replay/archiveRows";
import { replayDeadLetters, ReplayOutcome } from "../function-code/src/replay/replayDeadLetters";
import { findRow } from "../ops/archive";
import { ArchiveRow, describeRow, leadHeadline, Outcome } from "../ops/outcome";
import { LoadedStack } from "../program/stacks";
import { CRM_TARGETS, targetSpec } from "../targets";
import { localConnectors, Standins } from "./connectors/standins";
import { TablesConnector } from "./connectors/tables";
import { CallPool, startRun } from "../emulator/runtime";
import { retryWaitMs } from "../emulator/runtime/retry";
import { HttpResponseRecord, TriggerRequest, WorkflowRun } from "../emulator/types";

export interface LocalEndpointOptions {
  stack: LoadedStack;
  /** Azurite (or Azure) Table connection string. */
  tablesConnectionString: string;
  /**
   * Multiplies retry waits; 0 retries at once. Real intervals (30 s, doubling) would make a local
   * failure demo last hours.
   * @default 0.01
   */
  retryScale?: number;
  /** Runs kept in memory for the run history. @default 200 */
  keepRuns?: number;
  /** Stand-in requests kept (a ring: the oldest are dropped). @default DEFAULT_RECORDED_REQUESTS */
  recordedRequests?: number;
  /**
   * Calls in flight at most for runs that have answered while another run still waits to answer
   * (emulator/runtime/pool.ts): new leads go first, so a burst keeps its answer latency short.
   * @default ANSWERED_CALLS
   */
  answeredCalls?: number;
  /**
   * Timeout of a CRM or HTTP call without `limit.timeout` (a test shortens it to time a call out).
   * @default 120000 (Azure's outbound request limit)
   */
  actionTimeoutMs?: number;
  now?: () => Date;
}

/**
 * Answered runs' calls in flight while a run waits to answer, and when none does. Measured at 50 leads in
 * flight (`npm run bench`, dev stack, side by side): a fixed 8 gave 0.65 of the floor and answer p99 about
 * 90-115 ms, a fixed 32 0.72-0.75 but p99 130-165 ms; 4 while answers wait and 64 otherwise gave 0.73-0.74 and
 * 93-102 ms. Few while a new lead waits: its archive write does not queue behind deliveries; many otherwise:
 * deliveries, slow CRMs included, are not held back once every caller has its answer.
 */
export const ANSWERED_CALLS = 4;
export const ANSWERED_CALLS_IDLE = 64;

/** Webhook URL and secret the local stand-in receives (local values, not secrets). */
export const LOCAL_WEBHOOK_URL = "http://127.0.0.1/local-standin/webhook";
export const LOCAL_WEBHOOK_SECRET = "local-webhook-secret-0123456789";
/** Where the workflow reaches the function app locally: its handler, in process. */
export const LOCAL_NORMALIZER_URL = "http://127.0.0.1/local-function/api/normalizeLead";
/** Where the workflow reaches its tables locally (the `tableEndpoint` parameter); served from Azurite. */
export const LOCAL_TABLE_ENDPOINT = "http://127.0.0.1/local-tables/";
/** The workflow's identity and the function's token audience, as local stand-in values. */
export const LOCAL_IDENTITY = "/local/userAssignedIdentities/leads-workflow";
export const LOCAL_NORMALIZER_AUDIENCE = "api://local-normalizer";

export interface Posted {
  response: HttpResponseRecord;
  /** Undefined when the trigger refused the request (no run, like Azure). */
  runName?: string;
  done?: Promise<WorkflowRun>;
}

/** A lead as the run page lists it: from the archive row, so the list survives restarts. */
export interface LeadSummary {
  row: string;
  partition: string;
  received: string;
  status: string;
  offer: string;
  outcome: Outcome;
  /** Still `received` though its run has ended: replay settles it (the run page's Settle button). */
  runEnded: boolean;
}

export class LocalEndpoint {
  readonly standins: Standins;
  readonly tables: TablesConnector;
  private readonly runs = new Map<string, WorkflowRun>();
  private readonly parameters: Record<string, unknown>;
  private readonly answered: CallPool;
  /** The `done` of every run in progress, by run name (a run's name is its archive row's RowKey). */
  private readonly inProgress = new Map<string, Promise<unknown>>();

  /** The name of the stack this endpoint runs. */
  get stackName(): string {
    return this.options.stack.stack;
  }

  constructor(private readonly options: LocalEndpointOptions) {
    this.standins = new Standins(options.recordedRequests);
    this.tables = new TablesConnector(options.tablesConnectionString);
    this.answered = new CallPool(options.answeredCalls ?? ANSWERED_CALLS, ANSWERED_CALLS_IDLE);
    const connections: Record<string, unknown> = {};
    for (const api of options.stack.apis) {
      connections[api] = {
        connectionId: `/local/connections/${api}`,
        connectionName: api,
        id: `/local/managedApis/${api}`,
      };
    }
    this.parameters = {
      $connections: connections,
      tableEndpoint: LOCAL_TABLE_ENDPOINT,
      workflowIdentity: LOCAL_IDENTITY,
    };
    if (options.stack.parameterNames.includes("webhookUrl")) this.parameters.webhookUrl = LOCAL_WEBHOOK_URL;
    if (options.stack.parameterNames.includes("webhookSecret")) this.parameters.webhookSecret = LOCAL_WEBHOOK_SECRET;
    // Each target's parameters that have a local value (a stand-in's URL, a placeholder secret).
    for (const target of CRM_TARGETS)
      for (const [name, p] of Object.entries(targetSpec(target).parameters ?? {}))
        if (p.local !== undefined && options.stack.parameterNames.includes(name)) this.parameters[name] = p.local;
    if (options.stack.parameterNames.includes("normalizerUrl")) {
      this.parameters.normalizerUrl = LOCAL_NORMALIZER_URL;
      this.parameters.normalizerAudience = LOCAL_NORMALIZER_AUDIENCE;
    }
    // The function app's own handler, as the deployed app runs it.
    this.standins.functionHandler = async (call) => {
      const { status, jsonBody } = handleNormalizeRequest(call.body);
      return { statusCode: status, headers: { "Content-Type": "application/json" }, body: jsonBody };
    };
  }

  /** Creates the stack's tables (Pulumi does it in Azure). */
  async prepare(): Promise<void> {
    const names = [this.options.stack.config.archiveTableName, this.options.stack.config.dedupTableName];
    if (this.options.stack.config.azureTable) names.push(this.options.stack.config.azureTable.tableName);
    await this.tables.ensureTables(names);
  }

  get workflowName(): string {
    return `leads-${this.options.stack.stack}-workflow`;
  }

  /** Runs the workflow for one request; resolves with the HTTP answer (the run may go on). */
  async post(request: TriggerRequest): Promise<Posted> {
    const scale = this.options.retryScale ?? 0.01;
    const handle = startRun({
      definition: this.options.stack.definition as unknown as Record<string, unknown>,
      parameters: this.parameters,
      workflowName: this.workflowName,
      request,
      connectors: localConnectors(this.tables, this.standins, {
        tables: LOCAL_TABLE_ENDPOINT,
        function: LOCAL_NORMALIZER_URL,
      }),
      now: this.options.now,
      actionTimeoutMs: this.options.actionTimeoutMs,
      retryDelayMs: (attempt, policy, retryAfter) => Math.round(scale * (retryAfter ?? retryWaitMs(attempt, policy))),
      onUpdate: (run) => this.keep(run),
      afterAnswer: this.answered,
    });
    if (!handle.accepted) return { response: await handle.response };
    const done = handle.done;
    this.inProgress.set(handle.runName, done);
    void done.finally(() => this.inProgress.delete(handle.runName)).catch(() => undefined);
    return { response: await handle.response, runName: handle.runName, done };
  }

  /**
   * The runs in progress, and when that was read: a row still `received` whose run is not among them and was
   * received before then belongs to a run that has ended (this endpoint is the archive's only writer locally).
   */
  inProgressRuns(): RunsInProgress {
    return { at: (this.options.now?.() ?? new Date()).toISOString(), names: [...this.inProgress.keys()] };
  }

  /** Runs accepted and not yet ended (answered or not): what a stop must let finish first. */
  get runsInProgress(): number {
    return this.inProgress.size;
  }

  /**
   * Waits until every run in progress has ended, at most `ms`; resolves with how many are still going.
   * A stop drains first: a run cut between a CRM call and its ledger write is one a replay sends again.
   */
  async drain(ms: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.inProgress.values()]), timeout]);
    clearTimeout(timer);
    return this.inProgress.size;
  }

  /** Recent runs, newest first. */
  listRuns(): WorkflowRun[] {
    return [...this.runs.values()].reverse();
  }

  run(name: string): WorkflowRun | undefined {
    return this.runs.get(name);
  }

  /** The newest archived leads with their outcome (the archive outlives the in-memory run history). */
  async leads(top = 100): Promise<LeadSummary[]> {
    const rows: ArchiveRow[] = [];
    for await (const r of this.archive().listEntities()) rows.push(r as ArchiveRow);
    rows.sort((a, b) => String(b[COLUMN.receivedTime] ?? "").localeCompare(String(a[COLUMN.receivedTime] ?? "")));
    const ended = runEndedOf(this.inProgressRuns());
    return Promise.all(rows.slice(0, top).map((r) => summary(r, ended)));
  }

  /**
   * One archived lead by its run (RowKey), or undefined while it has no row (`npm run send` waits on it); `row`,
   * its `<partition>/<run>` as the endpoint answered, reads that row alone.
   */
  async lead(runId: string, row?: string): Promise<LeadSummary | undefined> {
    const found = await findRow(this.archive(), runId, row);
    return found && summary(found, runEndedOf(this.inProgressRuns()));
  }

  /** The run page's chart over the whole archive (local/insights.ts). */
  async insights(): Promise<LeadInsights> {
    const rows: ArchiveRow[] = [];
    for await (const r of this.archive().listEntities()) rows.push(r as ArchiveRow);
    return leadInsights(rows);
  }

  /** Replays one dead-lettered row (the run page's button) through this endpoint, as `npm run replay` does. */
  async replay(rowKey: string): Promise<ReplayOutcome[]> {
    return replayDeadLetters({
      table: this.archive(),
      onlyRow: rowKey,
      runEnded: runEndedOf(this.inProgressRuns()),
      send: async (lead, headers) => {
        const posted = await this.post({
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: lead,
        });
        return { status: posted.response.statusCode, body: posted.response.body };
      },
    });
  }

  private archive() {
    return this.tables.table(this.options.stack.config.archiveTableName);
  }

  private keep(run: WorkflowRun): void {
    this.runs.delete(run.name);
    this.runs.set(run.name, run);
    const limit = this.options.keepRuns ?? 200;
    while (this.runs.size > limit) this.runs.delete(this.runs.keys().next().value as string);
  }
}

async function summary(r: ArchiveRow, ended: RunEnded): Promise<LeadSummary> {
  return {
    ...leadHeadline(r),
    outcome: describeRow(r),
    runEnded: r[COLUMN.status] === LEAD_STATUS.received && (await ended(r as Row)),
  };
}
