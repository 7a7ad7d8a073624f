/** Retry policies and durations as Logic Apps defines them ("Handle errors and exceptions"). */
import { durationSeconds } from "../iso8601";
import { RetryPolicy } from "../types";

/** The `default` policy: exponential, 4 retries, 7.5 s intervals capped 5-45 s. */
const DEFAULT_POLICY: RetryPolicy = {
  type: "exponential",
  count: 4,
  interval: "PT7.5S",
  minimumInterval: "PT5S",
  maximumInterval: "PT45S",
};

/** Milliseconds of an ISO 8601 duration (`PT30S`, `PT7.5S`, `P1D`); undefined if not one. */
export function durationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const fractional = /^PT(\d+(?:\.\d+)?)S$/.exec(text);
  if (fractional) return Math.round(Number(fractional[1]) * 1000);
  const seconds = durationSeconds(text);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The policy an action runs with: its own, or Azure's default. */
export function effectivePolicy(policy: RetryPolicy | undefined): RetryPolicy {
  if (!policy || policy.type === "default") return DEFAULT_POLICY;
  return policy;
}

/** How many retries a policy allows after the first attempt. */
export function retryCount(policy: RetryPolicy): number {
  return policy.type === "none" ? 0 : (policy.count ?? 4);
}

/**
 * Wait before retry `attempt` (1-based). Azure waits a random interval from a growing range for
 * `exponential`; the local runtime uses the range's deterministic upper bound, capped by the maximum.
 */
export function retryWaitMs(attempt: number, policy: RetryPolicy): number {
  const interval = durationMs(policy.interval) ?? 7500;
  if (policy.type === "fixed") return interval;
  const min = durationMs(policy.minimumInterval) ?? 5000;
  const max = durationMs(policy.maximumInterval) ?? 86_400_000;
  return Math.min(max, Math.max(min, interval * 2 ** (attempt - 1)));
}

/**
 * The wait a 429 asks for in its `Retry-After` header (seconds), which the HTTP action honours instead of
 * its policy's interval (MicrosoftDocs/azure-docs#79814, learn.microsoft.com/azure/connectors/connectors-native-http,
 * "Set up interval between retry attempts with the Retry-After header"); undefined when there is none.
 */
export function retryAfterMs(statusCode: number, headers: Record<string, string> | undefined): number | undefined {
  if (statusCode !== 429 || !headers) return undefined;
  const value = Object.entries(headers).find(([k]) => k.toLowerCase() === "retry-after")?.[1];
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) * 1000 : undefined;
}

/** Whether a response status is worth retrying: 408, 429 and 5xx (and connection failures, status 0). */
export function isRetryable(statusCode: number): boolean {
  return statusCode === 0 || statusCode === 408 || statusCode === 429 || statusCode >= 500;
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "NoContent",
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  408: "RequestTimeout",
  409: "Conflict",
  413: "RequestEntityTooLarge",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** Azure's action code for an HTTP status (`OK`, `BadRequest`, ...). */
export function statusCodeName(status: number): string {
  return REASONS[status] ?? String(status);
}
