/**
 * The Table service REST API called as it is: the workflow's request (method, entity path, Accept, Prefer,
 * If-Match, x-ms-version, JSON body) goes to Azurite unchanged, signed with the account key, and Azurite's
 * own answer (status, headers, body) comes back. No SDK in between: its pipeline (tracing, policies,
 * entity translation) cost more CPU per call than the rest of a run's step, and a translation can only
 * drift from what the service answers.
 */
import { createHmac } from "crypto";
import * as http from "http";
import { ConnectorResponse } from "../../emulator/types";

/** The parts of a storage connection string this client signs and sends with. */
export interface TableAccount {
  name: string;
  key: Buffer;
  /** The table endpoint, ending in "/": `http://127.0.0.1:10002/devstoreaccount1/`. */
  endpoint: string;
}

/** AccountName, AccountKey and TableEndpoint of a connection string (Azurite's has all three). */
export function tableAccount(connectionString: string): TableAccount {
  const parts = new Map(
    connectionString
      .split(";")
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)] as const),
  );
  const missing = ["AccountName", "AccountKey", "TableEndpoint"].filter((k) => !parts.get(k));
  if (missing.length)
    throw new Error(`The storage connection string has no ${missing.join(", ")}: give Azurite's (local/azurite.ts).`);
  const endpoint = parts.get("TableEndpoint")!;
  return {
    name: parts.get("AccountName")!,
    key: Buffer.from(parts.get("AccountKey")!, "base64"),
    endpoint: endpoint.endsWith("/") ? endpoint : `${endpoint}/`,
  };
}

/**
 * Shared Key Lite for the Table service: HMAC-SHA256 of the date and "/<account><path>"
 * (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key, "Shared Key Lite and Table service
 * format for 2009-09-19 and later"; only `?comp=` of the query is signed, and the Table calls here have none).
 */
export function sharedKeyLite(account: TableAccount, date: string, url: URL): string {
  const signature = createHmac("sha256", account.key).update(`${date}\n/${account.name}${url.pathname}`, "utf8");
  return `SharedKeyLite ${account.name}:${signature.digest("base64")}`;
}

/** One keep-alive pool per process: a socket per call in flight, reused (as Logic Apps' own HTTP client does). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export class TableRest {
  readonly account: TableAccount;
  constructor(connectionString: string) {
    this.account = tableAccount(connectionString);
  }

  /** Sends `method` on `resource` (`Table` or `Table(PartitionKey='..',RowKey='..')`); network failures throw. */
  send(
    method: string,
    resource: string,
    headers: Record<string, string>,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<ConnectorResponse> {
    const url = new URL(resource, this.account.endpoint);
    const date = new Date().toUTCString();
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const sent: Record<string, string | number> = {
      ...headers,
      "x-ms-date": date,
      Authorization: sharedKeyLite(this.account, date, url),
      ...(payload === undefined ? {} : { "Content-Length": Buffer.byteLength(payload) }),
    };
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers: sent, agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => resolve(answer(res, Buffer.concat(chunks).toString("utf8"))));
      });
      req.on("error", reject);
      req.end(payload);
    });
  }
}

/** The service's answer as an HTTP action's outputs: headers as the service spelt them, a JSON body parsed. */
function answer(res: http.IncomingMessage, text: string): ConnectorResponse {
  const headers: Record<string, string> = {};
  for (let i = 0; i < res.rawHeaders.length; i += 2) headers[res.rawHeaders[i]] = res.rawHeaders[i + 1];
  const json = /json/i.test(res.headers["content-type"] ?? "") && text !== "";
  return { statusCode: res.statusCode ?? 0, headers, ...(text === "" ? {} : { body: json ? JSON.parse(text) : text }) };
}
