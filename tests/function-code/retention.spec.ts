/**
 * Retention purge against Azurite: with a fixed clock it deletes exactly the archive rows received
 * before the cutoff and the dedup claims older than the window, across several query pages; off, nothing.
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";
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

  beforeEach(async () => {
    connectionString = (await useAzurite()).connectionString;
    const open = (name: string) =>
      TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    archive = open("RetentionArchive");
    dedup = open("RetentionDedup");
    for (const t of [archive, dedup]) {
      await t.deleteTable().catch(() => undefined);
      await t.createTable();
    }
    for (const [partitionKey, rowKey, ReceivedTime] of [...OLD_ROWS, ...NEW_ROWS])
      await archive.createEntity({ partitionKey, rowKey, ReceivedTime, Status: "delivered" });
    // Old leads not delivered yet: the purge keeps them (their row is their only copy).
    for (const [rowKey, Status] of UNDELIVERED.map((s, i) => [`undelivered${i}`, s]))
      await archive.createEntity({ partitionKey: "2024-11", rowKey, ReceivedTime: "2024-11-03T10:00:00Z", Status });
    // 40 and 31 days old: past the 30-day window; 29 days and 1 hour: within it.
    const claims: Array<[string, string]> = [
      ["old1", "2026-05-06T00:00:00.0000000Z"],
      ["old2", "2026-05-15T00:00:00.0000000Z"],
      ["new1", "2026-05-17T00:00:00.0000000Z"],
      ["new2", "2026-06-14T23:00:00.0000000Z"],
    ];
    for (const [rowKey, ClaimedTime] of claims)
      await dedup.createEntity({ partitionKey: "v1", rowKey, ClaimedTime, LeadRow: "2026-05/x" });
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
      dedupClaims: 2,
      undeliveredKept: 4,
      archiveCutoff: CUTOFF,
      dedupCutoff: "2026-05-16T00:00:00Z",
    });
    assert.deepStrictEqual(await keys(archive), [
      ...UNDELIVERED.map((_, i) => `2024-11/undelivered${i}`),
      "2025-06/run06",
      "2025-06/run09",
      "2025-12/run07",
      "2026-06/run08",
    ]);
    assert.deepStrictEqual(await keys(dedup), ["v1/new1", "v1/new2"]);
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
      [6, 2, 4, CUTOFF],
    );
    assert.deepStrictEqual([(await keys(archive)).length, (await keys(dedup)).length], [14, 4]);
  });

  it("with retention off (0) deletes nothing", async () => {
    const counts = await purgeExpired({ archive, dedup, retentionDays: 0, dedupWindowDays: 30, now: NOW });
    assert.deepStrictEqual(counts, { archiveRows: 0, dedupClaims: 0, undeliveredKept: 0 });
    assert.strictEqual((await keys(archive)).length, 14);
    assert.strictEqual((await keys(dedup)).length, 4);
  });

  it("keeps a dedup claim the workflow renewed after the purge read it (ETag-conditioned delete)", async () => {
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

  it("runs from the function app's settings, and names a bad one", async () => {
    const settings = {
      LEAD_ARCHIVE_CONNECTION: connectionString,
      LEAD_ARCHIVE_TABLE: "RetentionArchive",
      LEAD_DEDUP_TABLE: "RetentionDedup",
      ARCHIVE_RETENTION_DAYS: "365",
      DEDUP_WINDOW_DAYS: "30",
    };
    const counts = await runScheduledPurge(settings, NOW);
    assert.deepStrictEqual([counts.archiveRows, counts.dedupClaims, counts.undeliveredKept], [6, 2, 4]);
    await assert.rejects(runScheduledPurge({ ...settings, ARCHIVE_RETENTION_DAYS: "1y" }, NOW), {
      message: 'App setting ARCHIVE_RETENTION_DAYS is "1y": the purge needs a whole number of days from 0.',
    });
  });
});
