/**
 * The subset of the Workflow Definition Language (Logic Apps) the kit emits. Typed loosely on purpose:
 * WDL is JSON, and the local runtime and static checks work on the JSON itself.
 */

export type RunAfterStatus = "Succeeded" | "Failed" | "Skipped" | "TimedOut";
export type RunAfter = Record<string, RunAfterStatus[]>;

/** One retry policy across the tree: the emulator's (it imports nothing of the kit; this floor sits above it). */
export type { RetryPolicy } from "../emulator/types";

export interface SecureData {
  secureData: { properties: Array<"inputs" | "outputs"> };
}

export interface WorkflowAction {
  type: string;
  runAfter: RunAfter;
  inputs?: unknown;
  kind?: string;
  expression?: unknown;
  actions?: Record<string, WorkflowAction>;
  else?: { actions: Record<string, WorkflowAction> };
  runtimeConfiguration?: SecureData & Record<string, unknown>;
  description?: string;
  [key: string]: unknown;
}

export interface WorkflowTrigger {
  type: string;
  kind?: string;
  inputs?: unknown;
  operationOptions?: string;
  runtimeConfiguration?: SecureData;
  description?: string;
}

export interface WorkflowParameter {
  type: "String" | "SecureString" | "Object" | "SecureObject" | "Int" | "Bool" | "Array";
  defaultValue?: unknown;
  metadata?: { description: string };
}

export interface WorkflowDefinition {
  $schema: string;
  contentVersion: string;
  parameters: Record<string, WorkflowParameter>;
  triggers: Record<string, WorkflowTrigger>;
  actions: Record<string, WorkflowAction>;
  outputs: Record<string, unknown>;
}

export const WDL_SCHEMA =
  "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";
