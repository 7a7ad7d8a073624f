/**
 * What each action type does when it runs: one handler per type in {@link HANDLERS}. The scheduler
 * (run.ts) records the result; the static check (check.ts) takes its supported types from the table.
 */
import { ActionRun, ActionRunStatus, ExpressionHost, HttpResponseRecord, JsonObject, RunError } from "../types";
import { evaluateValue, ExpressionError, functionSpec } from "../expressions";
import { isObject } from "../expressions/values";
import { callWithRetries, CallContext } from "./calls";
import { LoopFrame } from "./host";

/** One action of a definition as the runner reads it (JSON, unchecked). */
export type ActionJson = JsonObject & { type: string; runAfter?: Record<string, string[]>; inputs?: unknown };

export type ActionResult = Partial<ActionRun> & { status: ActionRunStatus; outputs?: unknown; inputs?: unknown };

/** What a handler may do to its run. */
export interface RunControl extends CallContext {
  variables: Map<string, unknown>;
  host(stack: readonly LoopFrame[]): ExpressionHost;
  /** Runs a nested scope; true when a failure in it was not handled. */
  runScope(actions: Record<string, ActionJson>, scope: string, stack: readonly LoopFrame[]): Promise<boolean>;
  /** Records an action (and its nested ones) as skipped. */
  skip(name: string, action: ActionJson, scope: string): void;
  /** Answers the caller (the first answer wins). */
  respond(response: HttpResponseRecord): void;
  /** Ends the run with `status`; running actions are cancelled. */
  terminate(status: string, error: RunError | undefined): void;
}

export interface ActionContext {
  name: string;
  action: ActionJson;
  run: RunControl;
  host: ExpressionHost;
  /** Enclosing Foreach/Query/Select elements. */
  stack: readonly LoopFrame[];
  /** Evaluates the action's `inputs` and keeps them for the run history. */
  inputs(): JsonObject;
  /** Keeps what the action received, for the run history (when only part of `inputs` is evaluated). */
  setInputs(inputs: unknown): void;
}

export type Handler = (ctx: ActionContext) => ActionResult | Promise<ActionResult>;

const SUCCEEDED: ActionResult = { status: "Succeeded", code: "OK" };
const succeeded = (): ActionResult => ({ ...SUCCEEDED });

/** Action type -> what it does. The local runtime supports exactly these types. */
export const HANDLERS: Record<string, Handler> = {
  ApiConnection: connectorCall,
  Http: connectorCall,
  Function: connectorCall,
  Compose: (ctx) => ({ ...succeeded(), outputs: ctx.inputs() }),
  Response: respond,
  Terminate: terminate,
  Scope: async (ctx) => scopeResult(await ctx.run.runScope(nested(ctx.action.actions), ctx.name, ctx.stack)),
  If: ifAction,
  Switch: switchAction,
  Foreach: foreach,
  Query: (ctx) => querySelect(ctx, (_item, host) => condition((ctx.action.inputs as JsonObject).where, host) === true),
  Select: (ctx) => querySelect(ctx, (_item, host) => evaluateValue((ctx.action.inputs as JsonObject).select, host)),
  InitializeVariable: initializeVariables,
  SetVariable: setVariable,
  IncrementVariable: (ctx) => stepVariable(ctx, 1),
  DecrementVariable: (ctx) => stepVariable(ctx, -1),
  AppendToArrayVariable: appendToVariable,
  AppendToStringVariable: appendToVariable,
};

function nested(actions: unknown): Record<string, ActionJson> {
  return (actions ?? {}) as Record<string, ActionJson>;
}

function connectorCall(ctx: ActionContext): Promise<ActionResult> {
  return callWithRetries(ctx.run, ctx.name, ctx.action, ctx.inputs());
}

function respond(ctx: ActionContext): ActionResult {
  const inputs = ctx.inputs();
  const response = {
    statusCode: Number(inputs.statusCode ?? 200),
    headers: (inputs.headers as Record<string, string>) ?? {},
    body: inputs.body ?? null,
  };
  ctx.run.respond(response);
  return { ...succeeded(), outputs: response };
}

function terminate(ctx: ActionContext): ActionResult {
  const inputs = ctx.inputs();
  ctx.run.terminate(String(inputs.runStatus ?? "Failed"), inputs.runError as RunError | undefined);
  return succeeded();
}

async function ifAction(ctx: ActionContext): Promise<ActionResult> {
  const { action, name } = ctx;
  const elseActions = (action.else as JsonObject | undefined)?.actions;
  const taken = condition(action.expression, ctx.host);
  const [branch, other] = taken ? [action.actions, elseActions] : [elseActions, action.actions];
  for (const [childName, child] of Object.entries(nested(other))) ctx.run.skip(childName, child, name);
  return scopeResult(await ctx.run.runScope(nested(branch), name, ctx.stack));
}

async function switchAction(ctx: ActionContext): Promise<ActionResult> {
  const { action } = ctx;
  const value = JSON.stringify(evaluateValue(action.expression, ctx.host));
  const cases = Object.values((action.cases ?? {}) as Record<string, JsonObject>);
  const match = cases.find((c) => JSON.stringify(c.case) === value);
  const branch = match?.actions ?? (action.default as JsonObject | undefined)?.actions;
  return scopeResult(await ctx.run.runScope(nested(branch), ctx.name, ctx.stack));
}

async function foreach(ctx: ActionContext): Promise<ActionResult> {
  const { action, name, stack } = ctx;
  const list = evaluateValue(action.foreach, ctx.host);
  if (!Array.isArray(list))
    throw new ExpressionError(
      `The 'foreach' of action '${name}' must be an array; it evaluated to a value of type '${typeof list}'.`,
    );
  const body = nested(action.actions);
  const iterate = (item: unknown) => ctx.run.runScope(body, name, [...stack, { loop: name, item }]);
  let failed = false;
  if (String(action.operationOptions ?? "").includes("Sequential")) {
    for (const item of list) failed = (await iterate(item)) || failed;
  } else {
    failed = (await Promise.all(list.map(iterate))).some(Boolean);
  }
  return { ...scopeResult(failed), iterations: list.length };
}

/** Query and Select: only `from` is evaluated up front; `where` / `select` run per element, with item() bound. */
function querySelect(ctx: ActionContext, each: (item: unknown, host: ExpressionHost) => unknown): ActionResult {
  const { action, name } = ctx;
  const inputs = evaluateValue({ from: (action.inputs as JsonObject).from }, ctx.host) as JsonObject;
  ctx.setInputs(inputs);
  if (!Array.isArray(inputs.from))
    throw new ExpressionError(`The 'from' property of action '${name}' must be an array.`);
  const results = inputs.from.map((item) => each(item, ctx.run.host([...ctx.stack, { loop: name, item }])));
  const body = action.type === "Query" ? inputs.from.filter((_, i) => results[i] === true) : results;
  return { ...succeeded(), outputs: { body } };
}

function initializeVariables(ctx: ActionContext): ActionResult {
  for (const v of (ctx.inputs().variables ?? []) as JsonObject[])
    ctx.run.variables.set(String(v.name), v.value ?? null);
  return succeeded();
}

function setVariable(ctx: ActionContext): ActionResult {
  const inputs = ctx.inputs();
  ctx.run.variables.set(String(inputs.name), inputs.value ?? null);
  return succeeded();
}

function stepVariable(ctx: ActionContext, sign: 1 | -1): ActionResult {
  const inputs = ctx.inputs();
  const name = String(inputs.name);
  ctx.run.variables.set(name, Number(ctx.host.variable(name)) + sign * Number(inputs.value ?? 1));
  return succeeded();
}

function appendToVariable(ctx: ActionContext): ActionResult {
  const inputs = ctx.inputs();
  const name = String(inputs.name);
  const current = ctx.host.variable(name);
  ctx.run.variables.set(
    name,
    Array.isArray(current) ? [...current, inputs.value] : `${String(current)}${String(inputs.value)}`,
  );
  return succeeded();
}

/** `If` / `Query` conditions: a template string or Azure's structured form (`{ "and": [ { "equals": [...] } ] }`). */
export function condition(expression: unknown, host: ExpressionHost): boolean {
  if (typeof expression === "string" || typeof expression === "boolean")
    return evaluateValue(expression, host) === true;
  if (!isObject(expression))
    throw new ExpressionError("The condition expression must be a template string or an object.");
  const [fn, raw] = Object.entries(expression)[0] ?? [];
  const spec = fn ? functionSpec(fn.replace(/^@/, "")) : undefined;
  if (!fn || !spec) throw new ExpressionError(`The condition function '${fn}' is not defined or not valid.`);
  const list = Array.isArray(raw) ? raw : [raw];
  const args = list.map((a) => (isObject(a) ? condition(a, host) : evaluateValue(a, host)));
  return spec.impl(args, host) === true;
}

/** A scope-like action fails when a failure inside it was not handled. */
export function scopeResult(failed: boolean): ActionResult {
  return failed
    ? {
        status: "Failed",
        code: "ActionFailed",
        error: { code: "ActionFailed", message: "An action failed. No dependent actions succeeded." },
      }
    : succeeded();
}
