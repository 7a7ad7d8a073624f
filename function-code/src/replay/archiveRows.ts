/**
 * The archive-table calls of a replay: pick the rows, claim one with its ETag, write the result
 * back, find the rows a replay archived. Every update that must not race is ETag-conditioned.
 */
import { odata, TableClient, TableEntityResult } from "@azure/data-tables";
import { COLUMN, LEAD_STATUS } from "../contract";

/** The part of TableClient a replay uses (tests wrap it to inject faults). */
export type ArchiveTable = Pick<TableClient, "listEntities" | "updateEntity" | "getEntity">;
export type Row = TableEntityResult<Record<string, unknown>>;
export type Fields = Record<string, unknown>;

export const rowKeyOf = (row: { partitionKey?: unknown; rowKey?: unknown }) => `${row.partitionKey}/${row.rowKey}`;
const idsOf = (row: Row) => ({ partitionKey: String(row.partitionKey), rowKey: String(row.rowKey) });

/** An OData `eq` filter: the column is filter text, the value is quoted and escaped by odata``. */
const equals = (column: string, value: string) => `${column} ${odata`eq ${value}`}`;

const statusCode = (err: unknown) => (err as { statusCode?: number }).statusCode;

/**
 * Whether a `replaying` claim has run out: past `LeaseUntil`, or (claims written before leases
 * existed) more than one lease after `LastReplayTime`.
 */
export function leaseExpired(row: Row, now: Date, leaseMs: number): boolean {
  if (row.LeaseUntil !== undefined && row.LeaseUntil !== null) {
    return new Date(row.LeaseUntil as string | Date).getTime() <= now.getTime();
  }
  const last = new Date(String(row.LastReplayTime ?? "")).getTime();
  return Number.isNaN(last) || last + leaseMs <= now.getTime();
}

/** Whether the run that archived a `received` row has ended, so that nothing will write the row any more. */
export type RunEnded = (row: Row) => boolean | Promise<boolean>;

/** The runs in progress on an endpoint that is its archive's only writer, and the time that was read. */
export interface RunsInProgress {
  at: string;
  names: string[];
}

/**
 * {@link RunEnded} from such a snapshot: a row's run has ended when it is not among them and the row was
 * received before the snapshot (a run that started since is not in it). The local endpoint gives one.
 */
export function runEndedOf(snapshot: RunsInProgress): RunEnded {
  const going = new Set(snapshot.names);
  return (row) => !going.has(String(row.rowKey)) && String(row[COLUMN.receivedTime] ?? "") < snapshot.at;
}

/**
 * Dead letters, `replaying` rows whose lease ran out (their replayer died or lost its write-back) and, when
 * `runEnded` is given, `received` rows whose run has ended without marking them. A row whose run status cannot be
 * read goes to `unreadable` and is left alone: one refused read never stops the pass for the others.
 */
export async function candidateRows(
  table: ArchiveTable,
  now: Date,
  leaseMs: number,
  limit: number,
  runEnded?: RunEnded,
  onlyRow?: string,
  unreadable: (row: Row, err: Error) => void = (_row, err) => {
    throw err;
  },
): Promise<{ rows: Row[]; left?: Row }> {
  const rows: Row[] = [];
  const statuses = [LEAD_STATUS.deadLetter, LEAD_STATUS.replaying, ...(runEnded ? [LEAD_STATUS.received] : [])];
  const byStatus = statuses.map((status) => equals(COLUMN.status, status)).join(" or ");
  const filter = onlyRow === undefined ? byStatus : `${equals("RowKey", onlyRow)} and (${byStatus})`;
  for await (const row of table.listEntities({ queryOptions: { filter } })) {
    if (row[COLUMN.status] === LEAD_STATUS.replaying && !leaseExpired(row, now, leaseMs)) continue;
    if (row[COLUMN.status] === LEAD_STATUS.received && !(await ended(runEnded!, row, unreadable))) continue;
    // One due row past the limit is read, not taken: the pass says a row was left, and which.
    if (rows.length >= limit) return { rows, left: row };
    rows.push(row);
  }
  return { rows };
}

/** The fields of one replay's change to a row: its `Status` and its token (`ReplayClaim`). */
export type Change = Fields & { [COLUMN.status]: string; [COLUMN.replayClaim]: string };

async function ended(runEnded: RunEnded, row: Row, unreadable: (row: Row, err: Error) => void): Promise<boolean> {
  try {
    return await runEnded(row);
  } catch (err) {
    unreadable(row, err as Error);
    return false;
  }
}

/**
 * Merges `change` only if the row still has `etag`; resolves with the new ETag, or undefined when
 * another writer changed the row first. Merge Entity applies only when If-Match equals the row's
 * current ETag (https://learn.microsoft.com/rest/api/storageservices/merge-entity); otherwise it
 * answers 412 UpdateConditionNotSatisfied
 * (https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes). That 412 can be our
 * own change: the storage SDK re-sends a request whose answer was lost (its exponential retry strategy takes
 * ECONNRESET, ETIMEDOUT and the like, and 408 and 5xx: @typespec/ts-http-runtime retryStrategies/
 * exponentialRetryStrategy isSystemError, isExponentialRetryResponse), and the first try may have landed. The
 * row then holds this change's token and status, and the change counts as made.
 */
export async function mergeIfUnchanged(
  table: ArchiveTable,
  row: Row,
  etag: string,
  change: Change,
): Promise<string | undefined> {
  try {
    const res = await table.updateEntity({ ...idsOf(row), ...change }, "Merge", { etag });
    return res.etag;
  } catch (err) {
    if (statusCode(err) !== 412) throw err;
    const now = await table.getEntity<Fields>(String(row.partitionKey), String(row.rowKey));
    const ours = now[COLUMN.replayClaim] === change[COLUMN.replayClaim] && now[COLUMN.status] === change[COLUMN.status];
    return ours ? now.etag : undefined;
  }
}

/** The write-back after a send, tried `attempts` times (each try that meets 412 checks whether it landed). */
export async function writeBack(
  table: ArchiveTable,
  row: Row,
  etag: string,
  change: Change,
  retry: { attempts: number; delayMs: number },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if ((await mergeIfUnchanged(table, row, etag, change)) !== undefined) return;
      throw new Error("another replay took the row over after this one's lease ended; its result stands");
    } catch (err) {
      if (attempt >= retry.attempts || (err as Error).message.startsWith("another replay")) throw err;
      await new Promise((r) => setTimeout(r, retry.delayMs * attempt));
    }
  }
}

/**
 * The rows archived by replays of `key` (their `ReplayOf`). A cross-partition scan: Table storage
 * may answer a page with no rows but a continuation token, so every page is read
 * (https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination).
 */
export async function findReplaysOf(table: ArchiveTable, key: string): Promise<Row[]> {
  const found: Row[] = [];
  const pages = table.listEntities({ queryOptions: { filter: equals(COLUMN.replayOf, key) } }).byPage();
  for await (const page of pages) found.push(...page);
  return found;
}
