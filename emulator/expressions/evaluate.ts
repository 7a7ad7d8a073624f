import { ExpressionHost } from "../types";
import { Decimal } from "./decimal";
import { functionSpec } from "./functions";
import { checkArity } from "./signature";
import { Access, Expr, ExpressionError, parseTemplate, Template } from "./parse";
import { float, isObject, lookup, made, toPlain, toText, typeName, Xml } from "./values";

/** Evaluates one parsed expression. `source` is quoted in error messages, as Azure does. */
export function evaluateExpr(expr: Expr, host: ExpressionHost, source: string): unknown {
  if (expr.kind === "literal") return expr.float && typeof expr.value === "number" ? float(expr.value) : expr.value;
  if (expr.kind === "array") {
    let value: unknown = expr.items.map((item) => evaluateExpr(item, host, source));
    for (const access of expr.access) value = select(value, access, host, source);
    return value;
  }
  const spec = functionSpec(expr.name);
  if (!spec) throw new ExpressionError(`The template function '${expr.name}' is not defined or not valid.`);
  checkArity(expr.name, expr.args.length, spec.min, spec.max);
  const args = expr.args.map((a) => evaluateExpr(a, host, source));
  let value = spec.impl(args, host);
  for (const access of expr.access) value = select(value, access, host, source);
  return value;
}

/** `x[key]` / `x?[key]` with Azure's rules: a missing property fails unless the access is null-safe. */
function select(value: unknown, access: Access, host: ExpressionHost, source: string): unknown {
  const key = evaluateExpr(access.key, host, source);
  const prefix = `The template language expression '${source}' cannot be evaluated because`;
  if (value === null || value === undefined) {
    if (access.safe) return null;
    throw new ExpressionError(
      `${prefix} property '${toText(key)}' cannot be selected. Property selection is not supported on values of type 'Null'.`,
    );
  }
  if (value instanceof Xml || value instanceof Decimal) value = toPlain(value);
  if (Array.isArray(value) && typeof key === "number") {
    if (key >= 0 && key < value.length) return value[key];
    if (access.safe) return null;
    throw new ExpressionError(`${prefix} array index '${key}' is outside bounds (0 - ${value.length - 1}) of array.`);
  }
  if (isObject(value)) {
    const { found, value: v } = lookup(value, toText(key));
    if (found) return v ?? null;
    if (access.safe) return null;
    const available = Object.keys(value).join(", ");
    throw new ExpressionError(
      `${prefix} property '${toText(key)}' doesn't exist, available properties are '${available}'.`,
    );
  }
  throw new ExpressionError(
    `${prefix} property '${toText(key)}' cannot be selected. Property selection is not supported on values of type '${typeName(value)}'.`,
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
    case "interpolation":
      return template.parts
        .map((p) => (typeof p === "string" ? p : toText(evaluateExpr(p.expr, host, p.source))))
        .join("");
  }
}

/** Evaluates every template inside a JSON value (strings, object keys, arrays), leaving the rest. */
export function evaluateValue(value: unknown, host: ExpressionHost): unknown {
  if (typeof value === "string") return evaluateTemplate(parseTemplate(value), host);
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, host));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[toText(evaluateValue(k, host))] = evaluateValue(v, host);
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
