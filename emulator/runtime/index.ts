/** The local workflow runtime: runs a Consumption workflow definition against local connectors. */
export { startRun } from "./run";
export type { RunHandle, RunOptions } from "./run";
export { checkDefinition } from "./check";
export type { DefinitionProblem } from "./check";
export { CallPool } from "./pool";
