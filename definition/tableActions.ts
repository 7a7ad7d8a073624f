import { DISABLE_ASYNC_PATTERN, RetryPolicy, RunAfter, WorkflowAction } from "./types";

/**
 * Table storage calls as built-in HTTP actions against the Table service REST API, authenticated as
 * the workflow's user-assigned managed identity. No storage key exists anywhere, so the kit deploys
 * where Azure Policy denies shared-key access, and built-in actions bill as actions, not connector calls.
 *
 * Sources:
 * - Managed identity on the HTTP action (Consumption: one user-assigned identity, named by `identity`):
 *   learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#managed-identity-authentication and
 *   learn.microsoft.com/azure/logic-apps/create-managed-service-identity (Consumption: "either the
 *   system-assigned identity or a single user-assigned identity"). The user-assigned identity limit there
 *   concerns storage accounts behind a firewall only; the kit's account has none.
 * - Tokens for audience `https://storage.azure.com/`, Storage Table Data Contributor:
 *   learn.microsoft.com/azure/storage/tables/authorize-access-azure-active-directory.
 * - Operations, paths and verbs (Insert Entity POST -> 409 EntityAlreadyExists, Insert Or Replace PUT, Merge
 *   PATCH with If-Match, Get Entity GET): Azure/azure-rest-api-specs
 *   specification/cosmos-db/data-plane/Microsoft.Tables/preview/2019-02-02/table.json (the version the Azure SDK
 *   sends), and learn.microsoft.com/rest/api/storageservices/insert-entity.
 */

/** Audience of Azure Storage tokens. */
export const STORAGE_AUDIENCE = "https://storage.azure.com/";
/** Table service REST version; Microsoft Entra authorization needs 2017-11-09 or later. */
export const TABLE_API_VERSION = "2019-02-02";
/** Workflow parameter: the account's table endpoint, `https://<account>.table.core.windows.net/`. */
export const TABLE_ENDPOINT_PARAMETER = "tableEndpoint";
/** Workflow parameter: ARM id of the workflow's user-assigned identity. */
export const IDENTITY_PARAMETER = "workflowIdentity";

/**
 * Retries of the archive write. Partner Center waits for the answer, and a Consumption workflow answers a
 * Request trigger's caller within 120 s (learn.microsoft.com/azure/logic-apps/logic-apps-limits-and-config,
 * "Inbound request | 120 sec": "For the original caller to get the response, all steps in the response must
 * finish within the limit"). Whether `limit.timeout` bounds each attempt or the
 * whole action, 3 attempts of at most 15 s plus 2 waits of 5 s stay under 60 s ({@link worstCaseSeconds}).
 * 5 s is the shortest retry interval Logic Apps allows (limits page, "Retry policy").
 */
export const ARCHIVE_RETRY: RetryPolicy = { type: "fixed", count: 2, interval: "PT5S" };
export const ARCHIVE_TIMEOUT = "PT15S";
/** Later table writes (marks, dedup) can take longer: nobody waits for them. */
export const TABLE_RETRY: RetryPolicy = { type: "exponential", count: 4, interval: "PT5S", maximumInterval: "PT1M" };

export interface EntityKeys {
  /** WDL expression (no `@`) of the PartitionKey. */
  partitionKey: string;
  /** WDL expression (no `@`) of the RowKey. */
  rowKey: string;
}

/** Keys in an entity URI, URI-encoded. The kit's keys (months, run ids, base64) never hold a quote. */
const keyLiteral = (expr: string) => `@{encodeURIComponent(${expr})}`;

function tableUri(table: string, keys?: EntityKeys): string {
  const base = `@{parameters('${TABLE_ENDPOINT_PARAMETER}')}${table}`;
  return keys ? `${base}(PartitionKey='${keyLiteral(keys.partitionKey)}',RowKey='${keyLiteral(keys.rowKey)}')` : base;
}

export interface TableRequest {
  method: "GET" | "POST" | "PUT" | "PATCH";
  table: string;
  keys?: EntityKeys;
  body?: Record<string, unknown>;
  /** WDL interpolation of the ETag a conditional write requires. */
  ifMatch?: string;
}

export interface CallSettings {
  runAfter: RunAfter;
  description: string;
  retryPolicy?: RetryPolicy;
  timeout?: string;
}

/** One Table REST call; entities carry the lead, so inputs and outputs are hidden from run history. */
export function tableCall(request: TableRequest, settings: CallSettings): WorkflowAction {
  const headers: Record<string, string> = {
    "x-ms-version": TABLE_API_VERSION,
    Accept: "application/json;odata=nometadata",
    ...(request.body ? { "Content-Type": "application/json" } : {}),
    // The answer to an insert need not echo the entity.
    ...(request.method === "POST" ? { Prefer: "return-no-content" } : {}),
    ...(request.ifMatch ? { "If-Match": request.ifMatch } : {}),
  };
  return {
    type: "Http",
    description: settings.description,
    runAfter: settings.runAfter,
    inputs: {
      method: request.method,
      uri: tableUri(request.table, request.method === "POST" ? undefined : request.keys),
      headers,
      ...(request.body ? { body: request.body } : {}),
      authentication: {
        type: "ManagedServiceIdentity",
        identity: `@parameters('${IDENTITY_PARAMETER}')`,
        audience: STORAGE_AUDIENCE,
      },
      retryPolicy: settings.retryPolicy ?? TABLE_RETRY,
    },
    ...(settings.timeout ? { limit: { timeout: settings.timeout } } : {}),
    // The Table service answers each call at once (200/201/204 or a failure): its first answer is the call's, and
    // no Location is ever polled (DISABLE_ASYNC_PATTERN, types.ts).
    operationOptions: DISABLE_ASYNC_PATTERN,
    runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
  };
}

const withKeys = (keys: EntityKeys, properties: Record<string, unknown>) => ({
  PartitionKey: `@{${keys.partitionKey}}`,
  RowKey: `@{${keys.rowKey}}`,
  ...properties,
});

/**
 * Insert Or Replace (PUT): idempotent, so a retry after an ambiguous failure cannot fail with 409 on
 * a row the first attempt already wrote.
 */
export function upsertEntity(
  table: string,
  keys: EntityKeys,
  properties: Record<string, unknown>,
  settings: CallSettings,
): WorkflowAction {
  return tableCall({ method: "PUT", table, keys, body: withKeys(keys, properties) }, settings);
}

/** Insert (POST): fails with 409 when the row exists; the dedup claim relies on it. */
export function insertEntity(
  table: string,
  keys: EntityKeys,
  properties: Record<string, unknown>,
  settings: CallSettings,
): WorkflowAction {
  return tableCall({ method: "POST", table, keys, body: withKeys(keys, properties) }, settings);
}

/** Merge (PATCH): updates the listed properties of a row, keeps the others; `*` unless an ETag is given. */
export function mergeEntity(
  table: string,
  keys: EntityKeys,
  properties: Record<string, unknown>,
  settings: CallSettings,
  ifMatch = "*",
): WorkflowAction {
  return tableCall({ method: "PATCH", table, keys, body: properties, ifMatch }, settings);
}

/** Get Entity (GET): one row by its keys, in `body`; 404 when absent. */
export function getEntity(table: string, keys: EntityKeys, settings: CallSettings): WorkflowAction {
  return tableCall({ method: "GET", table, keys }, settings);
}

/** Longest time an action with this policy and per-attempt timeout can take, in seconds (fixed policies). */
export function worstCaseSeconds(policy: RetryPolicy, timeout: string): number {
  const seconds = (iso: string) => {
    const m = /^PT(?:(\d+)M)?(?:(\d+)S)?$/.exec(iso);
    if (!m) throw new Error(`Not a duration of minutes and seconds: ${iso}`);
    return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
  };
  if (policy.type !== "fixed" || !policy.interval) throw new Error("worstCaseSeconds needs a fixed retry policy.");
  const attempts = (policy.count ?? 0) + 1;
  return attempts * seconds(timeout) + (attempts - 1) * seconds(policy.interval);
}
