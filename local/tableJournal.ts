/**
 * The write-ahead journal of the local Table endpoint: every mutating request Azurite acknowledged, appended
 * and fsynced before the answer goes back, and replayed into Azurite after it lost writes it had not saved.
 */
import { createHmac } from "crypto";
import * as fs from "fs";
import * as http from "http";
import { DEV_ACCOUNT, DEV_KEY } from "./azurite";

export interface JournalEntry {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  /** The headers that shape the operation (not auth: replay signs anew). */
  headers: Record<string, string>;
  /** Body, base64 (a $batch body is multipart, not JSON). */
  body: string;
}

/** Headers that change what an operation does; the rest (auth, date, host) is per request. */
const KEPT_HEADERS = [
  "content-type",
  "accept",
  "x-ms-version",
  "dataserviceversion",
  "maxdataserviceversion",
  "prefer",
  "if-match",
];

export function journalEntry(
  method: string,
  path: string,
  headers: http.IncomingHttpHeaders,
  body: Buffer,
): JournalEntry {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) if (typeof headers[name] === "string") kept[name] = headers[name];
  return { method: method.toUpperCase(), path, headers: kept, body: body.toString("base64") };
}

/** Append-only file; `append` resolves once the entry is on disk (one fdatasync per group of appends). */
export class Journal {
  private readonly fd: number;
  private pending: Array<{ line: string; done: (err?: Error) => void }> = [];
  private flushing = false;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, "a", 0o600);
  }

  append(entry: JournalEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: JSON.stringify(entry) + "\n", done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  /** Writes everything queued, syncs once, then answers that whole group (group commit). */
  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      try {
        await writeAll(this.fd, Buffer.from(group.map((g) => g.line).join("")));
        await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.done(err as Error);
      }
    }
    this.flushing = false;
  }

  /** Empties the journal: only once Azurite has saved everything it holds (a clean SIGINT stop). */
  truncate(): void {
    fs.ftruncateSync(this.fd, 0);
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    fs.write(fd, data, 0, data.length, null, (err, written) => {
      if (err) reject(err);
      else if (written < data.length) writeAll(fd, data.subarray(written)).then(resolve, reject);
      else resolve();
    }),
  );
}

/**
 * The journal's entries. A torn last line (a crash during its write) is dropped: its answer was never sent.
 * A bad line before the last one means the file was damaged, and replaying around it could lose a lead.
 */
export function readJournal(file: string): JournalEntry[] {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const entries: JournalEntry[] = [];
  lines.forEach((line, i) => {
    if (line === "") return;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l !== ""))
        throw new Error(
          `The table journal ${file} is damaged at line ${i + 1}: fix or move the file, then start again.`,
        );
    }
  });
  return entries;
}

interface ReplayOperation {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Statuses that mean "already so" on replay. */
  tolerated: number[];
}

const TABLES = /^\/[^/]+\/Tables(\(.*\))?$/;
const BATCH = /^\/[^/]+\/\$batch$/;
const TABLE = /^(\/[^/]+\/[^/()$]+)$/;

/** `Table(PartitionKey='a''b',RowKey='c')`: quotes doubled (OData), then URI-encoded. */
const keyLiteral = (key: unknown) => encodeURIComponent(String(key).replace(/'/g, "''"));

/**
 * Rewrites an acknowledged operation so its effect no longer depends on the state it meets. Each was
 * answered 2xx, so in the original history an insert met no row (it equals Insert Or Replace, a PUT without
 * If-Match) and a conditional update met the row (it equals the If-Match-less upsert: Insert Or Replace /
 * Insert Or Merge). Deletes take `If-Match: *` and a 404 means "already gone"; creating an existing table
 * answers 409. Sources: https://learn.microsoft.com/en-us/rest/api/storageservices/insert-or-replace-entity,
 * .../insert-or-merge-entity, .../delete-entity1 (If-Match required, `*` for any), .../create-table (409).
 */
export function replayOperation(entry: JournalEntry): ReplayOperation {
  const [pathOnly, query] = entry.path.split("?");
  const { "if-match": _ifMatch, ...headers } = entry.headers;
  const body = Buffer.from(entry.body, "base64");
  const op = { method: entry.method, path: entry.path, headers, body, tolerated: [] as number[] };
  if (TABLES.test(pathOnly)) return { ...op, tolerated: [409, 404] };
  if (BATCH.test(pathOnly)) return { ...op, headers: entry.headers };
  if (entry.method === "DELETE") return { ...op, headers: { ...headers, "if-match": "*" }, tolerated: [404] };
  if (entry.method === "POST" && TABLE.test(pathOnly)) {
    const { PartitionKey, RowKey } = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    const path = `${pathOnly}(PartitionKey='${keyLiteral(PartitionKey)}',RowKey='${keyLiteral(RowKey)}')`;
    const { prefer: _prefer, ...rest } = headers;
    return { ...op, method: "PUT", path: query ? `${path}?${query}` : path, headers: rest };
  }
  return op;
}

/**
 * Shared Key for the Table service: StringToSign = VERB, Content-MD5, Content-Type, Date (x-ms-date),
 * CanonicalizedResource (`/account/path` plus `?comp=`), HMAC-SHA256 with the account key.
 * https://learn.microsoft.com/en-us/rest/api/storageservices/authorize-with-shared-key
 */
export function signTableRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
): Record<string, string> {
  const date = new Date().toUTCString();
  const [pathOnly, query] = path.split("?");
  const comp = new URLSearchParams(query ?? "").get("comp");
  const resource = `/${DEV_ACCOUNT}${pathOnly}${comp ? `?comp=${comp}` : ""}`;
  const toSign = [method, "", headers["content-type"] ?? "", date, resource].join("\n");
  const signature = createHmac("sha256", Buffer.from(DEV_KEY, "base64")).update(toSign, "utf8").digest("base64");
  return { ...headers, "x-ms-date": date, authorization: `SharedKey ${DEV_ACCOUNT}:${signature}` };
}

function send(port: number, op: ReplayOperation): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...signTableRequest(op.method, op.path, op.headers), "content-length": String(op.body.length) };
    const req = http.request({ host: "127.0.0.1", port, method: op.method, path: op.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(op.body);
  });
}

/**
 * Replays every entry, in order, into the Table service on `port`; resolves with the count.
 *
 * Why replaying the whole journal over what Azurite saved gives the acknowledged state: Azurite saves the
 * whole database between requests, so its file holds the state after some prefix of the journal (the journal
 * restarts at each clean save), or after a partial earlier replay of it. Per row, after the rewrite above,
 * every operation is a full write (replace, delete: the result ignores the state before) or a merge (each
 * property takes the written value; none is removed). Replaying all of them in order, the last full write
 * sets the row exactly as in the original history and the operations after it repeat it; a row with only
 * merges ends with each property at its last written value, as originally. Order is the order of
 * acknowledgement; writes to one row are ordered by their callers (each waits for the previous answer: the
 * archive row, then its marks; a conflicting concurrent insert is refused and so never journaled).
 */
export async function replayJournal(entries: JournalEntry[], port: number): Promise<number> {
  for (const [i, entry] of entries.entries()) {
    const op = replayOperation(entry);
    const { status, text } = await send(port, op);
    if ((status < 200 || status > 299) && !op.tolerated.includes(status))
      throw new Error(
        `Replaying table journal entry ${i + 1} (${entry.method} ${entry.path.split("?")[0]}) got HTTP ${status}: ` +
          `${text.slice(0, 300)}. The journal is kept; fix the cause and start again.`,
      );
  }
  return entries.length;
}
