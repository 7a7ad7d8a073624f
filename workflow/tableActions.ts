import { WorkflowAction, RunAfter, RetryPolicy } from "./wdl";
import { connectionName } from "./connections";

/**
 * Azure Table storage connector (`azuretables`, V2 operations). `AccountNameFromSettings` tells the
 * connector to use the storage account of its connection.
 */
const ACCOUNT = `@{encodeURIComponent(encodeURIComponent('AccountNameFromSettings'))}`;

/** Table writes are quick; the archive write also sits before the HTTP answer, so retry briefly. */
export const TABLE_RETRY: RetryPolicy = { type: "exponential", count: 3, interval: "PT5S", maximumInterval: "PT30S" };

/** Entity path of one row; keys are URI-encoded for the connector. */
function entityPath(table: string, partitionKey: string, rowKey: string): string {
  return (
    `/v2/storageAccounts/${ACCOUNT}/tables/@{encodeURIComponent('${table}')}/entities` +
    `(PartitionKey='@{encodeURIComponent(${partitionKey})}',RowKey='@{encodeURIComponent(${rowKey})}')`
  );
}

export interface EntityKeys {
  /** WDL expression (no `@`) of the PartitionKey. */
  partitionKey: string;
  /** WDL expression (no `@`) of the RowKey. */
  rowKey: string;
}

/** One table call of the archive or the `azureTable` target; entities carry the lead, so both sides are hidden. */
function tableCall(
  request: {
    method: "put" | "patch" | "get";
    path: string;
    body?: Record<string, unknown>;
    queries?: Record<string, string>;
  },
  runAfter: RunAfter,
  description: string,
  retryPolicy: RetryPolicy,
): WorkflowAction {
  return {
    type: "ApiConnection",
    description,
    runAfter,
    inputs: {
      host: { connection: { name: connectionName("azuretables") } },
      ...request,
      retryPolicy,
    },
    // The connector echoes entities back: hide outputs too.
    runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
  };
}

/**
 * "Insert or Replace Entity" (PUT on the entity): idempotent, so a retry after an ambiguous failure
 * cannot fail with 409 on a row the first attempt already wrote.
 */
export function upsertEntity(
  table: string,
  keys: EntityKeys,
  properties: Record<string, unknown>,
  runAfter: RunAfter,
  description: string,
  retryPolicy: RetryPolicy = TABLE_RETRY,
): WorkflowAction {
  const body = { PartitionKey: `@{${keys.partitionKey}}`, RowKey: `@{${keys.rowKey}}`, ...properties };
  const path = entityPath(table, keys.partitionKey, keys.rowKey);
  return tableCall({ method: "put", path, body }, runAfter, description, retryPolicy);
}

/** "Merge Entity" (PATCH): updates the listed properties of an archived row, keeps the others. */
export function mergeEntity(
  table: string,
  keys: EntityKeys,
  properties: Record<string, unknown>,
  runAfter: RunAfter,
  description: string,
): WorkflowAction {
  const path = entityPath(table, keys.partitionKey, keys.rowKey);
  return tableCall({ method: "patch", path, body: properties }, runAfter, description, TABLE_RETRY);
}

/** "Get Entities" with an OData filter: the rows of a table that match, in `body.value`. */
export function queryEntities(table: string, filter: string, runAfter: RunAfter, description: string): WorkflowAction {
  const path = `/v2/storageAccounts/${ACCOUNT}/tables/@{encodeURIComponent('${table}')}/entities`;
  return tableCall(
    { method: "get", path, queries: { $filter: filter, $top: "1" } },
    runAfter,
    description,
    TABLE_RETRY,
  );
}
