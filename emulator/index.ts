/** The Logic Apps emulator's public API (emulator/README.md): run and check a Consumption workflow definition. */
export { CallPool, checkDefinition, startRun } from "./runtime";
export type { DefinitionProblem, RunHandle, RunOptions } from "./runtime";
export { retryWaitMs } from "./runtime/retry";
export {
  checkTemplates,
  evaluateExpression,
  evaluateExpressionRaw,
  evaluateValue,
  ExpressionError,
  parseTemplate,
  referencedActions,
  referencedParameters,
  typeName,
} from "./expressions";
export type { ExpressionProblem } from "./expressions";
export { durationSeconds } from "./iso8601";
export type * from "./types";
