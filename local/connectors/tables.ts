/**
 * The Table service REST API as the workflow's HTTP actions call it, served by a real Table API (Azurite
 * locally, tableRest.ts). Like Azure, it refuses a call that is not authenticated as a managed identity for
 * the storage audience. The SDK clients here are the harness's own (creating tables, reading the archive).
 */
import { RestError, TableClient, TableServiceClient } from "@azure/data-tables";
import { ConnectorResponse, HttpCall } from "../../emulator/types";
import { TableRest } from "./tableRest";

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
  private readonly rest: TableRest;
  private readonly watchers = new Set<(call: HttpCall) => void>();

  constructor(private readonly connectionString: string) {
    this.service = TableServiceClient.fromConnectionString(connectionString, CLIENT_OPTIONS);
    this.rest = new TableRest(connectionString);
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

  /** `listener` sees every call the workflow makes, before it is sent (the bench's floor replays them). */
  watch(listener: (call: HttpCall) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** The next `times` calls made by `actionName` answer `statusCode` (503: a storage blip) without touching a row. */
  fail(actionName: string, options: { times?: number; statusCode?: number } = {}): void {
    this.faults.set(actionName, { times: options.times ?? Infinity, statusCode: options.statusCode ?? 503 });
  }

  /**
   * Handles one HTTP call whose URI starts with `endpoint`: the request goes to Azurite as the workflow made
   * it and Azurite's answer comes back (tableRest.ts). Network failures throw (the runner retries them).
   */
  async call(call: HttpCall, endpoint: string, signal?: AbortSignal): Promise<ConnectorResponse> {
    for (const watcher of this.watchers) watcher(call);
    const fault = this.faults.get(call.actionName);
    if (fault) {
      if (--fault.times <= 0) this.faults.delete(call.actionName);
      return odataError(fault.statusCode, "ServerBusy", `Injected fault on ${call.actionName}.`);
    }
    const denied = authenticationProblem(call.authentication);
    if (denied) return odataError(401, denied.code, denied.message);
    const [resource, query = ""] = call.uri.slice(endpoint.length).split("?");
    if (!RESOURCE.test(resource))
      return odataError(400, "InvalidUri", `The request URI is not a table or entity of this account: ${call.uri}`);
    const queries = new URLSearchParams(query);
    for (const [k, v] of Object.entries(call.queries ?? {})) queries.set(k, v);
    const target = queries.size ? `${resource}?${queries}` : resource;
    return this.rest.send(call.method.toUpperCase(), target, call.headers ?? {}, call.body, signal);
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

/** The Table service's JSON error body. */
function odataError(statusCode: number, code: string, message: string): ConnectorResponse {
  return { statusCode, body: { "odata.error": { code, message: { lang: "en-US", value: message } } } };
}
