/**
 * Reading a Logic Apps workflow definition for the policies: where each action sits, which calls
 * leave the workflow, which steps can only run after the archive succeeded, and which carry the lead.
 * Type names and statuses are compared case-insensitively: Azure's own examples write "foreach"
 * (learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling, "Get context and results for failures").
 */
export type Props = Record<string, unknown>;
type Actions = Record<string, Action>;
export type Action = {
  type?: string;
  runAfter?: Record<string, string[]>;
  inputs?: Props;
  runtimeConfiguration?: Props;
  actions?: Actions;
  else?: { actions?: Actions };
  cases?: Record<string, { actions?: Actions }>;
  default?: { actions?: Actions };
  foreach?: unknown;
};
/** An action with its container (undefined at top level) and the siblings its runAfter may name. */
export type Located = { name: string; action: Action; parent?: string; siblings: Actions };

export const kindOf = (action: Action): string => String(action.type ?? "").toLowerCase();

/** Every action of a definition, parents before children, in definition order. */
export function allActions(definition: unknown): Located[] {
  const out: Located[] = [];
  const walk = (actions: Actions | undefined, parent?: string) => {
    const siblings = actions ?? {};
    for (const [name, action] of Object.entries(siblings)) {
      out.push({ name, action, parent, siblings });
      walk(action.actions, name);
      walk(action.else?.actions, name);
      for (const c of Object.values(action.cases ?? {})) walk(c.actions, name);
      walk(action.default?.actions, name);
    }
  };
  walk((definition as { actions?: Actions })?.actions);
  return out;
}

export function triggersOf(definition: unknown): Array<[string, Action]> {
  return Object.entries((definition as { triggers?: Actions })?.triggers ?? {});
}

/** Actions that send a request somewhere: connectors, HTTP, functions, child workflows. */
const CALLS = new Set(["apiconnection", "apiconnectionwebhook", "http", "httpwebhook", "function", "workflow"]);
export const isCall = (action: Action): boolean => CALLS.has(kindOf(action));

function apiOf(action: Action): string | undefined {
  const connection = (action.inputs?.host as Props | undefined)?.connection as Props | undefined;
  return /\$connections'\)\['([^']+)'\]/.exec(String(connection?.name ?? ""))?.[1];
}

const STORAGE_AUDIENCE = /^https:\/\/storage\.azure\.com\/?$/i;
const TABLE_ENDPOINT = "@{parameters('tableEndpoint')}";

/**
 * A call to the kit's own Table storage, in either of the kit's shapes: the `azuretables` managed
 * connector, or built-in Http authenticated for the storage audience on the `tableEndpoint` parameter
 * (the kit's convention for its archive account). Any other URL, even with the storage audience, is an
 * outbound call: the lead would leave the kit's account.
 */
export function isStorageCall(action: Action): boolean {
  if (kindOf(action) === "apiconnection") return apiOf(action) === "azuretables";
  if (kindOf(action) !== "http") return false;
  const auth = action.inputs?.authentication as Props | undefined;
  return (
    STORAGE_AUDIENCE.test(String(auth?.audience ?? "")) && String(action.inputs?.uri ?? "").startsWith(TABLE_ENDPOINT)
  );
}

export const isOutboundCall = (action: Action): boolean => isCall(action) && !isStorageCall(action);

const methodOf = (action: Action): string => String(action.inputs?.method ?? "").toLowerCase();
export const isStorageWrite = (action: Action): boolean =>
  isStorageCall(action) && ["put", "post", "patch", "merge"].includes(methodOf(action));
export const isStorageRead = (action: Action): boolean => isStorageCall(action) && methodOf(action) === "get";

/**
 * Whether an action can only start once `archive` has Succeeded. runAfter is an AND: an action starts
 * only when every listed predecessor ended in one of its listed statuses, and a predecessor that did not
 * run is Skipped (learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling, "Catch and handle
 * failures by changing run after behavior"). So one entry that implies the archive succeeded is enough:
 * the archive itself with Succeeded only, or a predecessor with Succeeded/Failed/TimedOut (it ran) that
 * could only start after the archive. Skipped never implies it. Nested actions also start only when their
 * container runs, and with runAfter {} they start with it.
 */
export function startsOnlyAfter(archive: string, located: Located[]): (name: string) => boolean {
  const byName = new Map(located.map((l) => [l.name, l]));
  const memo = new Map<string, boolean>();
  const ranStatuses = ["succeeded", "failed", "timedout"];
  const entryGuards = (from: Located, predecessor: string, statuses: unknown): boolean => {
    const list = (Array.isArray(statuses) ? statuses : []).map((s) => String(s).toLowerCase());
    if (!(predecessor in from.siblings) || list.length === 0) return false;
    if (predecessor === archive) return list.every((s) => s === "succeeded");
    return list.every((s) => ranStatuses.includes(s)) && guarded(predecessor);
  };
  const guarded = (name: string): boolean => {
    if (name === archive) return false;
    if (memo.has(name)) return memo.get(name)!;
    memo.set(name, false); // a cycle guards nothing
    const at = byName.get(name);
    const result =
      !!at &&
      ((at.parent !== undefined && guarded(at.parent)) ||
        Object.entries(at.action.runAfter ?? {}).some(([p, s]) => entryGuards(at, p, s)));
    memo.set(name, result);
    return result;
  };
  return guarded;
}

/**
 * Reading the trigger's body, outputs or form data; its headers (replay targets) are not lead data. WDL
 * names are matched in any case and with either `['x']` or `.x` property access.
 */
const LEAD_SOURCE =
  /triggerBody\(\s*\)|triggerOutputs\(\s*\)(?!\??(\.headers|\[\s*'headers'))|trigger\(\s*\)\??(\.outputs|\[\s*'outputs')|triggerFormData\w*\(|triggerMultipartBody\(/i;
export const readsTrigger = (value: unknown): boolean => LEAD_SOURCE.test(JSON.stringify(value ?? null));
const REFERENCE = /\b(body|outputs|actions|result|items)\(\s*'([^']+)'\s*\)(?:\??\.(\w+)|\??\[\s*'(\w+)'\s*\])?/gi;
const VARIABLE = /\bvariables\(\s*'([^']+)'\s*\)/gi;
const LOOP_ITEM = /\bitem\(\s*\)/i;
const VARIABLE_ACTIONS = new Set([
  "initializevariable",
  "setvariable",
  "appendtoarrayvariable",
  "appendtostringvariable",
  "incrementvariable",
  "decrementvariable",
]);
export const isVariableAction = (action: Action): boolean => VARIABLE_ACTIONS.has(kindOf(action));

/** Names an expression reads data from; a step's status or a status code is not lead data. */
function referencedNames(text: string): string[] {
  return [...text.matchAll(REFERENCE)]
    .filter(([, fn, , dotKey, key]) => {
      const [f, k] = [fn.toLowerCase(), (dotKey ?? key ?? "").toLowerCase()];
      return !(f === "actions" && k === "status") && !(f === "outputs" && k === "statuscode");
    })
    .map(([, , name]) => name);
}

function variablesSet(action: Action): string[] {
  const inputs = action.inputs ?? {};
  const declared = (inputs.variables ?? []) as Array<{ name?: string }>;
  return kindOf(action) === "initializevariable" ? declared.map((v) => String(v.name)) : [String(inputs.name)];
}

/** The action's own expressions: inputs, conditions, loop source; not its children or description. */
function ownText(action: Action): string {
  const { actions: _a, else: _e, cases: _c, default: _d, runAfter: _r, ...own } = action as Props;
  delete own.description;
  return JSON.stringify(own);
}

/**
 * Which actions carry lead data: they read the trigger's body, read archived leads from storage, or read
 * (transitively) an action, loop item or variable that does. A container carries it when a child does,
 * since result() and actions() return the children's inputs and outputs.
 */
export function leadData(definition: unknown): { carriers: Set<string>; carries: (value: unknown) => boolean } {
  const located = allActions(definition);
  const carriers = new Set<string>();
  const tainted = new Set<string>();
  const carries = (value: unknown): boolean => {
    const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
    return (
      LEAD_SOURCE.test(text) ||
      referencedNames(text).some((n) => carriers.has(n)) ||
      [...text.matchAll(VARIABLE)].some(([, v]) => tainted.has(v))
    );
  };
  const byName = new Map(located.map((l) => [l.name, l]));
  /** Inside a loop, item() is the loop's current item: lead data when the loop runs over the lead. */
  const loopItemCarries = (parent: string | undefined, text: string): boolean => {
    let loop = parent === undefined ? undefined : byName.get(parent);
    while (loop && kindOf(loop.action) !== "foreach")
      loop = loop.parent === undefined ? undefined : byName.get(loop.parent);
    return !!loop && LOOP_ITEM.test(text) && carries(loop.action.foreach);
  };
  for (let grew = true; grew;) {
    grew = false;
    for (const { name, action, parent } of located) {
      const text = ownText(action);
      if (carriers.has(name) || !(isStorageRead(action) || carries(text) || loopItemCarries(parent, text))) continue;
      carriers.add(name);
      for (let p = parent; p !== undefined; p = byName.get(p)?.parent) carriers.add(p);
      if (isVariableAction(action)) for (const v of variablesSet(action)) tainted.add(v);
      grew = true;
    }
  }
  return { carriers, carries };
}
