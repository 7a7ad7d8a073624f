/**
 * Runs a Consumption workflow definition locally: the Request trigger, actions in `runAfter` order with
 * Azure's statuses, scopes, conditions, loops, data operations, Response, Terminate, retry policies
 * and secure data. Connector calls go through a {@link Connectors} implementation.
 */
import Ajv from "ajv";
import { randomInt, randomUUID } from "crypto";
import {
  ActionRun,
  ActionStatus,
  Connectors,
  ConnectorResponse,
  ExpressionHost,
  HttpCall,
  HttpResponseRecord,
  RetryAttempt,
  RunError,
  TriggerRequest,
  WorkflowRun,
} from "../types";
import { evaluateValue, ExpressionError, functionSpec } from "../expressions";
import { isObject } from "../expressions/values";
import {
  durationMs,
  effectivePolicy,
  isRetryable,
  RetryPolicy,
  retryCount,
  retryWaitMs,
  statusCodeName,
  retryAfterMs,
} from "./retry";

type Json = Record<string, unknown>;
type Action = Json & { type: string; runAfter?: Record<string, string[]>; inputs?: unknown };

export interface RunOptions {
  definition: Json;
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
}

export type RunHandle =
  | { accepted: true; runName: string; response: Promise<HttpResponseRecord>; done: Promise<WorkflowRun> }
  | { accepted: false; response: Promise<HttpResponseRecord> };

/** What an action really received and produced (the run history may hide it: secure data). */
interface ActionState {
  record: ActionRun;
  inputs?: unknown;
  outputs?: unknown;
  scope: string;
}

class Terminated extends Error {}

/** Starts a run for one request. The HTTP answer resolves when the Response action runs. */
export function startRun(options: RunOptions): RunHandle {
  const [triggerName, trigger] = Object.entries((options.definition.triggers ?? {}) as Record<string, Json>)[0] ?? [];
  if (!trigger || trigger.type !== "Request")
    throw new Error("The local runtime runs workflows whose trigger is a Request trigger.");
  const schemaError = validateBody(trigger, options.request.body);
  if (schemaError) {
    return {
      accepted: false,
      response: Promise.resolve({
        statusCode: 400,
        headers: { "Content-Type": "application/json" },
        body: {
          error: {
            code: "TriggerInputSchemaMismatch",
            message: `The input body for trigger '${triggerName}' of type 'Request' did not match its schema definition. Error details: '${schemaError}'.`,
          },
        },
      }),
    };
  }
  const run = new Run(options, triggerName, trigger);
  return { accepted: true, runName: run.history.name, response: run.response, done: run.start() };
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new WeakMap<object, ReturnType<typeof ajv.compile>>();

/** `EnableSchemaValidation`: the body must match the trigger schema (draft-04 `id`/`$schema` ignored). */
function validateBody(trigger: Json, body: unknown): string | undefined {
  if (!String(trigger.operationOptions ?? "").includes("EnableSchemaValidation")) return undefined;
  const schema = (trigger.inputs as Json | undefined)?.schema as Json | undefined;
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

function runId(): string {
  // Azure run names are 29 digits starting with 0858.
  let digits = "0858";
  while (digits.length < 29) digits += String(randomInt(10));
  return digits;
}

class Run {
  readonly history: WorkflowRun;
  readonly response: Promise<HttpResponseRecord>;
  private answer!: (r: HttpResponseRecord) => void;
  private answered = false;
  private readonly states = new Map<string, ActionState>();
  private readonly variables = new Map<string, unknown>();
  private readonly abort = new AbortController();
  private terminated = false;
  private readonly now: () => Date;
  private readonly hasResponseAction: boolean;
  private readonly triggerState: { name: string; inputs: unknown; outputs: unknown; startTime: string };

  constructor(
    private readonly options: RunOptions,
    triggerName: string,
    trigger: Json,
  ) {
    this.now = options.now ?? (() => new Date());
    this.response = new Promise((resolve) => (this.answer = resolve));
    const started = this.now().toISOString();
    const outputs = {
      headers: options.request.headers,
      body: options.request.body ?? null,
      queries: options.request.queries,
    };
    this.triggerState = { name: triggerName, inputs: { method: options.request.method }, outputs, startTime: started };
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
        inputs: secured.includes("inputs") ? undefined : this.triggerState.inputs,
        outputs: secured.includes("outputs") ? undefined : outputs,
        secured: secured.length ? secured : undefined,
      },
      actions: {},
    };
    this.hasResponseAction = containsType(options.definition.actions as Record<string, Action>, "Response");
  }

  async start(): Promise<WorkflowRun> {
    if (!this.hasResponseAction) this.respond({ statusCode: 202, headers: {}, body: null });
    const timeout = setTimeout(
      () =>
        this.respond({
          statusCode: 504,
          headers: { "Content-Type": "application/json" },
          body: { error: { code: "GatewayTimeout", message: "The workflow did not run its Response action in time." } },
        }),
      this.options.responseTimeoutMs ?? 120_000,
    );
    try {
      const failed = await this.runScope((this.options.definition.actions ?? {}) as Record<string, Action>, "");
      if (!this.terminated) {
        this.history.status = failed ? "Failed" : "Succeeded";
        if (failed)
          this.history.error = { code: "ActionFailed", message: "An action failed. No dependent actions succeeded." };
      }
    } finally {
      clearTimeout(timeout);
    }
    this.history.endTime = this.now().toISOString();
    this.respond({
      statusCode: 502,
      headers: { "Content-Type": "application/json" },
      body: {
        error: { code: "NoResponse", message: "The workflow run finished without running its Response action." },
      },
    });
    this.update();
    return this.history;
  }

  private respond(response: HttpResponseRecord): void {
    if (this.answered) return;
    this.answered = true;
    this.history.response = response;
    this.answer(response);
  }

  private update(): void {
    this.options.onUpdate?.(this.history);
  }

  /**
   * Runs the actions of one scope in `runAfter` order, independent branches concurrently.
   * Returns true when a failure in the scope was not handled (the scope fails).
   */
  private async runScope(actions: Record<string, Action>, scope: string, items: unknown[] = []): Promise<boolean> {
    const names = Object.keys(actions);
    const status = new Map<string, ActionStatus>();
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
          status.set(name, this.skip(name, actions[name], scope));
          continue;
        }
        const task = this.execute(name, actions[name], scope, items).then((s) => {
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

  private skip(name: string, action: Action, scope: string): ActionStatus {
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
    return "Skipped";
  }

  private record(
    name: string,
    action: Action,
    scope: string,
    fields: Partial<ActionRun> & { inputs?: unknown; outputs?: unknown },
  ): void {
    const secured = secureProperties(action);
    // Compose, Parse JSON and Response have Secure Inputs only, which hides their outputs too
    // (learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#secure-data-in-run-history).
    if (INPUTS_HIDE_OUTPUTS.has(action.type) && secured.includes("inputs") && !secured.includes("outputs"))
      secured.push("outputs");
    const { inputs, outputs, ...rest } = fields;
    const record: ActionRun = {
      name,
      type: action.type,
      parent: scope || undefined,
      status: "Skipped",
      code: "",
      startTime: "",
      endTime: "",
      ...rest,
      inputs: secured.includes("inputs") ? undefined : inputs,
      outputs: secured.includes("outputs") ? undefined : outputs,
      secured: secured.length ? secured : undefined,
    };
    for (const key of Object.keys(record) as Array<keyof ActionRun>) if (record[key] === undefined) delete record[key];
    this.states.set(name, { record, inputs, outputs, scope });
    this.history.actions[name] = record;
    this.update();
  }

  private async execute(name: string, action: Action, scope: string, items: unknown[]): Promise<ActionStatus> {
    const startTime = this.now().toISOString();
    const host = this.host(items);
    let inputs: unknown;
    try {
      const result = await this.perform(name, action, host, items, (i) => (inputs = i));
      this.record(name, action, scope, {
        ...result,
        inputs: result.inputs ?? inputs,
        startTime,
        endTime: this.now().toISOString(),
      });
      return result.status;
    } catch (err) {
      if (err instanceof Terminated) {
        this.record(name, action, scope, {
          status: "Cancelled",
          code: "Cancelled",
          inputs,
          startTime,
          endTime: this.now().toISOString(),
        });
        return "Cancelled";
      }
      const error: RunError =
        err instanceof ExpressionError
          ? { code: err.code, message: err.message }
          : { code: "ActionFailed", message: (err as Error).message };
      this.record(name, action, scope, {
        status: "Failed",
        code: error.code,
        error,
        inputs,
        startTime,
        endTime: this.now().toISOString(),
      });
      return "Failed";
    }
  }

  private async perform(
    name: string,
    action: Action,
    host: ExpressionHost,
    items: unknown[],
    setInputs: (inputs: unknown) => void,
  ): Promise<Partial<ActionRun> & { status: ActionStatus; outputs?: unknown; inputs?: unknown }> {
    const evalInputs = () => {
      const inputs = evaluateValue(action.inputs, host);
      setInputs(inputs);
      return inputs as Json;
    };
    switch (action.type) {
      case "Compose": {
        const value = evalInputs();
        return { status: "Succeeded", code: "OK", outputs: value };
      }
      case "Response": {
        const inputs = evalInputs();
        const response = {
          statusCode: Number(inputs.statusCode ?? 200),
          headers: (inputs.headers as Record<string, string>) ?? {},
          body: inputs.body ?? null,
        };
        this.respond(response);
        return { status: "Succeeded", code: "OK", outputs: response };
      }
      case "Terminate": {
        const inputs = evalInputs();
        const runStatus = String(inputs.runStatus ?? "Failed");
        this.terminated = true;
        this.history.status =
          runStatus === "Succeeded" ? "Succeeded" : runStatus === "Cancelled" ? "Cancelled" : "Failed";
        const runError = inputs.runError as RunError | undefined;
        if (runStatus === "Failed")
          this.history.error = { code: runError?.code ?? "Terminated", message: runError?.message ?? "" };
        this.abort.abort();
        return { status: "Succeeded", code: "OK" };
      }
      case "Scope": {
        const failed = await this.runScope((action.actions ?? {}) as Record<string, Action>, name, items);
        return scopeResult(failed);
      }
      case "If": {
        const branch = this.condition(action.expression, host)
          ? action.actions
          : (action.else as Json | undefined)?.actions;
        const other = branch === action.actions ? (action.else as Json | undefined)?.actions : action.actions;
        for (const [childName, child] of Object.entries((other ?? {}) as Record<string, Action>))
          this.skip(childName, child, name);
        return scopeResult(await this.runScope((branch ?? {}) as Record<string, Action>, name, items));
      }
      case "Switch": {
        const value = evaluateValue(action.expression, host);
        const cases = Object.values((action.cases ?? {}) as Record<string, Json>);
        const match = cases.find((c) => JSON.stringify(c.case) === JSON.stringify(value));
        const branch = (match?.actions ?? (action.default as Json | undefined)?.actions ?? {}) as Record<
          string,
          Action
        >;
        return scopeResult(await this.runScope(branch, name, items));
      }
      case "Foreach": {
        const list = evaluateValue(action.foreach, host);
        if (!Array.isArray(list))
          throw new ExpressionError(
            `The 'foreach' of action '${name}' must be an array; it evaluated to a value of type '${typeof list}'.`,
          );
        const sequential = String(action.operationOptions ?? "").includes("Sequential");
        let failed = false;
        const body = (action.actions ?? {}) as Record<string, Action>;
        if (sequential) {
          for (const item of list)
            failed = (await this.runScope(body, name, [...items, { loop: name, item }])) || failed;
        } else {
          const results = await Promise.all(
            list.map((item) => this.runScope(body, name, [...items, { loop: name, item }])),
          );
          failed = results.some(Boolean);
        }
        return { ...scopeResult(failed), iterations: list.length };
      }
      case "Query":
      case "Select": {
        // Only `from` is evaluated up front; `where` / `select` run once per element, with item() bound.
        const inputs = evaluateValue({ from: (action.inputs as Json).from }, host) as Json;
        setInputs(inputs);
        if (!Array.isArray(inputs.from))
          throw new ExpressionError(`The 'from' property of action '${name}' must be an array.`);
        const itemHost = (item: unknown) => this.host([...items, { loop: name, item }]);
        const body =
          action.type === "Query"
            ? inputs.from.filter((item) => this.condition((action.inputs as Json).where, itemHost(item)) === true)
            : inputs.from.map((item) => evaluateValue((action.inputs as Json).select, itemHost(item)));
        return { status: "Succeeded", code: "OK", outputs: { body } };
      }
      case "InitializeVariable": {
        const inputs = evalInputs();
        for (const v of (inputs.variables ?? []) as Json[]) this.variables.set(String(v.name), v.value ?? null);
        return { status: "Succeeded", code: "OK" };
      }
      case "SetVariable": {
        const inputs = evalInputs();
        this.variables.set(String(inputs.name), inputs.value ?? null);
        return { status: "Succeeded", code: "OK" };
      }
      case "IncrementVariable":
      case "DecrementVariable": {
        const inputs = evalInputs();
        const sign = action.type === "IncrementVariable" ? 1 : -1;
        this.variables.set(
          String(inputs.name),
          Number(host.variable(String(inputs.name))) + sign * Number(inputs.value ?? 1),
        );
        return { status: "Succeeded", code: "OK" };
      }
      case "AppendToArrayVariable":
      case "AppendToStringVariable": {
        const inputs = evalInputs();
        const current = host.variable(String(inputs.name));
        this.variables.set(
          String(inputs.name),
          Array.isArray(current) ? [...current, inputs.value] : `${String(current)}${String(inputs.value)}`,
        );
        return { status: "Succeeded", code: "OK" };
      }
      case "ApiConnection":
      case "Http":
      case "Function":
        return this.call(name, action, evalInputs());
      default:
        throw new Error(`The action type '${action.type}' is not supported by the local runtime.`);
    }
  }

  /** `If` / `Query` conditions: a template string or Azure's structured form (`{ "and": [ { "equals": [...] } ] }`). */
  private condition(expression: unknown, host: ExpressionHost): boolean {
    if (typeof expression === "string" || typeof expression === "boolean")
      return evaluateValue(expression, host) === true;
    if (!isObject(expression))
      throw new ExpressionError("The condition expression must be a template string or an object.");
    const [fn, raw] = Object.entries(expression)[0] ?? [];
    const spec = fn ? functionSpec(fn.replace(/^@/, "")) : undefined;
    if (!fn || !spec) throw new ExpressionError(`The condition function '${fn}' is not defined or not valid.`);
    const list = Array.isArray(raw) ? raw : [raw];
    const args = list.map((a) => (isObject(a) ? this.condition(a, host) : evaluateValue(a, host)));
    return spec.impl(args, host) === true;
  }

  /** A connector call with the action's retry policy and timeout. */
  private async call(
    name: string,
    action: Action,
    inputs: Json,
  ): Promise<Partial<ActionRun> & { status: ActionStatus; outputs?: unknown }> {
    const policy = effectivePolicy(inputs.retryPolicy as RetryPolicy | undefined);
    const timeoutMs =
      durationMs((action.limit as Json | undefined)?.timeout as string) ?? this.options.actionTimeoutMs ?? 120_000;
    const retryHistory: RetryAttempt[] = [];
    const retries = retryCount(policy);
    // Resolved before the first attempt: a wiring error (no such connection) is not worth retrying.
    const invoke = this.connectorCall(name, action.type, inputs);
    for (let attempt = 0; ; attempt++) {
      const startTime = this.now().toISOString();
      const outcome = await this.callOnce(invoke, timeoutMs);
      const endTime = this.now().toISOString();
      if (outcome.kind === "response" && outcome.response.statusCode < 400) {
        const r = outcome.response;
        return {
          status: "Succeeded",
          code: statusCodeName(r.statusCode),
          outputs: { statusCode: r.statusCode, headers: r.headers ?? {}, body: r.body ?? null },
          retryHistory: retryHistory.length ? retryHistory : undefined,
        };
      }
      const failure = failureOf(outcome);
      const retryable =
        outcome.kind === "timeout" || outcome.kind === "error" || isRetryable(outcome.response.statusCode);
      if (!retryable || attempt >= retries) {
        const outputs =
          outcome.kind === "response"
            ? {
                statusCode: outcome.response.statusCode,
                headers: outcome.response.headers ?? {},
                body: outcome.response.body ?? null,
              }
            : undefined;
        return {
          status: outcome.kind === "timeout" ? "TimedOut" : "Failed",
          code: failure.code,
          error: failure.error,
          outputs,
          retryHistory: retryHistory.length ? retryHistory : undefined,
        };
      }
      retryHistory.push({ startTime, endTime, code: failure.code, error: failure.error });
      const asked =
        outcome.kind === "response" ? retryAfterMs(outcome.response.statusCode, outcome.response.headers) : undefined;
      const wait = this.options.retryDelayMs
        ? this.options.retryDelayMs(attempt + 1, policy, asked)
        : (asked ?? retryWaitMs(attempt + 1, policy));
      await this.sleep(wait);
    }
  }

  private async callOnce(
    invoke: (signal: AbortSignal) => Promise<ConnectorResponse>,
    timeoutMs: number,
  ): Promise<
    { kind: "response"; response: ConnectorResponse } | { kind: "timeout" } | { kind: "error"; message: string }
  > {
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      const response = await Promise.race([
        invoke(signal),
        new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
      ]);
      return { kind: "response", response };
    } catch (err) {
      if (this.terminated) throw new Terminated();
      if ((err as Error)?.name === "TimeoutError") return { kind: "timeout" };
      return { kind: "error", message: (err as Error)?.message ?? String(err) };
    }
  }

  private connectorCall(name: string, type: string, inputs: Json): (signal: AbortSignal) => Promise<ConnectorResponse> {
    const { connectors } = this.options;
    const httpCall = (extra: Partial<HttpCall>): HttpCall => ({
      method: String(inputs.method ?? "POST"),
      uri: String(inputs.uri ?? ""),
      headers: inputs.headers as Record<string, string>,
      queries: inputs.queries as Record<string, string>,
      body: inputs.body,
      authentication: inputs.authentication as Record<string, unknown> | undefined,
      actionName: name,
      ...extra,
    });
    if (type === "Http") return (signal) => connectors.http(httpCall({}), signal);
    if (type === "Function") {
      const fn = connectors.function;
      if (!fn) throw new Error("FunctionNotAvailable: no Azure Functions app is available to the local runtime.");
      const functionId = String((inputs.function as Json | undefined)?.id ?? "");
      return (signal) => fn(httpCall({ functionId }), signal);
    }
    const connectionId = String(((inputs.host as Json | undefined)?.connection as Json | undefined)?.name ?? "");
    const connections = (this.host([]).parameter("$connections") ?? {}) as Record<string, Json>;
    const entry = Object.entries(connections).find(([, c]) => c.connectionId === connectionId);
    if (!entry) throw new Error(`No '$connections' entry has the connectionId '${connectionId}'.`);
    const [connectionKey, connection] = entry;
    const apiName =
      String(connection.id ?? connectionKey)
        .split("/")
        .pop() ?? connectionKey;
    return (signal) =>
      connectors.apiConnection(
        {
          apiName,
          connectionKey,
          connectionId,
          method: String(inputs.method),
          path: String(inputs.path),
          queries: inputs.queries as Record<string, string>,
          headers: inputs.headers as Record<string, string>,
          body: inputs.body,
          actionName: name,
        },
        signal,
      );
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(new Terminated());
        },
        { once: true },
      );
    });
  }

  /** What expressions see; `items` is the stack of enclosing Foreach/Query/Select elements. */
  private host(items: unknown[]): ExpressionHost {
    const stack = items as Array<{ loop: string; item: unknown }>;
    const options = this.options;
    const definitionParameters = (options.definition.parameters ?? {}) as Record<string, Json>;
    return {
      trigger: () => ({ ...this.triggerState, status: "Succeeded", code: "OK", endTime: this.triggerState.startTime }),
      action: (name) => {
        const s = this.states.get(name);
        return s && { ...s.record, inputs: s.inputs, outputs: s.outputs };
      },
      result: (scope) => [...this.states.values()].filter((s) => s.scope === scope).map((s) => s.record),
      parameter: (name) => {
        if (options.parameters && name in options.parameters) return options.parameters[name];
        if (name in definitionParameters && "defaultValue" in definitionParameters[name])
          return definitionParameters[name].defaultValue;
        throw new ExpressionError(`The workflow parameter '${name}' is not found.`);
      },
      variable: (name) => {
        if (!this.variables.has(name)) throw new ExpressionError(`The variable '${name}' is not initialized.`);
        return this.variables.get(name);
      },
      workflow: () => {
        const id = `/local/workflows/${options.workflowName}`;
        return {
          id,
          name: options.workflowName,
          type: "Microsoft.Logic/workflows",
          run: {
            id: `${id}/runs/${this.history.name}`,
            name: this.history.name,
            type: "Microsoft.Logic/workflows/runs",
          },
        };
      },
      item: () => {
        if (!stack.length)
          throw new ExpressionError("The template function 'item' can only be used inside a Foreach, Query or Select.");
        return stack[stack.length - 1].item;
      },
      items: (loop) => {
        const frame = [...stack].reverse().find((f) => f.loop === loop);
        if (!frame)
          throw new ExpressionError(
            `The template function 'items' refers to '${loop}', which is not an enclosing Foreach.`,
          );
        return frame.item;
      },
      now: this.now,
      newGuid: options.newGuid ?? randomUUID,
    };
  }
}

function scopeResult(failed: boolean): { status: ActionStatus; code: string; error?: RunError } {
  return failed
    ? {
        status: "Failed",
        code: "ActionFailed",
        error: { code: "ActionFailed", message: "An action failed. No dependent actions succeeded." },
      }
    : { status: "Succeeded", code: "OK" };
}

function failureOf(
  outcome: { kind: "response"; response: ConnectorResponse } | { kind: "timeout" } | { kind: "error"; message: string },
): { code: string; error: RunError } {
  if (outcome.kind === "timeout")
    return { code: "ActionTimedOut", error: { code: "ActionTimedOut", message: "The action timed out." } };
  if (outcome.kind === "error")
    return { code: "ConnectionFailure", error: { code: "ConnectionFailure", message: outcome.message } };
  const code = statusCodeName(outcome.response.statusCode);
  const body = outcome.response.body as Json | undefined;
  const message =
    (isObject(body) &&
      (typeof body.message === "string"
        ? body.message
        : isObject(body.error) && typeof body.error.message === "string"
          ? body.error.message
          : undefined)) ||
    JSON.stringify(body ?? null);
  return { code, error: { code, message } };
}

const INPUTS_HIDE_OUTPUTS = new Set(["Compose", "ParseJson", "Response"]);

function secureProperties(item: Json): Array<"inputs" | "outputs"> {
  const props = ((item.runtimeConfiguration as Json | undefined)?.secureData as Json | undefined)?.properties;
  return Array.isArray(props) ? [...(props as Array<"inputs" | "outputs">)] : [];
}

function childActions(action: Action): Record<string, Action> {
  return {
    ...((action.actions ?? {}) as Record<string, Action>),
    ...(((action.else as Json | undefined)?.actions ?? {}) as Record<string, Action>),
  };
}

function containsType(actions: Record<string, Action> | undefined, type: string): boolean {
  return Object.values(actions ?? {}).some((a) => a.type === type || containsType(childActions(a), type));
}
