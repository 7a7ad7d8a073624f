import { ExpressionHost } from "../types";
import { Decimal } from "./decimal";
import { functionSpec } from "./functions";
import { checkArity, FunctionSpec } from "./signature";
import { Access, Call, Expr, ExpressionError, parseTemplate, Template } from "./parse";
import { find, float, isObject, made, MISSING, toPlain, toText, typeName, Xml } from "./values";

/** Evaluates one parsed expression. `source` is quoted in error messages, as Azure does. */
export function evaluateExpr(expr: Expr, host: ExpressionHost, source: string): unknown {
  if (expr.kind === "literal") return expr.float && typeof expr.value === "number" ? float(expr.value) : expr.value;
  let value: unknown;
  if (expr.kind === "array") value = evaluateAll(expr.items, host, source);
  else {
    const spec = expr.spec ?? resolve(expr);
    value = spec.impl(evaluateAll(expr.args, host, source), host);
  }
  const access = expr.access;
  for (let i = 0; i < access.length; i++) value = select(value, access[i], host, source);
  return value;
}

/** The call's function, checked for its argument count once and kept on the parsed node. */
function resolve(call: Call): FunctionSpec {
  const spec = functionSpec(call.name);
  if (!spec) throw new ExpressionError(`The template function '${call.name}' is not defined or not valid.`);
  checkArity(call.name, call.args.length, spec.min, spec.max);
  call.spec = spec;
  return spec;
}

/** Arguments or array items, left to right (a loop: this runs for every call of every evaluation). */
function evaluateAll(exprs: Expr[], host: ExpressionHost, source: string): unknown[] {
  const values = new Array<unknown>(exprs.length);
  for (let i = 0; i < exprs.length; i++) values[i] = evaluateExpr(exprs[i], host, source);
  return values;
}

/** The message of a failed property access; built only when one fails (it quotes the whole expression). */
const cannotSelect = (source: string, why: string) =>
  new ExpressionError(`The template language expression '${source}' cannot be evaluated because ${why}`);

/** `x[key]` / `x?[key]` with Azure's rules: a missing property fails unless the access is null-safe. */
function select(value: unknown, access: Access, host: ExpressionHost, source: string): unknown {
  const k = access.key;
  const key = k.kind === "literal" && !k.float ? k.value : evaluateExpr(k, host, source);
  if (value === null || value === undefined) {
    if (access.safe) return null;
    throw cannotSelect(
      source,
      `property '${toText(key)}' cannot be selected. Property selection is not supported on values of type 'Null'.`,
    );
  }
  if (value instanceof Xml || value instanceof Decimal) value = toPlain(value);
  if (Array.isArray(value) && typeof key === "number") {
    if (key >= 0 && key < value.length) return value[key];
    if (access.safe) return null;
    throw cannotSelect(source, `array index '${key}' is outside bounds (0 - ${value.length - 1}) of array.`);
  }
  if (isObject(value)) {
    const v = find(value, typeof key === "string" ? key : toText(key));
    if (v !== MISSING) return v ?? null;
    if (access.safe) return null;
    const available = Object.keys(value).join(", ");
    throw cannotSelect(source, `property '${toText(key)}' doesn't exist, available properties are '${available}'.`);
  }
  throw cannotSelect(
    source,
    `property '${toText(key)}' cannot be selected. Property selection is not supported on values of type '${typeName(value)}'.`,
  );
}

/** Evaluates a template to JSON: typed values made inside (Float, decimal, XML) are converted on the way out. */
export function evaluateTemplate(template: Template, host: ExpressionHost): unknown {
  if (template.kind !== "expression") return evaluateTemplateRaw(template, host);
  const before = made.count;
  const value = evaluateTemplateRaw(template, host);
  return made.count === before ? value : toPlain(value);
}

/** Evaluates a template keeping the engine's typed values (for tests and the differential comparison). */
export function evaluateTemplateRaw(template: Template, host: ExpressionHost): unknown {
  switch (template.kind) {
    case "text":
      return template.value;
    case "expression":
      return evaluateExpr(template.expr, host, template.source);
    case "interpolation": {
      let text = "";
      for (const p of template.parts) text += typeof p === "string" ? p : toText(evaluateExpr(p.expr, host, p.source));
      return text;
    }
  }
}

/** Evaluates every template inside a JSON value (strings, object keys, arrays), leaving the rest. */
export function evaluateValue(value: unknown, host: ExpressionHost): unknown {
  // A string without `@` is plain text (parseUncached): skip the cache look-up for it.
  if (typeof value === "string") return value.includes("@") ? evaluateTemplate(parseTemplate(value), host) : value;
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, host));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      out[k.includes("@") ? toText(evaluateValue(k, host)) : k] = evaluateValue(value[k], host);
    }
    return out;
  }
  return value;
}

/** Evaluates `"@expr"`-style or bare expression text. */
export function evaluateExpression(text: string, host: ExpressionHost): unknown {
  return evaluateValue(text.startsWith("@") ? text : `@${text}`, host);
}

/** Like evaluateExpression, but keeps Integer/Float/Decimal/XML types, so a test can check `typeName()` of the result. */
export function evaluateExpressionRaw(text: string, host: ExpressionHost): unknown {
  return evaluateTemplateRaw(parseTemplate(text.startsWith("@") ? text : `@${text}`), host);
}
