/**
 * Retention: deletes archive rows received before the retention cutoff and dedup claims older than
 * the dedup window (an expired claim decides nothing: the workflow renews it). A lead not delivered yet
 * (dead-letter, needs-review, received, replaying) is kept past the cutoff and counted: its row is its only
 * copy. It also keeps what its replay will read: the claims its own window covers (the window runs from the
 * lead's first arrival, workflow/phases/dedup.ts), for at most the retention, and the rows of its earlier replays
 * (`ReplayOf`), which tell a replay that an unanswered send did arrive. Counts only: no personal value leaves this module.
 */
import { odata, TableClient } from "@azure/data-tables";
import { COLUMN, UNDELIVERED_STATUSES } from "../contract";

/** The part of TableClient a purge uses. */
export type PurgeTable = Pick<TableClient, "listEntities" | "deleteEntity">;

export interface PurgeOptions {
  archive: PurgeTable;
  dedup: PurgeTable;
  /** Whole days an archive row is kept; 0 = retention off (nothing is deleted). */
  retentionDays: number;
  /** The dedup window in days: a claim older than this no longer marks a duplicate. */
  dedupWindowDays: number;
  now?: Date;
  /** Rows per query page (at most 1000, the service's own cap). @default 1000 */
  pageSize?: number;
  /** Count what would be deleted, delete nothing. @default false */
  dryRun?: boolean;
}

export interface PurgeCounts {
  archiveRows: number;
  dedupClaims: number;
  /** Undelivered leads older than the cutoff, kept: replay, settle or forget them. */
  undeliveredKept: number;
  /** Archive rows received before this time were deleted (undefined: retention off). */
  archiveCutoff?: string;
  dedupCutoff?: string;
}

const DAY_MS = 24 * 3600 * 1000;
// Statuses are the contract's constants (no quote inside): written as literals.
const DELIVERED = UNDELIVERED_STATUSES.map((s) => `${COLUMN.status} ne '${s}'`).join(" and ");
const UNDELIVERED = UNDELIVERED_STATUSES.map((s) => `${COLUMN.status} eq '${s}'`).join(" or ");

/** One purge pass; with retention off it deletes nothing, not even expired dedup claims. */
export async function purgeExpired(options: PurgeOptions): Promise<PurgeCounts> {
  if (options.retentionDays === 0) return { archiveRows: 0, dedupClaims: 0, undeliveredKept: 0 };
  const now = (options.now ?? new Date()).getTime();
  const retentionStart = now - options.retentionDays * DAY_MS;
  const archiveCutoff = wholeSecond(retentionStart);
  const pageSize = options.pageSize ?? 1000;
  const pending = await undeliveredRows(options.archive, pageSize);
  // Held for at most the retention: the claims are other people's data, and an undelivered lead alerts daily.
  const oldest = pending.originTimes.reduce((a, b) => Math.min(a, b), now);
  const windowStart = Math.max(oldest, retentionStart);
  const dedupCutoff = wholeSecond(windowStart - options.dedupWindowDays * DAY_MS);
  // Partitions are the received month (yyyy-MM): the key range keeps the scan off newer months.
  const expired = odata`PartitionKey le ${archiveCutoff.slice(0, 7)} and ReceivedTime lt ${textBound(archiveCutoff)}`;
  const archiveFilter = `${expired} and ${DELIVERED}`;
  const dedupFilter = odata`ClaimedTime lt ${textBound(dedupCutoff)}`;
  const replayOfPending = (row: Row) => pending.keys.has(String(row[COLUMN.replayOf] ?? ""));
  // An archive row's age is its ReceivedTime, which no later write changes: an unconditional delete is right.
  const archiveRows = options.dryRun
    ? await countMatching(options.archive, archiveFilter, pageSize, replayOfPending)
    : await deleteMatching(options.archive, archiveFilter, pageSize, false, replayOfPending);
  // A claim's ClaimedTime is renewed by the workflow (PUT with If-Match): delete only the claim as read,
  // so a renewal between the query and the delete survives (412 leaves it).
  const dedupClaims = options.dryRun
    ? await countMatching(options.dedup, dedupFilter, pageSize)
    : await deleteMatching(options.dedup, dedupFilter, pageSize, true);
  // The same test as `expired`, on the undelivered rows already read.
  const undeliveredKept = pending.received.filter(
    ([month, received]) => month <= archiveCutoff.slice(0, 7) && received < textBound(archiveCutoff),
  ).length;
  return { archiveRows, dedupClaims, undeliveredKept, archiveCutoff, dedupCutoff };
}

type Row = Record<string, unknown>;

/**
 * The undelivered rows of any age, few by design: their `<PartitionKey>/<RowKey>` keys, their partition and
 * `ReceivedTime` text, and the times their leads first arrived (`LeadOriginTime`; a row archived before that
 * column gives its `ReceivedTime`).
 */
async function undeliveredRows(archive: PurgeTable, pageSize: number) {
  const filter = UNDELIVERED;
  const select = ["PartitionKey", "RowKey", COLUMN.receivedTime, COLUMN.leadOriginTime];
  const keys = new Set<string>();
  const originTimes: number[] = [];
  const received: Array<[string, string]> = [];
  for await (const page of archive.listEntities({ queryOptions: { filter, select } }).byPage({ maxPageSize: pageSize }))
    for (const row of page) {
      keys.add(`${row.partitionKey}/${row.rowKey}`);
      // A row without ReceivedTime matches no `lt` filter: not counted, as the query would not.
      if (typeof row[COLUMN.receivedTime] === "string")
        received.push([String(row.partitionKey), row[COLUMN.receivedTime] as string]);
      const time = Date.parse(String(row[COLUMN.leadOriginTime] || row[COLUMN.receivedTime]));
      if (Number.isFinite(time)) originTimes.push(time);
    }
  return { keys, received, originTimes };
}

/** How many rows the filter matches and `keep` does not, through every page. */
async function countMatching(
  table: PurgeTable,
  filter: string,
  pageSize: number,
  keep: (row: Row) => boolean = () => false,
): Promise<number> {
  let count = 0;
  const pages = table
    .listEntities({ queryOptions: { filter, select: ["PartitionKey", COLUMN.replayOf] } })
    .byPage({ maxPageSize: pageSize });
  for await (const page of pages) count += page.filter((row) => !keep(row)).length;
  return count;
}

/** An ISO time cut to the whole second, e.g. 2025-06-15T00:00:00Z. */
const wholeSecond = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * The times are ISO text: Logic Apps writes 7 fraction digits (…00.1234567Z), the local runner 3, so a
 * bound with a fraction would misorder times within its second. `yyyy-MM-ddTHH:mm:ss` alone sorts below
 * every time of that second and above every earlier one, whatever the fraction.
 */
const textBound = (cutoff: string) => cutoff.slice(0, 19);

/**
 * Deletes every row the filter matches, page by page. A cross-partition query may answer a page with
 * no rows but a continuation token, so paging goes on until no token is left
 * (https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination: "It is possible
 * for a query to return no results but to still return a continuation header"; $top caps one page).
 * Rows of a page are collected before deleting, so the deletes never disturb the page being read. Rows
 * `keep` names stay.
 */
export async function deleteMatching(
  table: PurgeTable,
  filter: string,
  pageSize: number,
  withEtag: boolean,
  keep: (row: Row) => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  const pages = table
    .listEntities({ queryOptions: { filter, select: ["PartitionKey", "RowKey", COLUMN.replayOf] } })
    .byPage({ maxPageSize: pageSize });
  for await (const page of pages) {
    for (const row of page) {
      if (keep(row)) continue;
      if (await deleteRow(table, String(row.partitionKey), String(row.rowKey), withEtag ? row.etag : "*")) deleted++;
    }
  }
  return deleted;
}

/**
 * Delete Entity: If-Match `*` deletes unconditionally, an ETag only the entity as read; success is
 * 204, a changed entity 412, a missing one 404 (https://learn.microsoft.com/rest/api/storageservices/delete-entity1,
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes). 404 and 412 are
 * not errors here: another purge got there first, or the row was renewed and stays.
 */
export async function deleteRow(
  table: PurgeTable,
  partitionKey: string,
  rowKey: string,
  etag: string,
): Promise<boolean> {
  try {
    await table.deleteEntity(partitionKey, rowKey, { etag });
    return true;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404 || status === 412) return false;
    throw err;
  }
}
