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
  operationOptions?: string;
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

/**
 * `operationOptions` of every HTTP action the kit makes: the receiver's first answer is the action's, a 202 too.
 * By default an HTTP action polls a 202's `location` "until the receiver stops processing and returns a "200 OK"
 * success response or other non-202 response" (learn.microsoft.com/azure/connectors/connectors-native-http
 * #asynchronous-request-response-behavior). The option sits beside `inputs` and is valid on HTTP actions
 * (learn.microsoft.com/azure/logic-apps/logic-apps-workflow-actions-triggers#operation-options and
 * #disable-asynchronous-pattern; earlier revisions of that page: "the action's output is based on the initial 202
 * response"; MicrosoftDocs/azure-docs#12764 catches a 202 so).
 */
export const DISABLE_ASYNC_PATTERN = "DisableAsyncPattern";

export const WDL_SCHEMA =
  "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#";
