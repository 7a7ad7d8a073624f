/** Static checks of a whole definition, run before the local endpoint starts (Azure checks at save). */
import { JsonObject } from "../types";
import { checkTemplates, referencedActions, referencedParameters } from "../expressions";
import { HANDLERS } from "./actions";

export interface DefinitionProblem {
  path: string;
  message: string;
}

/** Action types the local runtime runs: those with a handler. */
export const SUPPORTED_TYPES: ReadonlySet<string> = new Set(Object.keys(HANDLERS));

function nestedScopes(action: JsonObject): Array<[string, Record<string, JsonObject>]> {
  const out: Array<[string, Record<string, JsonObject>]> = [];
  if (action.actions) out.push(["actions", action.actions as Record<string, JsonObject>]);
  const elseActions = (action.else as JsonObject | undefined)?.actions;
  if (elseActions) out.push(["else.actions", elseActions as Record<string, JsonObject>]);
  for (const [name, c] of Object.entries((action.cases ?? {}) as Record<string, JsonObject>)) {
    out.push([`cases.${name}.actions`, (c.actions ?? {}) as Record<string, JsonObject>]);
  }
  const defaultActions = (action.default as JsonObject | undefined)?.actions;
  if (defaultActions) out.push(["default.actions", defaultActions as Record<string, JsonObject>]);
  return out;
}

/**
 * Problems of a definition: expression syntax, unknown functions and argument counts; unknown action
 * types; `runAfter` entries naming actions outside the scope; references to actions or parameters
 * that do not exist; a Response inside a loop.
 */
export function checkDefinition(definition: JsonObject): DefinitionProblem[] {
  const problems: DefinitionProblem[] = checkTemplates(definition).map((p) => ({
    path: p.path,
    message: `${p.message} (in "${p.expression}")`,
  }));
  const allActions = new Set<string>();
  const walk = (actions: Record<string, JsonObject>, path: string, inLoop: boolean) => {
    for (const [name, action] of Object.entries(actions)) {
      const at = `${path}.${name}`;
      if (allActions.has(name)) problems.push({ path: at, message: `The action name '${name}' is used twice.` });
      allActions.add(name);
      const type = String(action.type);
      if (!SUPPORTED_TYPES.has(type))
        problems.push({ path: at, message: `The action type '${type}' is not supported by the local runtime.` });
      if (type === "Response" && inLoop)
        problems.push({ path: at, message: "A Response action cannot be inside a Foreach or Until loop." });
      for (const dep of Object.keys((action.runAfter ?? {}) as JsonObject)) {
        if (!(dep in actions))
          problems.push({
            path: `${at}.runAfter`,
            message: `'runAfter' names '${dep}', which is not an action of the same scope.`,
          });
      }
      for (const [sub, nested] of nestedScopes(action))
        walk(nested, `${at}.${sub}`, inLoop || type === "Foreach" || type === "Until");
    }
  };
  walk((definition.actions ?? {}) as Record<string, JsonObject>, "actions", false);
  for (const name of referencedActions(definition.actions)) {
    if (!allActions.has(name))
      problems.push({
        path: "actions",
        message: `An expression refers to the action '${name}', which does not exist.`,
      });
  }
  const declared = Object.keys((definition.parameters ?? {}) as JsonObject);
  for (const name of referencedParameters(definition)) {
    if (!declared.includes(name))
      problems.push({
        path: "parameters",
        message: `An expression reads the parameter '${name}', which the definition does not declare.`,
      });
  }
  return problems;
}
