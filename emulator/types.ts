/**
 * Shared contracts of the local Logic Apps runtime (expression engine, workflow runner, connector
 * stand-ins, local endpoint). The shapes follow Azure's run history so that what a user reads
 * locally looks like what the portal shows for a Consumption workflow run.
 */

/** A JSON object as the runner reads a definition: keys known, values unchecked. */
export type JsonObject = Record<string, unknown>;

/** Status of an action or trigger in a run (Azure's names). */
export type ActionRunStatus = "Succeeded" | "Failed" | "Skipped" | "TimedOut" | "Cancelled";

/** Status of a whole run. */
export type RunStatus = "Running" | "Succeeded" | "Failed" | "Cancelled";

/**
 * An action's `retryPolicy` (learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling#retry-policies).
 * The kit's definition vocabulary (definition/types.ts) re-exports this one.
 */
export interface RetryPolicy {
  type: "none" | "fixed" | "exponential" | "default";
  count?: number;
  interval?: string;
  minimumInterval?: string;
  maximumInterval?: string;
}

export interface RunError {
  /** Azure-style error code, e.g. `InvalidTemplate`, `ActionFailed`, `Terminated`, `BadRequest`. */
  code: string;
  message: string;
}

/** One attempt of an action that has a retry policy (Azure's `retryHistory`). */
export interface RetryAttempt {
  startTime: string;
  endTime: string;
  /** HTTP status code as text (`"500"`) or an error code. */
  code: string;
  error?: RunError;
}

/** Run record of one action, as listed in Azure's run history (flat, nested actions included). */
export interface ActionRun {
  name: string;
  /** WDL action type, e.g. `ApiConnection`, `Compose`, `Scope`. */
  type: string;
  /** Name of the enclosing Scope/If/Switch/Foreach/Until action, if any. */
  parent?: string;
  status: ActionRunStatus;
  /** Azure's status code: `OK`, `Created`, `BadRequest`, `ActionFailed`, `ActionSkipped`, `Terminated`, ... */
  code: string;
  startTime: string;
  endTime: string;
  /** Evaluated inputs; `undefined` when hidden by `runtimeConfiguration.secureData`. */
  inputs?: unknown;
  /** Outputs (`{ statusCode, headers, body }` for HTTP-like actions); `undefined` when hidden. */
  outputs?: unknown;
  /** Which of inputs/outputs were hidden by secure data. */
  secured?: Array<"inputs" | "outputs">;
  error?: RunError;
  retryHistory?: RetryAttempt[];
  /** Foreach/Until: number of iterations run. */
  iterations?: number;
}

/** The trigger record of a run. */
export interface TriggerRun {
  name: string;
  status: ActionRunStatus;
  code: string;
  startTime: string;
  endTime: string;
  inputs?: unknown;
  /** `{ headers, body, relativePathParameters, queries }`; undefined when secured. */
  outputs?: { headers: Record<string, string>; body: unknown; queries?: Record<string, string> } | undefined;
  secured?: Array<"inputs" | "outputs">;
}

/** What the Response action (or the runtime) answered the caller. */
export interface HttpResponseRecord {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A whole run (Azure's `workflows/runs/{name}` plus its actions). */
export interface WorkflowRun {
  /**
   * Run id: 29 digits starting `0858`, unique per run. Azure appends a scale-unit suffix
   * (`08586676746934337772206998657CU22` in learn.microsoft.com/rest/api/logic/workflowruns/get); the
   * local runtime does not.
   */
  name: string;
  workflowName: string;
  status: RunStatus;
  startTime: string;
  endTime?: string;
  trigger: TriggerRun;
  /** Every action that ran or was skipped, keyed by action name (names are unique in a definition). */
  actions: Record<string, ActionRun>;
  response?: HttpResponseRecord;
  error?: RunError;
}

/** Incoming HTTP request for a Request trigger. */
export interface TriggerRequest {
  method: string;
  headers: Record<string, string>;
  /** Parsed JSON body (or the raw string when the body is not JSON). */
  body: unknown;
  queries?: Record<string, string>;
  relativePath?: string;
}

/** A call an `ApiConnection` action makes through a managed connector. */
export interface ApiConnectionCall {
  /** Managed API name taken from the `$connections` entry `id` (e.g. `commondataservice`, `salesforce`). */
  apiName: string;
  /** Key in `$connections` (e.g. `commondataservice`). */
  connectionKey: string;
  connectionId: string;
  method: string;
  /** Evaluated path, still URI-encoded as the connector receives it. */
  path: string;
  queries?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Name of the calling action, for stand-in logs. */
  actionName: string;
  /** Name of the calling run, for stand-in logs. */
  runName: string;
}

/** A call an `Http` action (or an `Function` action) makes. */
export interface HttpCall {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  queries?: Record<string, string>;
  body?: unknown;
  actionName: string;
  /** Name of the calling run. */
  runName: string;
  /** For `Function` actions: the `function.id` of the action inputs. */
  functionId?: string;
  /** The action's `authentication` (e.g. `{ type: "ManagedServiceIdentity", audience }`), evaluated. */
  authentication?: Record<string, unknown>;
}

/** What a connector answered. Status >= 400 fails the action (408/429/5xx are retried). */
export interface ConnectorResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What the runner calls to reach the outside world. */
export interface Connectors {
  apiConnection(call: ApiConnectionCall, signal: AbortSignal): Promise<ConnectorResponse>;
  http(call: HttpCall, signal: AbortSignal): Promise<ConnectorResponse>;
  /** Native Azure Functions action. Optional; without it a `Function` action fails with `FunctionNotAvailable`. */
  function?(call: HttpCall, signal: AbortSignal): Promise<ConnectorResponse>;
}

/**
 * What an expression may read from the running workflow. The runner implements it; the
 * expression engine calls it for `trigger()`, `actions()`, `result()`, `parameters()`, ...
 */
export interface ExpressionHost {
  /** `trigger()`: `{ name, inputs, outputs: { headers, body }, startTime, ... }`. */
  trigger(): unknown;
  /** `actions(name)`: the action's record (`{ name, status, inputs, outputs, error, ... }`); undefined if it has not run. */
  action(name: string): unknown;
  /** `result(scopeName)`: records of the top-level actions inside that scoped action. */
  result(scopeName: string): unknown[];
  /** `parameters(name)`: throws if the parameter is not defined. */
  parameter(name: string): unknown;
  /** `variables(name)`: throws if the variable is not initialized. */
  variable(name: string): unknown;
  /** `workflow()`: `{ id, name, type, location, run: { id, name, type } }`. */
  workflow(): unknown;
  /** `item()`: current element of the innermost Foreach / Query / Select. Throws outside one. */
  item(): unknown;
  /** `items(loopName)`: current element of the named Foreach. */
  items(loopName: string): unknown;
  /** `iterationIndexes(loopName)`: current index of the named Until loop. */
  iterationIndexes?(loopName: string): number;
  /** Clock and ids, injectable for deterministic tests. */
  now(): Date;
  /** 100-ns ticks past now()'s millisecond (0-9999), for a clock finer than Date's; 0 when absent. */
  nowTicks?(): number;
  newGuid(): string;
}
