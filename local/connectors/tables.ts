/**
 * The Table service REST API as the workflow's HTTP actions call it (Insert, Insert Or Replace, Update,
 * Merge, Get and Delete Entity, JSON without metadata), served from a real Table API (Azurite locally)
 * through @azure/data-tables. Like Azure, it refuses a call that is not authenticated as a managed
 * identity for the storage audience.
 */
import { RestError, TableClient, TableEntity, TableServiceClient } from "@azure/data-tables";
import { ConnectorResponse, HttpCall } from "../../emulator/types";

type Entity = Record<string, unknown>;

/** Azurite speaks HTTP; retries belong to the workflow's retry policy, not to the SDK. */
const CLIENT_OPTIONS = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };

/** `<Table>` or `<Table>(PartitionKey='..',RowKey='..')` after the endpoint, keys URI-encoded. */
const RESOURCE = /^([A-Za-z][A-Za-z0-9]{2,62})(?:\(PartitionKey='([^']*)',RowKey='([^']*)'\))?$/;

const STORAGE_AUDIENCE = "https://storage.azure.com/";

export class TablesConnector {
  private readonly clients = new Map<string, TableClient>();
  /** Injected faults by the calling action's name (fault tests: a storage blip at one step). */
  private readonly faults = new Map<string, { times: number; statusCode: number }>();
  private readonly service: TableServiceClient;

  constructor(private readonly connectionString: string) {
    this.service = TableServiceClient.fromConnectionString(connectionString, CLIENT_OPTIONS);
  }

  /** Creates the tables a stack uses (Pulumi does this in Azure). */
  async ensureTables(names: string[]): Promise<void> {
    for (const name of names) {
      try {
        await this.service.createTable(name);
      } catch (err) {
        if ((err as RestError).statusCode !== 409) throw err;
      }
    }
  }

  table(name: string): TableClient {
    let client = this.clients.get(name);
    if (!client) {
      client = TableClient.fromConnectionString(this.connectionString, name, CLIENT_OPTIONS);
      this.clients.set(name, client);
    }
    return client;
  }

  /** The next `times` calls made by `actionName` answer `statusCode` (503: a storage blip) without touching a row. */
  fail(actionName: string, options: { times?: number; statusCode?: number } = {}): void {
    this.faults.set(actionName, { times: options.times ?? Infinity, statusCode: options.statusCode ?? 503 });
  }

  /** Handles one HTTP call whose URI starts with `endpoint`. Network failures throw (the runner retries them). */
  async call(call: HttpCall, endpoint: string): Promise<ConnectorResponse> {
    const fault = this.faults.get(call.actionName);
    if (fault) {
      if (--fault.times <= 0) this.faults.delete(call.actionName);
      return odataError(fault.statusCode, "ServerBusy", `Injected fault on ${call.actionName}.`);
    }
    const denied = authenticationProblem(call.authentication);
    if (denied) return odataError(401, denied.code, denied.message);
    const m = RESOURCE.exec(call.uri.slice(endpoint.length).split("?")[0]);
    const method = call.method.toUpperCase();
    if (!m)
      return odataError(400, "InvalidUri", `The request URI is not a table or entity of this account: ${call.uri}`);
    const [, tableName, rawPk, rawRk] = m;
    const table = this.table(tableName);
    const headers = lowerKeys(call.headers);
    try {
      if (rawPk === undefined) {
        if (method !== "POST") return odataError(405, "UnsupportedHttpVerb", `${method} on a table is not supported.`);
        return await insert(table, call.body as Entity, headers);
      }
      const keys = { partitionKey: decodeURIComponent(rawPk), rowKey: decodeURIComponent(rawRk) };
      return await entityCall(table, method, keys, call.body as Entity | undefined, headers);
    } catch (err) {
      const rest = err as RestError & { details?: { odataError?: { code?: string; message?: unknown } } };
      if (typeof rest.statusCode !== "number") throw err;
      const odata = rest.details?.odataError;
      const message =
        typeof odata?.message === "string"
          ? odata.message
          : ((odata?.message as { value?: string })?.value ?? rest.message);
      return odataError(rest.statusCode, odata?.code ?? "StorageError", message);
    }
  }
}

/** Azure accepts only a bearer token for the storage audience here: the kit has no shared key. */
function authenticationProblem(
  auth: Record<string, unknown> | undefined,
): { code: string; message: string } | undefined {
  if (!auth || auth.type !== "ManagedServiceIdentity")
    return {
      code: "NoAuthenticationInformation",
      message: "Server failed to authenticate the request: no managed identity token.",
    };
  if (auth.audience !== STORAGE_AUDIENCE)
    return {
      code: "InvalidAuthenticationInfo",
      message: `The token's audience '${String(auth.audience)}' is not ${STORAGE_AUDIENCE}.`,
    };
  return undefined;
}

async function insert(table: TableClient, body: Entity, headers: Record<string, string>): Promise<ConnectorResponse> {
  const { PartitionKey, RowKey, ...rest } = body ?? {};
  const entity: TableEntity<Entity> = { ...rest, partitionKey: String(PartitionKey), rowKey: String(RowKey) };
  const { etag } = await table.createEntity(entity);
  if (headers.prefer === "return-no-content") return { statusCode: 204, headers: { ETag: etag ?? "" } };
  return {
    statusCode: 201,
    headers: { ETag: etag ?? "" },
    body: plain(await table.getEntity(entity.partitionKey, entity.rowKey)),
  };
}

async function entityCall(
  table: TableClient,
  method: string,
  keys: { partitionKey: string; rowKey: string },
  body: Entity | undefined,
  headers: Record<string, string>,
): Promise<ConnectorResponse> {
  const { PartitionKey: _pk, RowKey: _rk, ...properties } = body ?? {};
  const entity: TableEntity<Entity> = { ...properties, ...keys };
  const ifMatch = headers["if-match"];
  switch (method) {
    case "PUT": {
      // With If-Match: Update Entity (replace only that version); without: Insert Or Replace.
      const r = ifMatch
        ? await table.updateEntity(entity, "Replace", { etag: ifMatch })
        : await table.upsertEntity(entity, "Replace");
      return { statusCode: 204, headers: { ETag: r.etag ?? "" } };
    }
    case "PATCH":
    case "MERGE": {
      // With If-Match: Merge Entity (the row must exist); without: Insert Or Merge.
      const r = ifMatch
        ? await table.updateEntity(entity, "Merge", { etag: ifMatch })
        : await table.upsertEntity(entity, "Merge");
      return { statusCode: 204, headers: { ETag: r.etag ?? "" } };
    }
    case "GET": {
      const row = await table.getEntity(keys.partitionKey, keys.rowKey);
      return { statusCode: 200, headers: { ETag: String(row.etag ?? "") }, body: plain(row) };
    }
    case "DELETE":
      await table.deleteEntity(keys.partitionKey, keys.rowKey, { etag: ifMatch ?? "*" });
      return { statusCode: 204 };
    default:
      return odataError(405, "UnsupportedHttpVerb", `${method} on an entity is not supported.`);
  }
}

/** An entity as the REST API returns it without metadata: PartitionKey/RowKey names, no etag in the body. */
export function plain(e: Entity): Entity {
  const {
    partitionKey,
    rowKey,
    etag: _etag,
    timestamp,
    "odata.metadata": _m,
    ...rest
  } = e as Entity & { partitionKey: string; rowKey: string };
  return { PartitionKey: partitionKey, RowKey: rowKey, ...rest, ...(timestamp ? { Timestamp: timestamp } : {}) };
}

/** The Table service's JSON error body. */
function odataError(statusCode: number, code: string, message: string): ConnectorResponse {
  return { statusCode, body: { "odata.error": { code, message: { lang: "en-US", value: message } } } };
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
