/**
 * Retention purge against Azurite: with a fixed clock it deletes exactly the archive rows received
 * before the cutoff and the dedup claims older than the window, across several query pages; off, nothing.
 * What an undelivered lead's replay reads stays: the claims its window covers, its earlier replays' rows.
 */
import * as assert from "assert";
import { TableClient, TableEntity } from "@azure/data-tables";
import { purgeExpired, PurgeTable } from "../../function-code/src/retention/purge";
import { runScheduledPurge } from "../../function-code/src/retention/scheduled";
import { useAzurite } from "../support/azurite";

const NOW = new Date("2026-06-15T00:00:00.000Z");
const UNDELIVERED = ["dead-letter", "needs-review", "received", "replaying"];
/** 365 days before NOW. */
const CUTOFF = "2025-06-15T00:00:00Z";

const OLD_ROWS: Array<[string, string, string]> = [
  ["2024-11", "run01", "2024-11-03T10:00:00.0000000Z"],
  ["2024-12", "run02", "2024-12-31T23:59:59.9990000Z"],
  ["2025-01", "run03", "2025-01-15T08:30:00.1234567Z"],
  ["2025-03", "run04", "2025-03-01T00:00:00.0000000Z"],
  ["2025-06", "run05", "2025-06-14T23:59:59.9999999Z"],
  ["2025-06", "run10", "2025-06-14T23:59:59.999Z"],
];
const NEW_ROWS: Array<[string, string, string]> = [
  ["2025-06", "run11", "2025-06-15T00:00:00.0000000Z"], // exactly the retention old: kept
  ["2025-06", "run06", "2025-06-15T00:00:00.0000001Z"],
  ["2025-06", "run09", "2025-06-15T00:00:00.001Z"], // the local runner's 3 fraction digits
  ["2025-12", "run07", "2025-12-01T12:00:00.0000000Z"],
  ["2026-06", "run08", "2026-06-14T09:00:00.0000000Z"],
];

describe("retention purge (Azurite)", function () {
  this.timeout(30000);
  let archive: TableClient;
  let dedup: TableClient;
  let connectionString: string;

  /** The old undelivered leads of the fixture, settled (forgotten): they no longer hold dedup claims. */
  const settleUndelivered = async () => {
    for (const i of UNDELIVERED.keys()) await archive.deleteEntity("2024-11", `undelivered${i}`);
  };
  /**
   * The oldest undelivered lead arrived on 2024-11-03, more than the retention (365 days) ago: claims are held for
   * a window from the retention's cutoff, 30 days before 2025-06-15.
   */
  const HELD_CUTOFF = "2025-05-16T00:00:00Z";

  const keys = async (t: TableClient) => {
    const out: string[] = [];
    for await (const r of t.listEntities()) out.push(`${r.partitionKey}/${r.rowKey}`);
    return out.sort();
  };

  /** Counts the query pages the purge reads, to prove it follows continuation tokens. */
  function countingPages(t: TableClient, pages: { n: number }): PurgeTable {
    return {
      deleteEntity: t.deleteEntity.bind(t),
      listEntities: ((options?: Parameters<TableClient["listEntities"]>[0]) => {
        const it = t.listEntities(options);
        return Object.assign(Object.create(it) as typeof it, {
          byPage: (settings?: { maxPageSize?: number }) =>
            (async function* () {
              for await (const page of it.byPage(settings)) {
                pages.n++;
                yield page;
              }
            })(),
        });
      }) as TableClient["listEntities"],
    };
  }

  /** Each test's own pair of tables (a new name, so none to delete first), seeded one transaction a partition. */
  let tableNumber = 0;
  beforeEach(async () => {
    connectionString = (await useAzurite()).connectionString;
    const open = (name: string) =>
      TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    tableNumber++;
    archive = open(`RetentionArchive${tableNumber}`);
    dedup = open(`RetentionDedup${tableNumber}`);
    await Promise.all([archive.createTable(), dedup.createTable()]);
    const rows: Array<TableEntity<Record<string, unknown>>> = [];
    for (const [partitionKey, rowKey, ReceivedTime] of [...OLD_ROWS, ...NEW_ROWS])
      rows.push({ partitionKey, rowKey, ReceivedTime, Status: "delivered" });
    // Old leads not delivered yet: the purge keeps them (their row is their only copy).
    for (const [rowKey, Status] of UNDELIVERED.map((s, i) => [`undelivered${i}`, s]))
      rows.push({ partitionKey: "2024-11", rowKey, ReceivedTime: "2024-11-03T10:00:00Z", Status });
    // 40 and 31 days old: past the 30-day window; 29 days and 1 hour: within it.
    const claims: Array<[string, string]> = [
      ["old1", "2026-05-06T00:00:00.0000000Z"],
      ["old2", "2026-05-15T00:00:00.0000000Z"],
      ["new1", "2026-05-17T00:00:00.0000000Z"],
      ["new2", "2026-06-14T23:00:00.0000000Z"],
    ];
    const seed = (t: TableClient, entities: Array<TableEntity<Record<string, unknown>>>) =>
      Promise.all(
        [...new Set(entities.map((e) => e.partitionKey))].map((pk) =>
          t.submitTransaction(entities.filter((e) => e.partitionKey === pk).map((e) => ["create", e])),
        ),
      );
    await seed(archive, rows);
    await seed(
      dedup,
      claims.map(([rowKey, ClaimedTime]) => ({ partitionKey: "v1", rowKey, ClaimedTime, LeadRow: "2026-05/x" })),
    );
  });

  it("deletes only rows received before the cutoff, paging through every page", async () => {
    const pages = { n: 0 };
    const counts = await purgeExpired({
      archive: countingPages(archive, pages),
      dedup,
      retentionDays: 365,
      dedupWindowDays: 30,
      now: NOW,
      pageSize: 2,
    });
    assert.deepStrictEqual(counts, {
      archiveRows: 6,
      dedupClaims: 0,
      undeliveredKept: 4,
      archiveCutoff: CUTOFF,
      dedupCutoff: HELD_CUTOFF,
    });
    assert.deepStrictEqual(await keys(archive), [
      ...UNDELIVERED.map((_, i) => `2024-11/undelivered${i}`),
      "2025-06/run06",
      "2025-06/run09",
      "2025-06/run11",
      "2025-12/run07",
      "2026-06/run08",
    ]);
    assert.deepStrictEqual(await keys(dedup), ["v1/new1", "v1/new2", "v1/old1", "v1/old2"]);
    assert.ok(pages.n >= 3, `6 matching rows at 2 a page need at least 3 pages; read ${pages.n}`);
  });

  it("a dry run counts what a purge would delete, and deletes nothing", async () => {
    const counts = await purgeExpired({
      archive,
      dedup,
      retentionDays: 365,
      dedupWindowDays: 30,
      now: NOW,
      dryRun: true,
    });
    assert.deepStrictEqual(
      [counts.archiveRows, counts.dedupClaims, counts.undeliveredKept, counts.archiveCutoff],
      [6, 0, 4, CUTOFF],
    );
    assert.deepStrictEqual([(await keys(archive)).length, (await keys(dedup)).length], [15, 4]);
  });

  it("with retention off (0) deletes nothing", async () => {
    const counts = await purgeExpired({ archive, dedup, retentionDays: 0, dedupWindowDays: 30, now: NOW });
    assert.deepStrictEqual(counts, { archiveRows: 0, dedupClaims: 0, undeliveredKept: 0 });
    assert.strictEqual((await keys(archive)).length, 15);
    assert.strictEqual((await keys(dedup)).length, 4);
  });

  it("keeps a dedup claim the workflow renewed after the purge read it (ETag-conditioned delete)", async () => {
    await settleUndelivered();
    const renewing: PurgeTable = {
      listEntities: dedup.listEntities.bind(dedup),
      deleteEntity: async (pk, rk, options) => {
        if (rk === "old1")
          await dedup.updateEntity({ partitionKey: pk, rowKey: rk, ClaimedTime: NOW.toISOString() }, "Replace");
        return dedup.deleteEntity(pk, rk, options);
      },
    };
    const counts = await purgeExpired({ archive, dedup: renewing, retentionDays: 365, dedupWindowDays: 30, now: NOW });
    assert.strictEqual(counts.dedupClaims, 1);
    assert.deepStrictEqual(await keys(dedup), ["v1/new1", "v1/new2", "v1/old1"]);
  });

  it("keeps the claims an undelivered lead's window covers, from its first arrival; none held, the window of now", async () => {
    await settleUndelivered();
    const purge = () => purgeExpired({ archive, dedup, retentionDays: 365, dedupWindowDays: 30, now: NOW });
    // A replay's dead letter received on 2026-06-10 of a lead first received on 2026-05-20.
    const replayRow = { partitionKey: "2026-06", rowKey: "replay1", ReceivedTime: "2026-06-10T00:00:00.0000000Z" };
    await archive.createEntity({ ...replayRow, Status: "dead-letter", LeadOriginTime: "2026-05-20T00:00:00.0000000Z" });
    const held = await purge();
    assert.deepStrictEqual(
      [held.dedupCutoff, (await keys(dedup)).length, held.undeliveredKept],
      ["2026-04-20T00:00:00Z", 4, 0], // a dead letter within the retention is not counted as kept past it
    );
    // A row archived before LeadOriginTime existed: its own time.
    await archive.upsertEntity({ ...replayRow, Status: "dead-letter" }, "Replace");
    const own = await purge();
    assert.deepStrictEqual([own.dedupCutoff, own.dedupClaims], ["2026-05-11T00:00:00Z", 1]);
    assert.deepStrictEqual(await keys(dedup), ["v1/new1", "v1/new2", "v1/old2"]);
    await archive.updateEntity({ ...replayRow, Status: "delivered" }, "Merge");
    const none = await purge();
    assert.deepStrictEqual([none.dedupCutoff, none.dedupClaims], ["2026-05-16T00:00:00Z", 1]);
    assert.deepStrictEqual(await keys(dedup), ["v1/new1", "v1/new2"]);
  });

  it("keeps the rows of an undelivered lead's earlier replays (they tell its next replay a send arrived)", async () => {
    // run01 (delivered, expired) is the row of a replay of undelivered0, whose answer was lost.
    await archive.updateEntity({ partitionKey: "2024-11", rowKey: "run01", ReplayOf: "2024-11/undelivered0" }, "Merge");
    const held = await purgeExpired({ archive, dedup, retentionDays: 365, dedupWindowDays: 30, now: NOW });
    assert.strictEqual(held.archiveRows, 5);
    assert.ok((await keys(archive)).includes("2024-11/run01"));
    await settleUndelivered();
    const freed = await purgeExpired({ archive, dedup, retentionDays: 365, dedupWindowDays: 30, now: NOW });
    assert.deepStrictEqual([freed.archiveRows, (await keys(archive)).includes("2024-11/run01")], [1, false]);
  });

  it("runs from the function app's settings, and names a bad one", async () => {
    const settings = {
      LEAD_ARCHIVE_CONNECTION: connectionString,
      LEAD_ARCHIVE_TABLE: archive.tableName,
      LEAD_DEDUP_TABLE: dedup.tableName,
      ARCHIVE_RETENTION_DAYS: "365",
      DEDUP_WINDOW_DAYS: "30",
    };
    const counts = await runScheduledPurge(settings, NOW);
    assert.deepStrictEqual([counts.archiveRows, counts.dedupClaims, counts.undeliveredKept], [6, 0, 4]);
    await assert.rejects(runScheduledPurge({ ...settings, ARCHIVE_RETENTION_DAYS: "1y" }, NOW), {
      message: 'App setting ARCHIVE_RETENTION_DAYS is "1y": the purge needs a whole number of days from 0.',
    });
  });
});
