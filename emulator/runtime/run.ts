/**
 * Runs a Consumption workflow definition locally: the Request trigger, then actions in `runAfter` order
 * with Azure's statuses, scopes and secure data. This file is the scheduler; what each action type
 * does is in actions.ts, what expressions see in host.ts, calls out (with retries) in calls.ts.
 */
import Ajv from "ajv";
import { randomInt } from "crypto";
import {
  ActionRun,
  ActionRunStatus,
  Connectors,
  ExpressionHost,
  HttpResponseRecord,
  JsonObject,
  RetryPolicy,
  RunError,
  TriggerRequest,
  WorkflowRun,
} from "../types";
import { evaluateValue, ExpressionError } from "../expressions";
import { ActionContext, ActionJson, ActionResult, HANDLERS, RunControl } from "./actions";
import { Terminated } from "./calls";
import { CallPool } from "./pool";
import { ActionState, expressionHost, HostSource, LoopFrame, parameterValue } from "./host";

export interface RunOptions {
  definition: JsonObject;
  /** Values of the definition's parameters; missing ones fall back to `defaultValue`. */
  parameters?: Record<string, unknown>;
  workflowName: string;
  request: TriggerRequest;
  connectors: Connectors;
  runName?: string;
  now?: () => Date;
  newGuid?: () => string;
  /**
   * Wait before a retry; default: the `Retry-After` a 429 asked for (`retryAfter`), else the policy's
   * interval (tests pass `() => 0`).
   */
  retryDelayMs?: (attempt: number, policy: RetryPolicy, retryAfter?: number) => number;
  /** Timeout of a connector call without `limit.timeout`. @default 120000 (Azure's outbound limit) */
  actionTimeoutMs?: number;
  /** Time the caller waits for the Response action. @default 120000 (Azure's inbound limit) */
  responseTimeoutMs?: number;
  /** Called whenever the run history changes. */
  onUpdate?: (run: WorkflowRun) => void;
  /** Shared by the runs of one host: once this run has answered, its calls take turns in it (pool.ts). */
  afterAnswer?: CallPool;
}

export type RunHandle =
  | { accepted: true; runName: string; response: Promise<HttpResponseRecord>; done: Promise<WorkflowRun> }
  | { accepted: false; response: Promise<HttpResponseRecord> };

/** Starts a run for one request. The HTTP answer resolves when the Response action runs. */
export function startRun(options: RunOptions): RunHandle {
  const triggers = (options.definition.triggers ?? {}) as Record<string, JsonObject>;
  const [triggerName, trigger] = Object.entries(triggers)[0] ?? [];
  if (!trigger || trigger.type !== "Request")
    throw new Error("The local runtime runs workflows whose trigger is a Request trigger.");
  const schemaError = validateBody(trigger, options.request.body);
  if (schemaError) {
    const message = `The input body for trigger '${triggerName}' of type 'Request' did not match its schema definition. Error details: '${schemaError}'.`;
    const body = { error: { code: "TriggerInputSchemaMismatch", message } };
    return {
      accepted: false,
      response: Promise.resolve({ statusCode: 400, headers: { "Content-Type": "application/json" }, body }),
    };
  }
  const run = new Run(options, triggerName, trigger);
  return { accepted: true, runName: run.history.name, response: run.response, done: run.start() };
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/** `EnableSchemaValidation`: the body must match the trigger schema (draft-04 `id`/`$schema` ignored). */
function validateBody(trigger: JsonObject, body: unknown): string | undefined {
  if (!String(trigger.operationOptions ?? "").includes("EnableSchemaValidation")) return undefined;
  const schema = (trigger.inputs as JsonObject | undefined)?.schema as JsonObject | undefined;
  if (!schema) return undefined;
  let validate = validators.get(schema);
  if (!validate) {
    const { $schema: _s, id: _id, ...rest } = schema;
    validate = ajv.compile(rest);
    validators.set(schema, validate);
  }
  if (validate(body)) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath || "body"} ${e.message}`).join("; ");
}

/** 29 digits starting 0858, as Azure's run names begin (see WorkflowRun.name). */
function runId(): string {
  let digits = "0858";
  while (digits.length < 29) digits += String(randomInt(10));
  return digits;
}

const JSON_HEADERS = { "Content-Type": "application/json" };
const NO_RESPONSE_IN_TIME: HttpResponseRecord = {
  statusCode: 504,
  headers: JSON_HEADERS,
  body: { error: { code: "GatewayTimeout", message: "The workflow did not run its Response action in time." } },
};
const NO_RESPONSE: HttpResponseRecord = {
  statusCode: 502,
  headers: JSON_HEADERS,
  body: { error: { code: "NoResponse", message: "The workflow run finished without running its Response action." } },
};
const ACTION_FAILED: RunError = { code: "ActionFailed", message: "An action failed. No dependent actions succeeded." };

class Run implements RunControl {
  readonly history: WorkflowRun;
  readonly response: Promise<HttpResponseRecord>;
  readonly variables = new Map<string, unknown>();
  readonly connectors: Connectors;
  readonly runName: string;
  readonly now: () => Date;
  readonly retryDelayMs?: (attempt: number, policy: RetryPolicy, retryAfter?: number) => number;
  readonly actionTimeoutMs?: number;
  private answer!: (r: HttpResponseRecord) => void;
  /** Tells the host's pool this run has answered (pool.ts). */
  private readonly answering?: () => void;
  private answered = false;
  private readonly states = new Map<string, ActionState>();
  private readonly abort = new AbortController();
  private terminated = false;
  private readonly source: HostSource;

  constructor(
    private readonly options: RunOptions,
    triggerName: string,
    trigger: JsonObject,
  ) {
    this.connectors = options.connectors;
    this.retryDelayMs = options.retryDelayMs;
    this.actionTimeoutMs = options.actionTimeoutMs;
    this.now = options.now ?? (() => new Date());
    this.response = new Promise((resolve) => (this.answer = resolve));
    this.answering = options.afterAnswer?.runStarted();
    const started = this.now().toISOString();
    const { request } = options;
    const outputs = { headers: request.headers, body: request.body ?? null, queries: request.queries };
    const triggerState = {
      name: triggerName,
      inputs: { method: request.method },
      outputs,
      startTime: started,
      status: "Succeeded",
      code: "OK",
      endTime: started,
    };
    const secured = secureProperties(trigger);
    this.history = {
      name: options.runName ?? runId(),
      workflowName: options.workflowName,
      status: "Running",
      startTime: started,
      trigger: {
        name: triggerName,
        status: "Succeeded",
        code: "OK",
        startTime: started,
        endTime: started,
        inputs: secured.includes("inputs") ? undefined : triggerState.inputs,
        outputs: secured.includes("outputs") ? undefined : outputs,
        secured: secured.length ? secured : undefined,
      },
      actions: {},
    };
    this.runName = this.history.name;
    this.source = {
      workflowName: options.workflowName,
      runName: this.history.name,
      definition: options.definition,
      parameters: options.parameters,
      trigger: triggerState,
      states: this.states,
      variables: this.variables,
      now: this.now,
      newGuid: options.newGuid,
    };
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  slot(): Promise<() => void> | undefined {
    return this.answered ? this.options.afterAnswer?.acquire(this.abort.signal) : undefined;
  }

  connections(): Record<string, JsonObject> {
    return (parameterValue(this.source, "$connections") ?? {}) as Record<string, JsonObject>;
  }

  host(stack: readonly LoopFrame[]): ExpressionHost {
    return expressionHost(this.source, stack);
  }

  async start(): Promise<WorkflowRun> {
    const actions = (this.options.definition.actions ?? {}) as Record<string, ActionJson>;
    if (!hasResponseAction(actions)) this.respond({ statusCode: 202, headers: {}, body: null });
    const timeout = setTimeout(() => this.respond(NO_RESPONSE_IN_TIME), this.options.responseTimeoutMs ?? 120_000);
    try {
      const failed = await this.runScope(actions, "", []);
      if (!this.terminated) {
        this.history.status = failed ? "Failed" : "Succeeded";
        if (failed) this.history.error = { ...ACTION_FAILED };
      }
    } finally {
      clearTimeout(timeout);
    }
    this.history.endTime = this.now().toISOString();
    this.respond(NO_RESPONSE);
    this.update();
    return this.history;
  }

  respond(response: HttpResponseRecord): void {
    if (this.answered) return;
    this.answered = true;
    this.answering?.();
    this.history.response = response;
    this.answer(response);
  }

  terminate(runStatus: string, runError: RunError | undefined): void {
    this.terminated = true;
    this.history.status = runStatus === "Succeeded" ? "Succeeded" : runStatus === "Cancelled" ? "Cancelled" : "Failed";
    if (runStatus === "Failed")
      this.history.error = { code: runError?.code ?? "Terminated", message: runError?.message ?? "" };
    this.abort.abort();
  }

  private update(): void {
    this.options.onUpdate?.(this.history);
  }

  /**
   * Runs the actions of one scope in `runAfter` order, independent branches concurrently.
   * Returns true when a failure in the scope was not handled (the scope fails).
   */
  async runScope(actions: Record<string, ActionJson>, scope: string, stack: readonly LoopFrame[]): Promise<boolean> {
    const names = Object.keys(actions);
    const status = new Map<string, ActionRunStatus>();
    const running = new Map<string, Promise<void>>();
    const pending = new Set(names);
    while (pending.size > 0 || running.size > 0) {
      if (this.terminated) {
        await Promise.allSettled(running.values());
        break;
      }
      let progressed = false;
      for (const name of [...pending]) {
        const runAfter = actions[name].runAfter ?? {};
        const deps = Object.keys(runAfter);
        if (!deps.every((d) => status.has(d) || !(d in actions))) continue;
        pending.delete(name);
        progressed = true;
        const allowed = deps.every((d) => (runAfter[d] ?? ["Succeeded"]).includes(status.get(d) ?? "Skipped"));
        if (!allowed) {
          this.skip(name, actions[name], scope);
          status.set(name, "Skipped");
          continue;
        }
        const task = this.execute(name, actions[name], scope, stack).then((s) => {
          status.set(name, s);
          running.delete(name);
        });
        running.set(name, task);
      }
      if (!progressed && running.size > 0) await Promise.race(running.values());
      else if (!progressed) break;
    }
    // A failure is handled when another action of the scope runs after it on that status.
    return names.some((name) => {
      const s = status.get(name);
      if (s !== "Failed" && s !== "TimedOut") return false;
      return !names.some((other) => (actions[other].runAfter?.[name] ?? []).includes(s));
    });
  }

  skip(name: string, action: ActionJson, scope: string): void {
    const at = this.now().toISOString();
    this.record(name, action, scope, {
      status: "Skipped",
      code: "ActionSkipped",
      startTime: at,
      endTime: at,
      error: {
        code: "ActionConditionFailed",
        message: `The execution of template action '${name}' is skipped: the 'runAfter' condition for this action is not satisfied.`,
      },
    });
    // Actions nested in a skipped scope are skipped too (Azure lists them so).
    for (const [childName, child] of Object.entries(childActions(action))) this.skip(childName, child, name);
  }

  private record(
    name: string,
    action: ActionJson,
    scope: string,
    fields: Partial<ActionRun> & { inputs?: unknown; outputs?: unknown },
  ): void {
    const secured = securedOf(action);
    const { inputs, outputs, ...rest } = fields;
    const record = {
      name,
      type: action.type,
      ...(scope ? { parent: scope } : {}),
      status: "Skipped",
      code: "",
      startTime: "",
      endTime: "",
    } as ActionRun & JsonObject;
    // Only the fields that have a value: the run history has no `undefined` keys.
    for (const key in rest) {
      const value = rest[key as keyof typeof rest];
      if (value !== undefined) record[key] = value;
    }
    if (inputs !== undefined && !secured.includes("inputs")) record.inputs = inputs;
    if (outputs !== undefined && !secured.includes("outputs")) record.outputs = outputs;
    if (secured.length) record.secured = [...secured];
    this.states.set(name, { record, inputs, outputs, scope });
    this.history.actions[name] = record;
    this.update();
  }

  /** Runs one action through its handler and records the outcome (Failed on an error, Cancelled on Terminate). */
  private async execute(
    name: string,
    action: ActionJson,
    scope: string,
    stack: readonly LoopFrame[],
  ): Promise<ActionRunStatus> {
    const startTime = this.now().toISOString();
    let inputs: unknown;
    const finish = (result: ActionResult): ActionRunStatus => {
      this.record(name, action, scope, { inputs, ...result, startTime, endTime: this.now().toISOString() });
      return result.status;
    };
    try {
      const handler = Object.hasOwn(HANDLERS, action.type) ? HANDLERS[action.type] : unsupported;
      const host = this.host(stack);
      const ctx: ActionContext = {
        name,
        action,
        run: this,
        host,
        stack,
        setInputs: (i) => (inputs = i),
        inputs: () => (inputs = evaluateValue(action.inputs, host)) as JsonObject,
      };
      const result = await handler(ctx);
      return finish({ ...result, inputs: result.inputs ?? inputs });
    } catch (err) {
      if (err instanceof Terminated) return finish({ status: "Cancelled", code: "Cancelled" });
      const error: RunError =
        err instanceof ExpressionError
          ? { code: err.code, message: err.message }
          : { code: "ActionFailed", message: (err as Error).message };
      return finish({ status: "Failed", code: error.code, error });
    }
  }
}

function unsupported(ctx: ActionContext): never {
  throw new Error(`The action type '${ctx.action.type}' is not supported by the local runtime.`);
}

const INPUTS_HIDE_OUTPUTS = new Set(["Compose", "ParseJson", "Response"]);

const securedByAction = new WeakMap<ActionJson, ReadonlyArray<"inputs" | "outputs">>();

/** What the run history hides of an action (read once per definition object). */
function securedOf(action: ActionJson): ReadonlyArray<"inputs" | "outputs"> {
  let secured = securedByAction.get(action);
  if (!secured) {
    const found = secureProperties(action);
    // Compose, Parse JSON and Response have Secure Inputs only, which hides their outputs too
    // (learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#secure-data-in-run-history).
    if (INPUTS_HIDE_OUTPUTS.has(action.type) && found.includes("inputs") && !found.includes("outputs"))
      found.push("outputs");
    securedByAction.set(action, (secured = found));
  }
  return secured;
}

function secureProperties(item: JsonObject): Array<"inputs" | "outputs"> {
  const runtimeConfiguration = item.runtimeConfiguration as JsonObject | undefined;
  const props = (runtimeConfiguration?.secureData as JsonObject | undefined)?.properties;
  return Array.isArray(props) ? [...(props as Array<"inputs" | "outputs">)] : [];
}

/** The actions an action contains: a Scope's or loop's, an If's two branches, a Switch's cases and default. */
function childActions(action: ActionJson): Record<string, ActionJson> {
  const branches = [
    action.else,
    ...Object.values((action.cases ?? {}) as Record<string, JsonObject>),
    action.default,
  ] as Array<JsonObject | undefined>;
  return Object.assign(
    { ...((action.actions ?? {}) as Record<string, ActionJson>) },
    ...branches.map((b) => (b?.actions ?? {}) as Record<string, ActionJson>),
  );
}

function containsType(actions: Record<string, ActionJson> | undefined, type: string): boolean {
  return Object.values(actions ?? {}).some((a) => a.type === type || containsType(childActions(a), type));
}

/** Per definition's actions: every run of a definition asks, and the answer cannot change. */
const responseActions = new WeakMap<object, boolean>();

function hasResponseAction(actions: Record<string, ActionJson>): boolean {
  let found = responseActions.get(actions);
  if (found === undefined) responseActions.set(actions, (found = containsType(actions, "Response")));
  return found;
}
