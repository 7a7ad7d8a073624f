/**
 * Azure's save-time rules for Logic Apps (Consumption) workflow definitions that no mock knows:
 * a static checker, input a definition, output the violations with Azure's error code where a
 * source shows one. Each rule names its source; "limits page" is "Limits and configuration reference
 * for Azure Logic Apps" (learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config,
 * MicrosoftDocs/azure-docs articles/logic-apps/logic-apps-limits-and-config.md).
 */
import { checkTemplates, parseTemplate } from "../emulator/expressions";
import { isObject } from "../emulator/expressions/values";
import { WorkflowAction, WorkflowDefinition } from "../definition/types";
import { inputsHideOutputs, SECURE_DATA_SOURCE, secureDataSupport } from "../policy/secureData";
import { isoSeconds, Violation } from "./violation";

/** An action with where it sits in the definition. */
export interface ActionNode {
  name: string;
  path: string;
  action: WorkflowAction;
  /** The actions of the same `actions` map (runAfter may only name these). */
  siblings: Record<string, WorkflowAction>;
  /** 1 for top-level actions. */
  depth: number;
  /** Types of the enclosing actions, outermost first. */
  ancestors: string[];
}

export interface DefinitionOptions {
  /** The workflow resource has a managed identity (`identity.type` SystemAssigned or UserAssigned). */
  workflowIdentity?: boolean;
}

export interface DefinitionContext {
  definition: WorkflowDefinition;
  nodes: ActionNode[];
  options: DefinitionOptions;
}

export interface DefinitionRule {
  id: string;
  source: string;
  check(ctx: DefinitionContext): Violation[];
}

const LOOPS = ["Foreach", "Until"];
const RUN_AFTER_STATUSES = ["Succeeded", "Failed", "Skipped", "TimedOut"];
const RETRY_TYPES = ["default", "none", "fixed", "exponential"];
const MIN_RETRY_S = 5;
const MAX_RETRY_S = 86_400;
const MAX_RUN_S = 90 * 86_400;
const HTTP_AUTH_TYPES = ["Basic", "ClientCertificate", "ActiveDirectoryOAuth", "Raw", "ManagedServiceIdentity"];
const TRIGGER_OPERATION_OPTIONS = [
  "Asynchronous",
  "DisableAsyncPattern",
  "DisableAutomaticDecompression",
  "EnableSchemaValidation",
  "IncludeAuthorizationHeadersInOutputs",
  "Sequential",
  "SingleInstance",
  "SuppressWorkflowHeaders",
  "SuppressWorkflowHeadersOnResponse",
];

/** Every action of the definition, depth first, with its sibling map and enclosing types. */
export function actionNodes(def: WorkflowDefinition): ActionNode[] {
  const nodes: ActionNode[] = [];
  const visit = (actions: Record<string, WorkflowAction>, path: string, ancestors: string[]) => {
    for (const [name, action] of Object.entries(actions)) {
      const at = `${path}.${name}`;
      nodes.push({ name, path: at, action, siblings: actions, depth: ancestors.length + 1, ancestors });
      for (const [suffix, child] of childMaps(action)) visit(child, `${at}${suffix}`, [...ancestors, action.type]);
    }
  };
  visit(def.actions ?? {}, "actions", []);
  return nodes;
}

/** The nested `actions` maps of an action (If: actions and else; Switch: each case and default). */
function childMaps(action: WorkflowAction): Array<[string, Record<string, WorkflowAction>]> {
  const maps: Array<[string, Record<string, WorkflowAction>]> = [];
  if (isObject(action.actions)) maps.push([".actions", action.actions]);
  if (isObject(action.else?.actions)) maps.push([".else.actions", action.else.actions]);
  const cases = action.cases as Record<string, { actions?: Record<string, WorkflowAction> }> | undefined;
  for (const [c, body] of Object.entries(cases ?? {}))
    if (isObject(body.actions)) maps.push([`.cases.${c}.actions`, body.actions]);
  const dflt = action.default as { actions?: Record<string, WorkflowAction> } | undefined;
  if (isObject(dflt?.actions)) maps.push([".default.actions", dflt.actions]);
  return maps;
}

const v = (rule: string, path: string, message: string, fix: string, code?: string): Violation => ({
  rule,
  path,
  message,
  fix,
  ...(code ? { code } : {}),
});

const secureProps = (a: { runtimeConfiguration?: unknown }): string[] | undefined =>
  (a.runtimeConfiguration as { secureData?: { properties?: string[] } } | undefined)?.secureData?.properties;

const inputsOf = (a: WorkflowAction): Record<string, unknown> => (isObject(a.inputs) ? a.inputs : {});

/** Every node of a type; `each` returns the violations of one node. */
function perNode(ctx: DefinitionContext, each: (n: ActionNode) => Violation[] | Violation | undefined): Violation[] {
  return ctx.nodes.flatMap((n) => each(n) ?? []);
}

/** Triggers and actions, each with its path and what it is ("trigger" or "action"), for the secureData rules. */
function secureSteps(ctx: DefinitionContext) {
  return [
    ...Object.entries(ctx.definition.triggers ?? {}).map(([name, step]) => ({
      name,
      path: `triggers.${name}`,
      what: "trigger",
      step,
    })),
    ...ctx.nodes.map((n) => ({ name: n.name, path: n.path, what: "action", step: n.action })),
  ];
}

/** The settings each type takes come from the policy pack's table (policy/secureData.ts), one for both checks. */
function checkSecureInputsOnly(ctx: DefinitionContext): Violation[] {
  return secureSteps(ctx).flatMap(({ name, path, what, step }) => {
    const secured = secureProps(step);
    if (secureDataSupport(step.type) !== "inputs" || !secured?.includes("outputs")) return [];
    const hides = inputsHideOutputs(step.type) ? " (which also hides its outputs)" : "";
    return v(
      "secure-data-inputs-only",
      path,
      `${step.type} ${what} "${name}" sets runtimeConfiguration.secureData.properties to ${JSON.stringify(secured)}; ${step.type} supports only "inputs"${hides}.`,
      'use secureData.properties ["inputs"].',
      "InvalidSecureDataConfiguration",
    );
  });
}

function checkSecureUnsupported(ctx: DefinitionContext): Violation[] {
  return secureSteps(ctx).flatMap(({ name, path, what, step }) => {
    if (secureDataSupport(step.type) !== "none" || secureProps(step) === undefined) return [];
    return v(
      "secure-data-unsupported",
      path,
      `${step.type} ${what} "${name}" sets runtimeConfiguration.secureData; ${step.type} has neither Secure Inputs nor Secure Outputs.`,
      what === "trigger"
        ? "remove secureData from this trigger."
        : "remove secureData from this action and secure the actions that hold the data.",
    );
  });
}

function checkSecureValues(ctx: DefinitionContext): Violation[] {
  return secureSteps(ctx).flatMap(({ path, step }) => {
    const bad = (secureProps(step) ?? []).filter((p) => p !== "inputs" && p !== "outputs");
    if (bad.length === 0) return [];
    return v(
      "secure-data-values",
      path,
      `secureData.properties contains ${JSON.stringify(bad)}; only "inputs" and "outputs" exist.`,
      'list "inputs" and/or "outputs" only.',
      "InvalidSecureDataConfiguration",
    );
  });
}

/** Actions and triggers that carry a retry policy, with their paths. */
function retryPolicies(ctx: DefinitionContext): Array<{ path: string; policy: Record<string, unknown> }> {
  const withPolicy = [
    ...ctx.nodes.map((n) => ({ path: n.path, inputs: inputsOf(n.action) })),
    ...Object.entries(ctx.definition.triggers ?? {}).map(([name, t]) => ({
      path: `triggers.${name}`,
      inputs: isObject(t.inputs) ? t.inputs : {},
    })),
  ];
  return withPolicy
    .filter((x) => isObject(x.inputs.retryPolicy))
    .map((x) => ({ path: `${x.path}.inputs.retryPolicy`, policy: x.inputs.retryPolicy as Record<string, unknown> }));
}

function checkRetryPolicy(ctx: DefinitionContext): Violation[] {
  return retryPolicies(ctx).flatMap(({ path, policy }) =>
    retryProblems(policy).map((p) => v("retry-policy", path, p.message, p.fix)),
  );
}

function retryProblems(policy: Record<string, unknown>): Array<{ message: string; fix: string }> {
  const type = policy.type;
  if (!RETRY_TYPES.includes(type as string))
    return [
      {
        message: `type ${JSON.stringify(type)} is not a retry policy type.`,
        fix: `use one of ${RETRY_TYPES.join(", ")}.`,
      },
    ];
  if (type !== "fixed" && type !== "exponential") return [];
  const problems: Array<{ message: string; fix: string }> = [];
  const count = policy.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 90)
    problems.push({
      message: `count ${JSON.stringify(count)} is not a whole number from 1 to 90.`,
      fix: "set count between 1 and 90.",
    });
  for (const key of ["interval", "minimumInterval", "maximumInterval"]) {
    if (key !== "interval" && policy[key] === undefined) continue;
    if (key !== "interval" && type !== "exponential") {
      problems.push({
        message: `${key} applies only to the exponential policy.`,
        fix: `remove ${key} or use type "exponential".`,
      });
      continue;
    }
    const s = isoSeconds(policy[key]);
    if (s === undefined || s < MIN_RETRY_S || s > MAX_RETRY_S)
      problems.push({
        message: `${key} ${JSON.stringify(policy[key])} is not an ISO 8601 duration from PT5S to P1D.`,
        fix: `set ${key} to e.g. "PT30S".`,
      });
  }
  const min = isoSeconds(policy.minimumInterval);
  const max = isoSeconds(policy.maximumInterval);
  if (min !== undefined && max !== undefined && min > max)
    problems.push({
      message: `minimumInterval ${String(policy.minimumInterval)} exceeds maximumInterval ${String(policy.maximumInterval)}.`,
      fix: "make minimumInterval <= maximumInterval.",
    });
  return problems;
}

function checkExpressions(ctx: DefinitionContext): Violation[] {
  const parts: Array<[string, unknown]> = [
    ...ctx.nodes.map((n): [string, unknown] => [n.path, withoutChildren(n.action)]),
    ...Object.entries(ctx.definition.triggers ?? {}).map(([k, t]): [string, unknown] => [`triggers.${k}`, t]),
    ["outputs", ctx.definition.outputs ?? {}],
  ];
  return parts.flatMap(([path, value]) =>
    checkTemplates(value, path).map((p) =>
      v(
        "expression-valid",
        p.path,
        `${p.message} (in ${JSON.stringify(p.expression.slice(0, 120))})`,
        "fix the function name, its argument count or the syntax.",
        "InvalidTemplate",
      ),
    ),
  );
}

/** An action without its nested actions (they are checked as nodes of their own). */
function withoutChildren(action: WorkflowAction): Record<string, unknown> {
  const { actions: _a, else: _e, cases: _c, default: _d, ...rest } = action;
  return rest;
}

/** Every @-expression source in a value. */
function expressionSources(value: unknown): string[] {
  if (typeof value === "string") {
    try {
      const t = parseTemplate(value);
      if (t.kind === "expression") return [t.source];
      if (t.kind === "interpolation") return t.parts.flatMap((p) => (typeof p === "string" ? [] : [p.source]));
    } catch {
      return []; // reported by expression-valid
    }
    return [];
  }
  if (Array.isArray(value)) return value.flatMap(expressionSources);
  if (isObject(value))
    return Object.entries(value).flatMap(([k, x]) => [...expressionSources(k), ...expressionSources(x)]);
  return [];
}

function checkExpressionLength(ctx: DefinitionContext): Violation[] {
  return perNode(ctx, (n) =>
    expressionSources(withoutChildren(n.action))
      .filter((s) => s.length > 8192)
      .map((s) =>
        v(
          "expression-length",
          n.path,
          `an expression has ${s.length} characters; the limit is 8,192.`,
          "split it across Compose actions or move the text to a parameter.",
        ),
      ),
  );
}

function checkRunAfter(ctx: DefinitionContext): Violation[] {
  return perNode(ctx, (n) =>
    Object.entries(n.action.runAfter ?? {}).flatMap(([target, statuses]) => {
      const out: Violation[] = [];
      if (!(target in n.siblings) || target === n.name)
        out.push(
          v(
            "run-after-target",
            `${n.path}.runAfter`,
            `runs after "${target}", which is not another action of the same actions block.`,
            `name an action next to "${n.name}", or move "${n.name}" next to "${target}".`,
          ),
        );
      const bad = (statuses as string[]).filter((s) => !RUN_AFTER_STATUSES.includes(s));
      if (bad.length > 0)
        out.push(
          v(
            "run-after-status",
            `${n.path}.runAfter.${target}`,
            `status ${JSON.stringify(bad)} is not a run-after status.`,
            `use ${RUN_AFTER_STATUSES.join(", ")}.`,
          ),
        );
      return out;
    }),
  );
}

function checkRunAfterCycles(ctx: DefinitionContext): Violation[] {
  const maps = new Set(ctx.nodes.map((n) => n.siblings));
  const paths = new Map(ctx.nodes.map((n) => [n.action, n.path]));
  return [...maps].flatMap((siblings) => {
    const cycle = findCycle(siblings);
    if (!cycle) return [];
    const path = paths.get(siblings[cycle[0]])!;
    return [
      v(
        "run-after-cycle",
        path,
        `runAfter forms a cycle: ${[...cycle, cycle[0]].join(" -> ")}.`,
        "break the cycle so that one action runs first.",
      ),
    ];
  });
}

/** Names forming a runAfter cycle among siblings, or undefined. */
function findCycle(siblings: Record<string, WorkflowAction>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const dfs = (name: string): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "open") return stack.slice(stack.indexOf(name));
    state.set(name, "open");
    stack.push(name);
    for (const dep of Object.keys(siblings[name]?.runAfter ?? {}).filter((d) => d in siblings)) {
      const found = dfs(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const name of Object.keys(siblings)) {
    const found = dfs(name);
    if (found) return found;
  }
  return undefined;
}

function checkTerminate(ctx: DefinitionContext): Violation[] {
  return perNode(ctx, (n) => {
    if (n.action.type !== "Terminate") return;
    const { runStatus, runError } = inputsOf(n.action);
    const out: Violation[] = [];
    if (!["Failed", "Cancelled", "Succeeded"].includes(runStatus as string))
      out.push(
        v(
          "terminate-status",
          n.path,
          `runStatus ${JSON.stringify(runStatus)} is not Failed, Cancelled or Succeeded.`,
          "set runStatus to Failed, Cancelled or Succeeded.",
        ),
      );
    else if (runError !== undefined && runStatus !== "Failed")
      out.push(
        v(
          "terminate-status",
          n.path,
          `runError is set with runStatus "${String(runStatus)}"; runError applies only to Failed.`,
          'remove runError or use runStatus "Failed".',
        ),
      );
    return out;
  });
}

/** Terminate and Response can't sit inside a Foreach or Until loop. */
function checkNotInLoop(ctx: DefinitionContext, rule: string, type: string): Violation[] {
  return perNode(ctx, (n) => {
    const loop = n.ancestors.find((a) => LOOPS.includes(a));
    if (n.action.type !== type || !loop) return;
    return v(rule, n.path, `${type} action "${n.name}" is inside a ${loop} loop.`, `move "${n.name}" out of the loop.`);
  });
}

function checkResponse(ctx: DefinitionContext): Violation[] {
  const requestTrigger = Object.values(ctx.definition.triggers ?? {}).some((t) => t.type === "Request");
  return perNode(ctx, (n) => {
    if (n.action.type !== "Response") return;
    const out: Violation[] = [];
    if (!requestTrigger)
      out.push(
        v(
          "response-request-trigger",
          n.path,
          `Response action "${n.name}" needs a Request (HTTP) trigger; the workflow has none.`,
          "start the workflow with a Request trigger or remove the Response.",
        ),
      );
    const code = inputsOf(n.action).statusCode;
    const literal =
      typeof code === "number" || (typeof code === "string" && !code.startsWith("@") && !code.includes("@{"));
    const num = Number(code);
    if (literal && !(Number.isInteger(num) && num >= 200 && num <= 599 && (num < 300 || num >= 400)))
      out.push(
        v(
          "response-status-code",
          `${n.path}.inputs.statusCode`,
          `statusCode ${JSON.stringify(code)} is not a 2xx, 4xx or 5xx code.`,
          "use a status code from 200-299, 400-499 or 500-599.",
        ),
      );
    return out;
  });
}

/** Counted limits of one definition, from the limits page. */
function checkCounts(ctx: DefinitionContext): Violation[] {
  const def = ctx.definition;
  const counts: Array<[string, number, number, string]> = [
    ["actions", ctx.nodes.length, 500, "Actions per workflow"],
    ["triggers", Object.keys(def.triggers ?? {}).length, 10, "Triggers per workflow"],
    ["parameters", Object.keys(def.parameters ?? {}).length, 50, "Parameters per workflow (Consumption)"],
    ["outputs", Object.keys(def.outputs ?? {}).length, 10, "Outputs per workflow"],
  ];
  return counts
    .filter(([, n, max]) => n > max)
    .map(([path, n, max, what]) =>
      v("definition-counts", path, `${what}: ${n}; the limit is ${max}.`, "split the workflow into nested workflows."),
    );
}

function checkNesting(ctx: DefinitionContext): Violation[] {
  return perNode(ctx, (n) =>
    n.depth > 8
      ? v(
          "nesting-depth",
          n.path,
          `action "${n.name}" is nested ${n.depth} levels deep; the limit is 8.`,
          "flatten the scopes or move the branch into a nested workflow.",
        )
      : undefined,
  );
}

function checkNamesAndDescriptions(ctx: DefinitionContext): Violation[] {
  const named: Array<[string, string, { description?: string }]> = [
    ...ctx.nodes.map((n): [string, string, { description?: string }] => [n.path, n.name, n.action]),
    ...Object.entries(ctx.definition.triggers ?? {}).map(([k, t]): [string, string, { description?: string }] => [
      `triggers.${k}`,
      k,
      t,
    ]),
  ];
  return named.flatMap(([path, name, item]) => {
    const out: Violation[] = [];
    if (name.length > 80)
      out.push(
        v(
          "name-length",
          path,
          `the name "${name}" has ${name.length} characters; the limit is 80.`,
          "shorten the name to 80 characters or fewer.",
        ),
      );
    if (typeof item.description === "string" && item.description.length > 256)
      out.push(
        v(
          "description-length",
          `${path}.description`,
          `the description has ${item.description.length} characters; the limit is 256.`,
          "shorten the description to 256 characters.",
        ),
      );
    return out;
  });
}

function checkTimeout(ctx: DefinitionContext): Violation[] {
  return perNode(ctx, (n) => {
    const timeout = (n.action.limit as { timeout?: unknown } | undefined)?.timeout;
    if (timeout === undefined) return;
    const s = isoSeconds(timeout);
    if (s !== undefined && s > 0 && s <= MAX_RUN_S) return;
    return v(
      "limit-timeout",
      `${n.path}.limit.timeout`,
      `timeout ${JSON.stringify(timeout)} is not an ISO 8601 duration up to the 90-day run duration.`,
      'use a duration such as "PT30S" or "PT1H".',
    );
  });
}

function checkHttpAuthentication(ctx: DefinitionContext): Violation[] {
  return perNode(ctx, (n) => {
    const auth = inputsOf(n.action).authentication as Record<string, unknown> | undefined;
    if (!["Http", "Function", "ApiManagement"].includes(n.action.type) || !isObject(auth)) return;
    const at = `${n.path}.inputs.authentication`;
    if (!HTTP_AUTH_TYPES.includes(auth.type as string))
      return v(
        "http-authentication",
        at,
        `authentication type ${JSON.stringify(auth.type)} is not supported.`,
        `use one of ${HTTP_AUTH_TYPES.join(", ")}.`,
      );
    if (auth.type !== "ManagedServiceIdentity") return;
    const out: Violation[] = [];
    if (typeof auth.audience !== "string" || auth.audience === "")
      out.push(
        v(
          "http-authentication",
          at,
          "ManagedServiceIdentity authentication has no audience.",
          'set audience to the target resource, e.g. "https://storage.azure.com/".',
        ),
      );
    if (!ctx.options.workflowIdentity)
      out.push(
        v(
          "http-managed-identity",
          at,
          `action "${n.name}" authenticates as the workflow's managed identity, but the workflow has none ("does not have managed identity enabled").`,
          'give the workflow identity: { type: "SystemAssigned" }.',
        ),
      );
    return out;
  });
}

function checkTriggers(ctx: DefinitionContext): Violation[] {
  return Object.entries(ctx.definition.triggers ?? {}).flatMap(([name, t]) => {
    const options = typeof t.operationOptions === "string" ? t.operationOptions.split(",").map((o) => o.trim()) : [];
    const out = options
      .filter((o) => !TRIGGER_OPERATION_OPTIONS.includes(o))
      .map((o) =>
        v(
          "trigger-operation-options",
          `triggers.${name}.operationOptions`,
          `"${o}" is not an operation option.`,
          `use ${TRIGGER_OPERATION_OPTIONS.join(", ")}.`,
        ),
      );
    const schema = isObject(t.inputs) ? t.inputs.schema : undefined;
    if (t.type === "Request" && schema !== undefined && !isObject(schema))
      out.push(
        v(
          "trigger-request-schema",
          `triggers.${name}.inputs.schema`,
          "the Request trigger's schema is not a JSON object.",
          "give a JSON schema object, or {}.",
        ),
      );
    return out;
  });
}

const DOCS = "MicrosoftDocs/azure-docs articles/logic-apps";
const ACTIONS_DOC = `${DOCS}/logic-apps-workflow-actions-triggers.md`;
const LIMITS_DOC = `${DOCS}/logic-apps-limits-and-config.md ("Limits and configuration reference for Azure Logic Apps")`;

/** The catalogue: one rule a row, its source quoted briefly. */
export const DEFINITION_RULES: DefinitionRule[] = [
  {
    id: "secure-data-inputs-only",
    // In "Secure Outputs - Unsupported" only (Compose, ParseJson, Response, Wait): policy/secureData.ts.
    // Deploys fail with InvalidSecureDataConfiguration (Azure/Azure-Sentinel PR #13946: "Compose actions
    // only support "inputs" in secureData.properties").
    source: `${SECURE_DATA_SOURCE}; Azure/Azure-Sentinel#13946`,
    check: checkSecureInputsOnly,
  },
  {
    id: "secure-data-unsupported",
    // In both columns (variables, controls, Terminate, the Recurrence trigger): policy/secureData.ts.
    source: SECURE_DATA_SOURCE,
    check: checkSecureUnsupported,
  },
  {
    id: "secure-data-values",
    source: `${DOCS}/logic-apps-securing-a-logic-app.md ("properties": ["inputs", "outputs"])`,
    check: checkSecureValues,
  },
  {
    id: "retry-policy",
    // "<retry-attempts> ... must be between 1 and 90"; interval ISO 8601, "minimum interval is PT5S and the
    // maximum interval is PT1D"; minimumInterval/maximumInterval "for the exponential interval policy".
    source: `${DOCS}/logic-apps-exception-handling.md#retry-policies; ${LIMITS_DOC}#retry-policy-limits`,
    check: checkRetryPolicy,
  },
  {
    id: "expression-valid",
    // Function names and arities: emulator/expressions FUNCTIONS, from "Reference guide to workflow expression functions".
    source: `${DOCS}/workflow-definition-language-functions-reference.md`,
    check: checkExpressions,
  },
  {
    id: "expression-length",
    source: `${LIMITS_DOC}: "Expression character limit | 8,192 characters"`,
    check: checkExpressionLength,
  },
  {
    id: "run-after-status",
    // "the runAfter property specifies the predecessor action ... Succeeded, Failed, Skipped, or TimedOut".
    source: `${DOCS}/logic-apps-exception-handling.md#customize-run-after-behavior`,
    check: (ctx) => checkRunAfter(ctx).filter((x) => x.rule === "run-after-status"),
  },
  {
    id: "run-after-target",
    // runAfter names a predecessor in the same actions block (same page; the engine resolves names per scope).
    source: `${DOCS}/logic-apps-exception-handling.md#catch-and-handle-failures-by-changing-run-after-behavior`,
    check: (ctx) => checkRunAfter(ctx).filter((x) => x.rule === "run-after-target"),
  },
  {
    id: "run-after-cycle",
    source: `${DOCS}/logic-apps-exception-handling.md ("predecessor action that must first finish")`,
    check: checkRunAfterCycles,
  },
  {
    id: "terminate-status",
    // "<status> ... "Failed", "Cancelled", or "Succeeded"" and runError "apply only when ... "Failed" status".
    source: `${ACTIONS_DOC}#terminate-action`,
    check: checkTerminate,
  },
  {
    id: "terminate-not-in-loop",
    // "can't appear inside Foreach and Until loops, including sequential loops".
    source: `${ACTIONS_DOC}#terminate-action`,
    check: (ctx) => checkNotInLoop(ctx, "terminate-not-in-loop", "Terminate"),
  },
  {
    id: "response-not-in-loop",
    // "anywhere except inside Foreach loops, Until loops, including sequential loops, and parallel branches".
    // The parallel-branch clause is not enforced: exported templates answer from a branch parallel to the
    // rest of the run (as this kit does) and no source shows Azure rejecting it.
    source: `${ACTIONS_DOC}#response-action (Restrictions)`,
    check: (ctx) => checkNotInLoop(ctx, "response-not-in-loop", "Response"),
  },
  {
    id: "response-request-trigger",
    // "can use the Response action only when the workflow starts with an HTTP request trigger".
    source: `${ACTIONS_DOC}#response-action (Restrictions)`,
    check: (ctx) => checkResponse(ctx).filter((x) => x.rule === "response-request-trigger"),
  },
  {
    id: "response-status-code",
    // "any valid status code that starts with 2xx, 4xx, or 5xx, but not with 3xx".
    source: `${ACTIONS_DOC}#response-action`,
    check: (ctx) => checkResponse(ctx).filter((x) => x.rule === "response-status-code"),
  },
  {
    id: "definition-counts",
    source: `${LIMITS_DOC}: actions 500, triggers 10, parameters 50 (Consumption), outputs 10`,
    check: checkCounts,
  },
  { id: "nesting-depth", source: `${LIMITS_DOC}: "Actions nesting depth | 8 actions"`, check: checkNesting },
  {
    id: "name-length",
    source: `${LIMITS_DOC}: "Single trigger or action - Maximum name length | 80 characters"`,
    check: (ctx) => checkNamesAndDescriptions(ctx).filter((x) => x.rule === "name-length"),
  },
  {
    id: "description-length",
    source: `${LIMITS_DOC}: "description - Maximum length | 256 characters"`,
    check: (ctx) => checkNamesAndDescriptions(ctx).filter((x) => x.rule === "description-length"),
  },
  {
    id: "limit-timeout",
    source: `${ACTIONS_DOC} (limit.timeout, ISO 8601); ${LIMITS_DOC}: run duration 90 days`,
    check: checkTimeout,
  },
  {
    id: "http-authentication",
    // Outbound authentication types, and for a managed identity "audience": the target resource.
    source: `${DOCS}/logic-apps-securing-a-logic-app.md#add-authentication-to-outbound-calls`,
    check: (ctx) => checkHttpAuthentication(ctx).filter((x) => x.rule === "http-authentication"),
  },
  {
    id: "http-managed-identity",
    // "The workflow 'Testworkflow' does not have managed identity enabled." (Azure/logicapps#191)
    source: `${DOCS}/authenticate-with-managed-identity.md; Azure/logicapps#191`,
    check: (ctx) => checkHttpAuthentication(ctx).filter((x) => x.rule === "http-managed-identity"),
  },
  {
    id: "trigger-operation-options",
    source: `${ACTIONS_DOC}#operation-options; Azure/LogicAppsUX OperationOptions enum`,
    check: (ctx) => checkTriggers(ctx).filter((x) => x.rule === "trigger-operation-options"),
  },
  {
    id: "trigger-request-schema",
    source: `${ACTIONS_DOC}#request-trigger ("<JSON-schema> | JSON Object")`,
    check: (ctx) => checkTriggers(ctx).filter((x) => x.rule === "trigger-request-schema"),
  },
];

/** Every violation of the catalogue in `definition`, in catalogue order. */
export function checkDefinition(definition: WorkflowDefinition, options: DefinitionOptions = {}): Violation[] {
  const ctx: DefinitionContext = { definition, nodes: actionNodes(definition), options };
  return DEFINITION_RULES.flatMap((rule) => rule.check(ctx));
}
