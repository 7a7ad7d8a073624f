/** Static checks of every expression in a definition: found before anything runs, like Azure's save-time validation. */
import { functionSpec } from "./functions";
import { Expr, ExpressionError, parseTemplate, Template } from "./parse";
import { checkArity } from "./signature";
import { isObject } from "./values";

export interface ExpressionProblem {
  /** JSON path of the string, e.g. `actions.Respond.inputs.statusCode`. */
  path: string;
  expression: string;
  message: string;
}

/** Functions whose first argument names an action. */
const ACTION_REFERENCES = new Set(["actions", "body", "outputs", "actionbody", "actionoutputs", "result"]);

function walkTemplates(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkTemplates(v, `${path}[${i}]`, visit));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      visit(k, `${path}(key)`);
      walkTemplates(v, path ? `${path}.${k}` : k, visit);
    }
  }
}

function exprsOf(template: Template): Expr[] {
  if (template.kind === "expression") return [template.expr];
  if (template.kind === "interpolation") return template.parts.flatMap((p) => (typeof p === "string" ? [] : [p.expr]));
  return [];
}

function walkCalls(expr: Expr, visit: (call: Extract<Expr, { kind: "call" }>) => void): void {
  if (expr.kind === "literal") return;
  if (expr.kind === "array") {
    expr.items.forEach((item) => walkCalls(item, visit));
    expr.access.forEach((a) => walkCalls(a.key, visit));
    return;
  }
  visit(expr);
  expr.args.forEach((a) => walkCalls(a, visit));
  expr.access.forEach((a) => walkCalls(a.key, visit));
}

/** Syntax errors, unknown functions and wrong argument counts of every template in `value`. */
export function checkTemplates(value: unknown, path = ""): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  walkTemplates(value, path, (text, at) => {
    let template: Template;
    try {
      template = parseTemplate(text);
    } catch (err) {
      problems.push({ path: at, expression: text, message: (err as Error).message });
      return;
    }
    for (const expr of exprsOf(template)) {
      walkCalls(expr, (call) => {
        const spec = functionSpec(call.name);
        if (!spec) {
          problems.push({
            path: at,
            expression: text,
            message: `The template function '${call.name}' is not defined or not valid.`,
          });
          return;
        }
        try {
          checkArity(call.name, call.args.length, spec.min, spec.max);
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw err;
          problems.push({ path: at, expression: text, message: err.message });
        }
      });
    }
  });
  return problems;
}

/** Literal names passed to `actions()`, `body()`, `outputs()`, `result()`, ... anywhere in `value`. */
export function referencedActions(value: unknown): Set<string> {
  return referencedNames(value, (name) => ACTION_REFERENCES.has(name));
}

/** Literal names passed to `parameters()` anywhere in `value`. */
export function referencedParameters(value: unknown): Set<string> {
  return referencedNames(value, (name) => name === "parameters");
}

function referencedNames(value: unknown, matches: (fn: string) => boolean): Set<string> {
  const names = new Set<string>();
  walkTemplates(value, "", (text) => {
    let template: Template;
    try {
      template = parseTemplate(text);
    } catch {
      return; // reported by checkTemplates
    }
    for (const expr of exprsOf(template)) {
      walkCalls(expr, (call) => {
        const arg = call.args[0];
        if (matches(call.name.toLowerCase()) && arg?.kind === "literal" && typeof arg.value === "string")
          names.add(arg.value);
      });
    }
  });
  return names;
}
