/**
 * The Azure Table storage managed connector (`azuretables`, V2 operations) run against a real Table
 * API (Azurite locally) with @azure/data-tables.
 */
import { RestError, TableClient, TableEntity, TableServiceClient } from "@azure/data-tables";
import { ApiConnectionCall, ConnectorResponse } from "../types";

type Entity = Record<string, unknown>;

/** Azurite speaks HTTP; retries belong to the workflow's retry policy, not to the SDK. */
const CLIENT_OPTIONS = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };

/** `/v2/storageAccounts/{account}/tables[/{table}/entities[(PartitionKey='..',RowKey='..')]]` */
const PATH =
  /^\/v2\/storageAccounts\/([^/]+)\/tables(?:\/([^/]+)\/entities(?:\(PartitionKey='([^']*)',RowKey='([^']*)'\))?)?$/;

/** Path segments arrive URI-encoded, the account name twice (`encodeURIComponent(encodeURIComponent(...))`). */
const decode = (segment: string) => {
  const once = decodeURIComponent(segment);
  return /%[0-9A-Fa-f]{2}/.test(once) ? decodeURIComponent(once) : once;
};

export class TablesConnector {
  private readonly clients = new Map<string, TableClient>();
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

  /** Handles one connector call. Network failures throw (the runner retries them). */
  async call(call: ApiConnectionCall): Promise<ConnectorResponse> {
    const m = PATH.exec(call.path.split("?")[0]);
    if (!m)
      return error(
        404,
        `The Azure Table storage connector has no operation '${call.method.toUpperCase()} ${call.path}'.`,
      );
    const [, , rawTable, rawPk, rawRk] = m;
    const method = call.method.toLowerCase();
    try {
      if (!rawTable) {
        if (method === "post") {
          await this.service.createTable(String((call.body as Entity)?.TableName));
          return { statusCode: 201, body: call.body };
        }
        const value: unknown[] = [];
        for await (const t of this.service.listTables()) value.push({ TableName: t.name });
        return { statusCode: 200, body: { value } };
      }
      const table = this.table(decode(rawTable));
      if (rawPk === undefined) {
        if (method === "post") {
          const { PartitionKey, RowKey, ...rest } = (call.body ?? {}) as Entity;
          const entity: TableEntity<Entity> = { ...rest, partitionKey: String(PartitionKey), rowKey: String(RowKey) };
          await table.createEntity(entity);
          return { statusCode: 201, body: plain(await table.getEntity(entity.partitionKey, entity.rowKey)) };
        }
        const filter = call.queries?.["$filter"];
        const top = call.queries?.["$top"] ? Number(call.queries["$top"]) : undefined;
        const value: Entity[] = [];
        for await (const e of table.listEntities({ queryOptions: { filter } })) {
          value.push(plain(e));
          if (top !== undefined && value.length >= top) break;
        }
        return { statusCode: 200, body: { value } };
      }
      const partitionKey = decode(rawPk);
      const rowKey = decode(rawRk);
      const { PartitionKey: _pk, RowKey: _rk, ...properties } = (call.body ?? {}) as Entity;
      const entity: TableEntity<Entity> = { ...properties, partitionKey, rowKey };
      switch (method) {
        case "put":
          await table.upsertEntity(entity, "Replace");
          return { statusCode: 200, body: plain(await table.getEntity(partitionKey, rowKey)) };
        case "patch":
          await table.updateEntity(entity, "Merge", { etag: "*" });
          return { statusCode: 204 };
        case "get":
          return { statusCode: 200, body: plain(await table.getEntity(partitionKey, rowKey)) };
        case "delete":
          await table.deleteEntity(partitionKey, rowKey);
          return { statusCode: 204 };
        default:
          return error(405, `The Azure Table storage connector has no '${method}' operation on an entity.`);
      }
    } catch (err) {
      const rest = err as RestError & {
        details?: { odataError?: { code?: string; message?: { value?: string } | string } };
      };
      if (typeof rest.statusCode !== "number") throw err;
      const odata = rest.details?.odataError;
      const message = typeof odata?.message === "string" ? odata.message : (odata?.message?.value ?? rest.message);
      return error(rest.statusCode, `${odata?.code ?? "StorageError"}: ${message}`);
    }
  }
}

/** An entity as the connector returns it: PartitionKey/RowKey names, no SDK metadata. */
export function plain(e: Entity): Entity {
  const {
    partitionKey,
    rowKey,
    etag,
    timestamp,
    "odata.metadata": _m,
    ...rest
  } = e as Entity & { partitionKey: string; rowKey: string };
  return {
    PartitionKey: partitionKey,
    RowKey: rowKey,
    ...rest,
    ...(timestamp ? { Timestamp: timestamp } : {}),
    ...(etag ? { "odata.etag": etag } : {}),
  };
}

function error(statusCode: number, message: string): ConnectorResponse {
  return { statusCode, body: { status: statusCode, message, error: { message } } };
}
