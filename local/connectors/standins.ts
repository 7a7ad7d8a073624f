/**
 * Local stand-ins for the CRM side (each target's `standin` in targets/) and the function app. Each records
 * the exact request and can be told to fail, be slow, or be down.
 */
import { ApiConnectionCall, Connectors, ConnectorResponse, HttpCall } from "../../emulator/types";
import { CRM_TARGETS, targetSpec, TargetStandinName } from "../../targets";
import type { StandinState } from "../../ops/standin";
import { TablesConnector } from "./tables";

export type StandinTarget = TargetStandinName | "function";

/** The targets' stand-ins, with the managed API or the action whose calls they answer. */
const TARGET_STANDINS = CRM_TARGETS.flatMap((t) => {
  const { api, action, standin } = targetSpec(t);
  return standin ? [{ api, action, name: standin.name as TargetStandinName, answer: standin.answer }] : [];
});

/** Every stand-in name, as the fault routes take them. */
export const STANDIN_NAMES: readonly StandinTarget[] = [...TARGET_STANDINS.map((s) => s.name), "function"];

export interface RecordedRequest {
  target: StandinTarget;
  actionName: string;
  /** The run that made the request (the run page lists a run's requests by it). */
  runName: string;
  method: string;
  /** Connector path, or the URI of an HTTP call. */
  path: string;
  headers: Record<string, string>;
  queries: Record<string, string>;
  body: unknown;
  at: string;
}

interface Fault {
  /** Fail this many calls (Infinity: until cleared). */
  times: number;
  statusCode: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Handler of `Function` actions (the function app's code, in process). */
export type FunctionHandler = (call: HttpCall) => Promise<ConnectorResponse>;

/** Requests kept by default: enough to inspect a demo, bounded so a long session cannot fill memory. */
export const DEFAULT_RECORDED_REQUESTS = 1000;

export class Standins {
  /** The most recent requests, oldest first: a ring of `maxRecorded` (older ones are dropped). */
  readonly requests: RecordedRequest[] = [];
  /** Requests dropped from {@link requests} so far (oldest first). */
  dropped = 0;
  private readonly faults = new Map<StandinTarget, Fault>();
  private readonly delays = new Map<StandinTarget, number>();
  functionHandler?: FunctionHandler;

  constructor(readonly maxRecorded = DEFAULT_RECORDED_REQUESTS) {
    if (!Number.isInteger(maxRecorded) || maxRecorded < 1)
      throw new Error(`recordedRequests must be a whole number of at least 1, got ${maxRecorded}.`);
  }

  /** The next `times` calls to `target` answer `statusCode` (default 500). */
  fail(
    target: StandinTarget,
    options: { times?: number; statusCode?: number; body?: unknown; headers?: Record<string, string> } = {},
  ): void {
    const statusCode = options.statusCode ?? 500;
    this.faults.set(target, {
      times: options.times ?? Infinity,
      statusCode,
      headers: options.headers,
      body: options.body ?? {
        error: { code: "StandInFailure", message: `${target} stand-in told to fail with ${statusCode}` },
      },
    });
  }

  /** `target` is unreachable (connection failure, retried) until {@link up}. */
  down(target: StandinTarget): void {
    this.faults.set(target, { times: Infinity, statusCode: 0, body: undefined });
  }

  up(target: StandinTarget): void {
    this.faults.delete(target);
  }

  /** Every call to `target` takes `ms` longer. */
  delay(target: StandinTarget, ms: number): void {
    this.delays.set(target, ms);
  }

  reset(): void {
    this.requests.length = 0;
    this.dropped = 0;
    this.faults.clear();
    this.delays.clear();
  }

  /**
   * Each stand-in's state, as `npm run standin` shows it: `up`, `down`, `failing` (with the status it answers
   * and, when counted, the calls left) and how much slower each answer is.
   */
  states(): StandinState[] {
    return STANDIN_NAMES.map((target) => {
      const fault = this.faults.get(target);
      const slowerMs = this.delays.get(target) ?? 0;
      const state: StandinState = !fault
        ? { target, state: "up" }
        : fault.statusCode === 0
          ? { target, state: "down" }
          : {
              target,
              state: "failing",
              statusCode: fault.statusCode,
              ...(Number.isFinite(fault.times) ? { callsLeft: fault.times } : {}),
            };
      return slowerMs > 0 ? { ...state, slowerMs } : state;
    });
  }

  /** Requests a target received, in order. */
  to(target: StandinTarget): RecordedRequest[] {
    return this.requests.filter((r) => r.target === target);
  }

  private record(request: RecordedRequest): void {
    this.requests.push(request);
    const excess = this.requests.length - this.maxRecorded;
    if (excess > 0) {
      this.requests.splice(0, excess);
      this.dropped += excess;
    }
  }

  async handle(
    target: StandinTarget,
    request: Omit<RecordedRequest, "target" | "at">,
    signal: AbortSignal,
    ok: () => ConnectorResponse | Promise<ConnectorResponse>,
  ): Promise<ConnectorResponse> {
    const wait = this.delays.get(target) ?? 0;
    if (wait > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      });
    }
    const fault = this.faults.get(target);
    if (fault && fault.statusCode === 0) throw new Error(`connect ECONNREFUSED (${target} stand-in is down)`);
    this.record({ target, ...request, at: new Date().toISOString() });
    if (fault) {
      if (--fault.times <= 0) this.faults.delete(target);
      return { statusCode: fault.statusCode, headers: fault.headers, body: fault.body };
    }
    return ok();
  }
}

/**
 * Connectors for the local runtime: real tables (Azurite) and recording stand-ins for the rest.
 * HTTP calls to `functionUrl` reach the function app's handler; other HTTP calls the stand-in of their target.
 */
export function localConnectors(
  tables: TablesConnector,
  standins: Standins,
  endpoints: { tables: string; function?: string },
): Connectors {
  const record = (c: ApiConnectionCall | HttpCall, path: string) => ({
    actionName: c.actionName,
    runName: c.runName,
    method: c.method.toUpperCase(),
    path,
    headers: c.headers ?? {},
    queries: c.queries ?? {},
    body: c.body ?? null,
  });
  const callFunction = (call: HttpCall, signal: AbortSignal): Promise<ConnectorResponse> => {
    const handler = standins.functionHandler;
    return standins.handle("function", record(call, call.functionId ?? ""), signal, () =>
      handler
        ? handler(call)
        : { statusCode: 404, body: { message: "No function handler is registered with the local runtime." } },
    );
  };
  return {
    async apiConnection(call, signal) {
      const standin = TARGET_STANDINS.find((s) => s.api !== undefined && s.api === call.apiName);
      if (!standin)
        return { statusCode: 404, body: { message: `No local stand-in for the managed API '${call.apiName}'.` } };
      return standins.handle(standin.name, record(call, call.path), signal, () => standin.answer(call.body));
    },
    http(call, signal) {
      if (call.uri.startsWith(endpoints.tables)) return tables.call(call, endpoints.tables, signal);
      if (endpoints.function && call.uri === endpoints.function)
        return callFunction({ ...call, functionId: call.uri }, signal);
      // A built-in HTTP target's call: its stand-in is the one of the target whose action makes it.
      const standin = TARGET_STANDINS.find((s) => s.api === undefined && s.action === call.actionName);
      if (!standin)
        return Promise.resolve({
          statusCode: 404,
          body: { message: `No local stand-in for the HTTP call of action '${call.actionName}' to ${call.uri}.` },
        });
      return standins.handle(standin.name, record(call, call.uri), signal, () => standin.answer(call.body));
    },
    function: callFunction,
  };
}
