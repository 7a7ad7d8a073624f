/** Calls out of a run (ApiConnection, Http, Function actions): retry policy, timeout, the `retryHistory`. */
import {
  ActionRun,
  ActionRunStatus,
  ConnectorResponse,
  Connectors,
  HttpCall,
  JsonObject,
  RetryAttempt,
  RetryPolicy,
  RunError,
} from "../types";
import { isObject } from "../expressions/values";
import {
  durationMs,
  effectivePolicy,
  isRetryable,
  retryAfterMs,
  retryCount,
  retryWaitMs,
  statusCodeName,
} from "./retry";

/** Thrown into an action that was still running when a Terminate action ended the run. */
export class Terminated extends Error {}

/** What a call needs of its run. */
export interface CallContext {
  connectors: Connectors;
  /** The run making the calls: each call carries it (a host's logs tell runs apart by it). */
  readonly runName: string;
  now: () => Date;
  /** Aborted when the run is terminated. */
  signal: AbortSignal;
  /** The `$connections` parameter of the run. */
  connections: () => Record<string, JsonObject>;
  /** Wait before a retry; default: the policy's interval. */
  retryDelayMs?: (attempt: number, policy: RetryPolicy, retryAfter?: number) => number;
  /** Timeout of a call without `limit.timeout`. */
  actionTimeoutMs?: number;
  /** A slot to hold during each attempt (pool.ts: answered runs take turns); none: call at once. */
  slot?: () => Promise<() => void> | undefined;
}

export type CallResult = Partial<ActionRun> & { status: ActionRunStatus; outputs?: unknown };

type Outcome =
  { kind: "response"; response: ConnectorResponse } | { kind: "timeout" } | { kind: "error"; message: string };

type Invoke = (signal: AbortSignal) => Promise<ConnectorResponse>;

const responseOutputs = (r: ConnectorResponse) => ({
  statusCode: r.statusCode,
  headers: r.headers ?? {},
  body: storedBody(r),
});

/**
 * A response body as an action's outputs hold it: JSON parsed, `text/plain` raw, any other declared type as
 * `$content-type` and base64 `$content` ("Because the request isn't plain text or JSON, the request is stored in
 * the action as follows", learn.microsoft.com/azure/logic-apps/logic-apps-content-type#other-content-types). So an
 * HTML error page is an object there, and `?['x']` on it is null rather than a failed property selection.
 */
function storedBody(r: ConnectorResponse): unknown {
  if (typeof r.body !== "string") return r.body ?? null;
  const type = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === "content-type")?.[1];
  if (!type || /^text\/plain\b/i.test(type) || /[/+]json\b/i.test(type)) return r.body;
  return { "$content-type": type, $content: Buffer.from(r.body, "utf8").toString("base64") };
}

/** A connector call with the action's retry policy and timeout. */
export async function callWithRetries(
  ctx: CallContext,
  name: string,
  action: JsonObject & { type: string },
  inputs: JsonObject,
): Promise<CallResult> {
  const policy = effectivePolicy(inputs.retryPolicy as RetryPolicy | undefined);
  const timeoutMs =
    durationMs((action.limit as JsonObject | undefined)?.timeout as string) ?? ctx.actionTimeoutMs ?? 120_000;
  const retryHistory: RetryAttempt[] = [];
  const retries = retryCount(policy);
  // Resolved before the first attempt: a wiring error (no such connection) is not worth retrying.
  const invoke = connectorCall(ctx, name, action.type, inputs);
  const history = () => (retryHistory.length ? retryHistory : undefined);
  for (let attempt = 0; ; attempt++) {
    const slot = ctx.slot?.();
    const release = slot && (await slot.catch(() => Promise.reject(new Terminated())));
    const startTime = ctx.now().toISOString(); // an attempt starts when it is sent, not while it waits its turn
    const outcome = await callOnce(ctx.signal, invoke, timeoutMs).finally(release);
    const endTime = ctx.now().toISOString();
    if (outcome.kind === "response" && outcome.response.statusCode < 400) {
      const r = outcome.response;
      if (pollsInAzure(action, r)) return { ...asyncNotModelled(name, r), retryHistory: history() };
      return {
        status: "Succeeded",
        code: statusCodeName(r.statusCode),
        outputs: responseOutputs(r),
        retryHistory: history(),
      };
    }
    const failure = failureOf(outcome);
    // A request that times out or cannot connect is resent like a 408/429/5xx (Learn, "Handle errors and
    // exceptions in Azure Logic Apps", Retry policies: "times out or fails, resulting in a 408, 429, or 5xx").
    const retryable = outcome.kind !== "response" || isRetryable(outcome.response.statusCode);
    if (!retryable || attempt >= retries)
      return {
        status: outcome.kind === "timeout" ? "TimedOut" : "Failed",
        code: failure.code,
        // An answer that failed is its status code's name and the answer, with no `error` (Learn,
        // error-exception-handling, "Get context and results for failures": a failed HTTP action's result()).
        ...(outcome.kind === "response" ? {} : { error: failure.error }),
        outputs: outcome.kind === "response" ? responseOutputs(outcome.response) : undefined,
        retryHistory: history(),
      };
    retryHistory.push({ startTime, endTime, code: failure.code, error: failure.error });
    // A 429's Retry-After wins over the policy's interval, as the HTTP action does (retry.ts retryAfterMs).
    const asked =
      outcome.kind === "response" ? retryAfterMs(outcome.response.statusCode, outcome.response.headers) : undefined;
    const wait = ctx.retryDelayMs
      ? ctx.retryDelayMs(attempt + 1, policy, asked)
      : (asked ?? retryWaitMs(attempt + 1, policy));
    await sleep(ctx.signal, wait);
  }
}

/**
 * An HTTP action answered 202 with a Location polls that location in Azure "until the receiver stops processing and
 * returns a "200 OK" success response or other non-202 response" (learn.microsoft.com/azure/connectors/
 * connectors-native-http#asynchronous-request-response-behavior), unless the action has the operation option
 * `DisableAsyncPattern`: then "the action's output is based on the initial 202 response" (Learn,
 * logic-apps-workflow-actions-triggers, asynchronous patterns). A 202 without a Location has nothing to poll.
 */
function pollsInAzure(action: JsonObject & { type: string }, r: ConnectorResponse): boolean {
  if (action.type !== "Http" || r.statusCode !== 202) return false;
  if (!Object.keys(r.headers ?? {}).some((k) => k.toLowerCase() === "location")) return false;
  const options = typeof action.operationOptions === "string" ? action.operationOptions.split(",") : [];
  return !options.some((o) => o.trim() === "DisableAsyncPattern");
}

/**
 * The local runtime does not poll: the action fails saying so, rather than succeed on an answer Azure would not
 * take. The Location stays out of the message (run history keeps errors unsecured; a status URL may hold a key).
 */
function asyncNotModelled(name: string, r: ConnectorResponse): CallResult {
  const error = {
    code: "AsyncPatternNotSupported",
    message: `The HTTP action '${name}' was answered 202 Accepted with a Location header. In Azure, an HTTP action without the operation option 'DisableAsyncPattern' polls that location until it answers other than 202 and takes that answer; the local runtime does not model this polling. Set "operationOptions": "DisableAsyncPattern" on the action to take the 202 as its answer, as Azure then does.`,
  };
  return { status: "Failed", code: error.code, error, outputs: responseOutputs(r) };
}

/**
 * One attempt, cancelled by the run's Terminate or by its timeout. One controller and one timer per
 * attempt, both released when it settles (AbortSignal.any/timeout kept a signal and a listener alive per call).
 */
async function callOnce(runSignal: AbortSignal, invoke: Invoke, timeoutMs: number): Promise<Outcome> {
  // Terminated while this attempt waited (for a slot, or a retry's wait): an aborted signal fires no more events.
  if (runSignal.aborted) throw new Terminated();
  const attempt = new AbortController();
  let timedOut = false;
  let stop!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  const onAbort = () => (attempt.abort(runSignal.reason), stop(runSignal.reason));
  const timer = setTimeout(() => {
    timedOut = true;
    const reason = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    attempt.abort(reason);
    stop(reason);
  }, timeoutMs);
  runSignal.addEventListener("abort", onAbort, { once: true });
  try {
    const response = await Promise.race([invoke(attempt.signal), stopped]);
    return { kind: "response", response };
  } catch (err) {
    if (runSignal.aborted) throw new Terminated();
    if (timedOut || (err as Error)?.name === "TimeoutError") return { kind: "timeout" };
    return { kind: "error", message: (err as Error)?.message ?? String(err) };
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener("abort", onAbort);
  }
}

function connectorCall(ctx: CallContext, name: string, type: string, inputs: JsonObject): Invoke {
  const { connectors } = ctx;
  const httpCall = (extra: Partial<HttpCall>): HttpCall => ({
    method: String(inputs.method ?? "POST"),
    uri: String(inputs.uri ?? ""),
    headers: inputs.headers as Record<string, string>,
    queries: inputs.queries as Record<string, string>,
    body: inputs.body,
    authentication: inputs.authentication as Record<string, unknown> | undefined,
    actionName: name,
    runName: ctx.runName,
    ...extra,
  });
  if (type === "Http") return (signal) => connectors.http(httpCall({}), signal);
  if (type === "Function") {
    const fn = connectors.function;
    if (!fn) throw new Error("FunctionNotAvailable: no Azure Functions app is available to the local runtime.");
    const functionId = String((inputs.function as JsonObject | undefined)?.id ?? "");
    return (signal) => fn(httpCall({ functionId }), signal);
  }
  return apiConnectionCall(ctx, name, inputs);
}

/** An ApiConnection action reaches its connector through the `$connections` entry its `host.connection` names. */
function apiConnectionCall(ctx: CallContext, name: string, inputs: JsonObject): Invoke {
  const connectionId = String(
    ((inputs.host as JsonObject | undefined)?.connection as JsonObject | undefined)?.name ?? "",
  );
  const entry = Object.entries(ctx.connections()).find(([, c]) => c.connectionId === connectionId);
  if (!entry) throw new Error(`No '$connections' entry has the connectionId '${connectionId}'.`);
  const [connectionKey, connection] = entry;
  const apiName =
    String(connection.id ?? connectionKey)
      .split("/")
      .pop() ?? connectionKey;
  const call = {
    apiName,
    connectionKey,
    connectionId,
    method: String(inputs.method),
    path: String(inputs.path),
    queries: inputs.queries as Record<string, string>,
    headers: inputs.headers as Record<string, string>,
    body: inputs.body,
    actionName: name,
    runName: ctx.runName,
  };
  return (signal) => ctx.connectors.apiConnection(call, signal);
}

function failureOf(outcome: Outcome): { code: string; error: RunError } {
  if (outcome.kind === "timeout")
    return { code: "ActionTimedOut", error: { code: "ActionTimedOut", message: "The action timed out." } };
  if (outcome.kind === "error")
    return { code: "ConnectionFailure", error: { code: "ConnectionFailure", message: outcome.message } };
  const code = statusCodeName(outcome.response.statusCode);
  const body = outcome.response.body as JsonObject | undefined;
  const message =
    (isObject(body) &&
      (typeof body.message === "string"
        ? body.message
        : isObject(body.error) && typeof body.error.message === "string"
          ? body.error.message
          : undefined)) ||
    JSON.stringify(body ?? null);
  return { code, error: { code, message } };
}

/** Waits before a retry; a Terminate ends the wait. The run's signal keeps no listener once it has waited. */
export function sleep(signal: AbortSignal, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Terminated());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
