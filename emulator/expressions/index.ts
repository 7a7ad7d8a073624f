/** The Workflow Definition Language expression engine of the local runtime. */
export { ExpressionError, parseExpression, parseTemplate } from "./parse";
export type { Expr, Template } from "./parse";
export { evaluateExpression, evaluateExpressionRaw, evaluateValue } from "./evaluate";
export { typeName } from "./values";
export { checkTemplates, referencedActions, referencedParameters } from "./check";
export type { ExpressionProblem } from "./check";
export { FUNCTIONS, functionSpec } from "./functions";
