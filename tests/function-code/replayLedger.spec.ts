/**
 * Replay against hand-written archive rows in Azurite, with a recording sender that archives the
 * replay's own row (ReplayOf) the way the workflow does before it answers 200. Counts asserted:
 * sends per target = the targets still owed, never a duplicate.
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";
import type { ArchiveTable } from "../../function-code/src/replay/archiveRows";
import { REPLAY_OF_HEADER, REPLAY_TARGETS_HEADER } from "../../function-code/src/replay/replayDeadLetters";
import { MARK_DELIVERED_ACTION, owedTargets, REPLAY_TARGETS } from "../../function-code/src/replay/owedTargets";
import { replayDeadLetters } from "../../function-code/src/replay/replayDeadLetters";
import {
  awaitReplayRuns,
  replayCounts,
  replayExitCode,
  ReplayOutcome,
  replaySummary,
  Sender,
  waitOption,
} from "../../ops/replay";
import { TARGETS } from "../../targets";
import { ACTION } from "../../workflow/leadWorkflow";
import { useAzurite } from "../support/azurite";

const PK = "2025-01";
let tableCount = 0;

/** A fresh archive table per test. */
async function freshTable(): Promise<TableClient> {
  const azurite = await useAzurite();
  const table = TableClient.fromConnectionString(azurite.connectionString, `ReplayLedger${Date.now()}${tableCount++}`, {
    allowInsecureConnection: true,
  });
  await table.createTable();
  return table;
}

const LEAD = { UserDetails: { Email: "x@contoso.com", LastName: "X" } };

async function deadLetter(table: TableClient, rowKey: string, columns: Record<string, unknown>): Promise<void> {
  await table.createEntity({
    partitionKey: PK,
    rowKey,
    Status: "dead-letter",
    LeadJson: JSON.stringify(LEAD),
    LeadJsonTruncated: false,
    ...columns,
  });
}

const row = (table: TableClient, rowKey: string) => table.getEntity<Record<string, any>>(PK, rowKey);

interface Recorder {
  send: Sender;
  sends: Array<{ of: string; targets: string }>;
  /** Deliveries per target over every send. */
  perTarget(): Record<string, number>;
}

/** Records every send; archives the replay's row first (as the workflow does) unless `fail` says otherwise. */
function recorder(table: TableClient, fail?: (of: string, n: number) => "throw" | "archive-then-throw" | undefined) {
  const r: Recorder = {
    sends: [],
    perTarget() {
      const counts: Record<string, number> = {};
      for (const s of r.sends) for (const t of s.targets.split(",")) counts[t] = (counts[t] ?? 0) + 1;
      return counts;
    },
    send: async (lead, headers) => {
      const of = headers[REPLAY_OF_HEADER];
      r.sends.push({ of, targets: headers[REPLAY_TARGETS_HEADER] });
      const mode = fail?.(of, r.sends.length);
      const runId = `08584run${r.sends.length}`;
      if (mode === "throw") throw new TypeError("fetch failed");
      await table.createEntity({ partitionKey: "2025-02", rowKey: runId, Status: "received", ReplayOf: of });
      if (mode === "archive-then-throw")
        throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      return { status: 200, body: { status: "accepted", runId, row: `2025-02/${runId}` } };
    },
  };
  return r;
}

/** The table, with `Status` write-backs (replayed / dead-letter) failing `times` times for `rowKey`. */
function failingWriteBack(table: TableClient, rowKey: string, times: number): ArchiveTable & { failures: number } {
  const wrapped = {
    failures: 0,
    listEntities: table.listEntities.bind(table),
    getEntity: table.getEntity.bind(table),
    updateEntity: (async (entity: Record<string, unknown>, mode: "Merge", options: unknown) => {
      const writeBack = entity.Status === "replayed" || entity.Status === "dead-letter";
      if (writeBack && entity.rowKey === rowKey && wrapped.failures < times) {
        wrapped.failures++;
        throw Object.assign(new Error("connect ECONNRESET (storage blip)"), { statusCode: undefined });
      }
      return table.updateEntity(entity as never, mode, options as never);
    }) as TableClient["updateEntity"],
  };
  return wrapped;
}

const FAST = { writeBackRetry: { attempts: 3, delayMs: 0 } };

/**
 * `table` through a client whose `nth` merge reaches Azurite but whose answer is lost (a reset connection): the
 * SDK's retry policy sends it again, and the second try meets 412 on the row its first try already changed.
 */
async function answerLost(table: TableClient, nth: number): Promise<TableClient> {
  let merges = 0;
  return TableClient.fromConnectionString((await useAzurite()).connectionString, table.tableName, {
    allowInsecureConnection: true,
    retryOptions: { retryDelayInMs: 1 },
    additionalPolicies: [
      {
        position: "perRetry",
        policy: {
          name: "answerLost",
          sendRequest: async (request, next) => {
            const response = await next(request);
            if (request.method === "PATCH" && ++merges === nth)
              throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", name: "RestError" });
            return response;
          },
        },
      },
    ],
  });
}
const at = (iso: string) => () => new Date(iso);

describe("replay ledger: owed targets, leases, ambiguous sends", function () {
  this.timeout(20000);

  it("names targets and the mark step as the workflow does (function-code keeps its own list: it equals TARGETS)", () => {
    assert.deepStrictEqual([...REPLAY_TARGETS], Object.keys(TARGETS));
    assert.strictEqual(MARK_DELIVERED_ACTION, ACTION.markDelivered);
  });

  it("owes Targets minus those with a Sent_ column or listed in DeliveredTargets", () => {
    const cases: Array<[Record<string, unknown>, unknown]> = [
      [
        { Targets: "dataverse,webhook", DeliveredTargets: "webhook" },
        { kind: "send", targets: ["dataverse"] },
      ],
      [
        { Targets: "dataverse,webhook", Sent_webhook: "sent", Sent_dataverse: "" },
        { kind: "send", targets: ["dataverse"] },
      ],
      // The ledger wins over FailedTargets once it exists.
      [
        { Targets: "email", FailedTargets: "dataverse" },
        { kind: "send", targets: ["email"] },
      ],
      [
        { Targets: "", FailedTargets: "" },
        { kind: "repair", reason: "every target in Targets (none) already has the lead" },
      ],
      [
        { FailedTargets: "webhook,email", FailedActions: "Post_webhook,Send_email_notice" },
        { kind: "send", targets: ["webhook", "email"] },
      ],
      [
        { FailedTargets: "", FailedActions: "Mark_delivered,Create_dataverse_lead" },
        {
          kind: "review",
          reason:
            'FailedTargets is empty and FailedActions is "Mark_delivered,Create_dataverse_lead", so which targets ' +
            "still need the lead is unknown: check run r in the run history, then set FailedTargets to the targets " +
            "that still need it and Status back to dead-letter.",
        },
      ],
      [
        { Targets: "dataverse", DeliveredTargets: "Dataverse" },
        {
          kind: "review",
          reason:
            'DeliveredTargets lists "Dataverse", which is not a target (dataverse, salesforce, hubspot, email, webhook, ' +
            "azureTable, teams): correct DeliveredTargets, then set Status back to dead-letter.",
        },
      ],
    ];
    for (const [row, expected] of cases) assert.deepStrictEqual(owedTargets(row, "p/r"), expected, JSON.stringify(row));
  });

  it("a lead whose CRM calls all succeeded but whose mark failed is repaired, not sent again", async () => {
    const table = await freshTable();
    // Before the ledger: the run dead-lettered the row with only the final mark failed.
    await deadLetter(table, "legacy", { FailedTargets: "", FailedActions: "Mark_delivered" });
    // With the ledger: both targets recorded as sent.
    await deadLetter(table, "ledger", {
      Targets: "dataverse,webhook",
      Sent_dataverse: "lead-1",
      DeliveredTargets: "webhook",
    });
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table, send: rec.send, now: at("2025-03-01T10:00:00Z"), ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result, o.detail]),
      [
        [`${PK}/ledger`, "repaired", "every target in Targets (dataverse,webhook) already has the lead: nothing sent"],
        [`${PK}/legacy`, "repaired", "only Mark_delivered failed: every CRM call had succeeded: nothing sent"],
      ],
    );
    assert.deepStrictEqual(rec.perTarget(), {}, "no target gets the lead again");
    for (const key of ["legacy", "ledger"]) {
      const r = await row(table, key);
      assert.strictEqual(r.Status, "delivered");
      assert.strictEqual(r.RepairedTime, "2025-03-01T10:00:00.000Z");
    }
  });

  it("sends only the owed targets, with the targets header always set", async () => {
    const table = await freshTable();
    await deadLetter(table, "a", { Targets: "dataverse,email,webhook", Sent_dataverse: "lead-9", FailedTargets: "" });
    await deadLetter(table, "b", { FailedTargets: "salesforce", FailedActions: "Create_salesforce_lead" });
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table, send: rec.send, ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.targets]),
      [
        ["replayed", ["email", "webhook"]],
        ["replayed", ["salesforce"]],
      ],
    );
    assert.deepStrictEqual(rec.sends, [
      { of: `${PK}/a`, targets: "email,webhook" },
      { of: `${PK}/b`, targets: "salesforce" },
    ]);
    assert.deepStrictEqual(rec.perTarget(), { email: 1, webhook: 1, salesforce: 1 });
    const a = await row(table, "a");
    assert.deepStrictEqual(
      [a.Status, a.ReplayedBy, a.ReplayedTo, a.ReplayAttempts],
      ["replayed", "08584run1", "email,webhook", 1],
    );
  });

  it("never guesses: a row with no failed target and a failed CRM-less step needs review", async () => {
    const table = await freshTable();
    await deadLetter(table, "n", { FailedTargets: "", FailedActions: "Normalize_lead" });
    await deadLetter(table, "t", { Targets: "dataverse,crm" });
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table, send: rec.send, ...FAST });
    const why = {
      n:
        'FailedTargets is empty and FailedActions is "Normalize_lead", so which targets still need the lead is ' +
        "unknown: check run n in the run history, then set FailedTargets to the targets that still need it and " +
        "Status back to dead-letter.",
      t:
        'Targets lists "crm", which is not a target (dataverse, salesforce, hubspot, email, webhook, azureTable, teams): ' +
        "correct Targets, then set Status back to dead-letter.",
    };
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.detail]),
      [
        ["needs-review", why.n],
        ["needs-review", why.t],
      ],
    );
    assert.strictEqual(rec.sends.length, 0);
    assert.deepStrictEqual(
      [(await row(table, "n")).Status, (await row(table, "n")).ReviewReason],
      ["needs-review", why.n],
    );
    assert.deepStrictEqual(await replayDeadLetters({ table, send: rec.send }), [], "not picked up again");
  });

  it("a truncated lead still owed is held for review (the run history has it, for 90 days), not skipped for good", async () => {
    const table = await freshTable();
    await deadLetter(table, "cut", { Targets: "webhook", FailedTargets: "webhook", LeadJsonTruncated: true });
    await deadLetter(table, "cutOwesNothing", { Targets: "webhook", Sent_webhook: "sent", LeadJsonTruncated: true });
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table, send: rec.send, ...FAST });
    const why =
      "LeadJson holds only the lead's first 30,000 characters, so replay cannot send it: copy the trigger's body " +
      "from run cut in the run history (kept 90 days by default), deliver it to webhook by hand (not by " +
      "resubmitting the run: that is a new lead to the workflow), then set Status to delivered.";
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result, o.detail]),
      [
        [`${PK}/cut`, "needs-review", why],
        [`${PK}/cutOwesNothing`, "repaired", "every target in Targets (webhook) already has the lead: nothing sent"],
      ],
    );
    assert.deepStrictEqual(
      [(await row(table, "cut")).Status, (await row(table, "cut")).ReviewReason, rec.sends.length],
      ["needs-review", why, 0],
    );
    assert.strictEqual(replayExitCode(outcomes), 1, "the command and the timer say so");
  });

  it("a run status that cannot be read fails that row alone: the other dead letters are replayed", async () => {
    const table = await freshTable();
    await deadLetter(table, "asked", { Status: "received", Targets: "webhook" });
    await deadLetter(table, "dead", { Targets: "webhook", FailedTargets: "webhook" });
    const rec = recorder(table);
    const runEnded = () => {
      throw new Error("403 AuthorizationFailed on Microsoft.Logic/workflows/runs/read");
    };
    const outcomes = await replayDeadLetters({ table, send: rec.send, runEnded, ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result, o.detail]),
      [
        [
          `${PK}/asked`,
          "failed",
          "whether its run has ended could not be read: 403 AuthorizationFailed on Microsoft.Logic/workflows/runs/read",
        ],
        [`${PK}/dead`, "replayed", "new run 08584run1"],
      ],
    );
    assert.strictEqual((await row(table, "asked")).Status, "received", "left as it was");
  });

  it("a row left received by a run that ended: repaired when every target has it, else needs review; never sent", async () => {
    const table = await freshTable();
    const received = (rowKey: string, columns: Record<string, unknown>) =>
      deadLetter(table, rowKey, { Status: "received", ...columns });
    await received("allsent", { Targets: "dataverse,webhook", Sent_dataverse: "lead-1", Sent_webhook: "sent" });
    await received("cut", { Targets: "dataverse,webhook,email", Sent_dataverse: "lead-2" });
    await received("noledger", {});
    await received("running", { Targets: "webhook" });
    const rec = recorder(table);
    const alone = await replayDeadLetters({ table, send: rec.send, ...FAST });
    assert.deepStrictEqual(alone, [], "without runEnded, received rows are left alone");
    const asked: string[] = [];
    const runEnded = (r: { rowKey?: string }) => (asked.push(String(r.rowKey)), r.rowKey !== "running");
    const outcomes = await replayDeadLetters({ table, send: rec.send, runEnded, now: at("2025-03-01T10:00:00Z") });
    const review = (targets: string, run: string) =>
      `Status is still received but run ${run} has ended: ${targets} may or may not have the lead (a call can be ` +
      "cut before its Sent_<target> is written). Check those CRMs; set Sent_<target> for any that has it, then set " +
      "Status to dead-letter: replay sends only to the targets without it.";
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result, o.detail]),
      [
        [
          `${PK}/allsent`,
          "repaired",
          "every target in Targets (dataverse,webhook) already has the lead; its run ended before the final mark: " +
            "nothing sent",
        ],
        [`${PK}/cut`, "needs-review", review("webhook,email", "cut")],
        [`${PK}/noledger`, "needs-review", review("every target of the run", "noledger")],
      ],
    );
    assert.deepStrictEqual(asked.sort(), ["allsent", "cut", "noledger", "running"]);
    assert.deepStrictEqual(rec.perTarget(), {}, "nothing sent");
    assert.deepStrictEqual(
      await Promise.all(["allsent", "cut", "noledger", "running"].map(async (k) => (await row(table, k)).Status)),
      ["delivered", "needs-review", "needs-review", "received"],
    );
    assert.strictEqual((await row(table, "cut")).ReviewReason, review("webhook,email", "cut"));
    assert.deepStrictEqual(await replayDeadLetters({ table, send: rec.send, runEnded }), [], "each settled once");
  });

  it("a write-back that keeps failing leaves the row leased; once the lease ends it is recovered, sent once", async () => {
    const table = await freshTable();
    await deadLetter(table, "w", { FailedTargets: "webhook" });
    await deadLetter(table, "z", { FailedTargets: "dataverse" });
    const faulty = failingWriteBack(table, "w", 3);
    const rec = recorder(table);
    const first = await replayDeadLetters({ table: faulty, send: rec.send, now: at("2025-03-01T10:00:00Z"), ...FAST });
    assert.deepStrictEqual(
      first.map((o) => [o.row, o.result, o.detail]),
      [
        [
          `${PK}/w`,
          "failed",
          "new run 08584run1, but the row could not be updated (connect ECONNRESET (storage blip)): it stays " +
            "replaying until its lease ends at 2025-03-01T10:10:00.000Z, then a later pass takes it over.",
        ],
        [`${PK}/z`, "replayed", "new run 08584run2"],
      ],
      "the other row is replayed in the same pass",
    );
    assert.strictEqual(faulty.failures, 3, "the write-back was tried 3 times");
    assert.strictEqual((await row(table, "w")).Status, "replaying");

    const during = await replayDeadLetters({ table, send: rec.send, now: at("2025-03-01T10:09:59Z"), ...FAST });
    assert.deepStrictEqual(during, [], "the lease still holds the row");

    const after = await replayDeadLetters({ table, send: rec.send, now: at("2025-03-01T10:10:01Z"), ...FAST });
    assert.deepStrictEqual(
      after.map((o) => [o.result, o.detail]),
      [["replayed", `not sent again: an earlier replay of ${PK}/w was accepted as run 08584run1`]],
    );
    assert.deepStrictEqual(rec.perTarget(), { webhook: 1, dataverse: 1 }, "each lead delivered once");
    const w = await row(table, "w");
    assert.deepStrictEqual(
      [w.Status, w.ReplayedBy, w.ReplayedTo, w.ReplayAttempts],
      ["replayed", "08584run1", "webhook", 2],
    );
  });

  it("a send that got no answer and was not archived is sent again exactly once after the lease", async () => {
    const table = await freshTable();
    await deadLetter(table, "v", { FailedTargets: "email" });
    const faulty = failingWriteBack(table, "v", 3);
    const rec = recorder(table, (_of, n) => (n === 1 ? "throw" : undefined));
    const first = await replayDeadLetters({ table: faulty, send: rec.send, now: at("2025-03-01T10:00:00Z"), ...FAST });
    assert.match(first[0].detail, /^no answer: fetch failed; and the row could not be updated/);
    const after = await replayDeadLetters({ table, send: rec.send, now: at("2025-03-01T10:11:00Z"), ...FAST });
    assert.deepStrictEqual(
      after.map((o) => o.result),
      ["replayed"],
    );
    assert.strictEqual(rec.sends.length, 2, "the lost send and one more");
    assert.strictEqual((await table.getEntity("2025-02", "08584run2")).ReplayOf, `${PK}/v`, "one archived replay");
  });

  it("one row whose send throws does not stop the others", async () => {
    const table = await freshTable();
    for (const k of ["r1", "r2", "r3"]) await deadLetter(table, k, { FailedTargets: "webhook" });
    const faulty = failingWriteBack(table, "r2", 1);
    const rec = recorder(table, (of) => (of.endsWith("/r2") ? "throw" : undefined));
    const outcomes = await replayDeadLetters({ table: faulty, send: rec.send, ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result, o.detail]),
      [
        [`${PK}/r1`, "replayed", "new run 08584run1"],
        [`${PK}/r2`, "failed", "no answer: fetch failed"],
        [`${PK}/r3`, "replayed", "new run 08584run3"],
      ],
    );
    const r2 = await row(table, "r2");
    assert.deepStrictEqual([r2.Status, r2.LastReplayAmbiguous], ["dead-letter", true]);
  });

  it("a row whose claim throws, or whose LeadJson is broken, fails alone", async () => {
    const table = await freshTable();
    for (const k of ["c1", "c2", "c3"]) await deadLetter(table, k, { FailedTargets: "webhook" });
    await table.updateEntity({ partitionKey: PK, rowKey: "c3", LeadJson: "{not json" }, "Merge");
    const faulty: ArchiveTable = {
      listEntities: table.listEntities.bind(table),
      getEntity: table.getEntity.bind(table),
      updateEntity: (async (entity: Record<string, unknown>, mode: "Merge", options: unknown) => {
        if (entity.rowKey === "c1" && entity.Status === "replaying") {
          throw Object.assign(new Error("Server Busy"), { statusCode: 503 });
        }
        return table.updateEntity(entity as never, mode, options as never);
      }) as TableClient["updateEntity"],
    };
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table: faulty, send: rec.send, ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result]),
      [
        [`${PK}/c1`, "failed"],
        [`${PK}/c2`, "replayed"],
        [`${PK}/c3`, "failed"],
      ],
    );
    assert.strictEqual(outcomes[0].detail, "Server Busy");
    assert.match(
      outcomes[2].detail,
      /^2025-01\/c3: LeadJson is not JSON \(.+\), so replay cannot send it: copy the trigger's body from run c3 in the run history \(kept 90 days by default\), deliver it to webhook by hand \(not by resubmitting the run: that is a new lead to the workflow\), then set Status to delivered\.$/,
    );
    assert.deepStrictEqual(rec.sends, [{ of: `${PK}/c2`, targets: "webhook" }]);
    assert.strictEqual((await row(table, "c3")).Status, "dead-letter", "a broken row is not claimed");
  });

  for (const [nth, what] of [
    [1, "claim"],
    [2, "write-back"],
  ] as const)
    it(`a ${what} whose answer was lost, re-sent by the SDK (412 on its own write), is known by its token`, async () => {
      const table = await freshTable();
      await deadLetter(table, "lost", { Targets: "webhook", FailedTargets: "webhook" });
      const rec = recorder(table);
      const outcomes = await replayDeadLetters({ table: await answerLost(table, nth), send: rec.send, ...FAST });
      assert.deepStrictEqual(
        outcomes.map((o) => [o.result, o.detail]),
        [["replayed", "new run 08584run1"]],
      );
      assert.deepStrictEqual(rec.perTarget(), { webhook: 1 });
      const settled = await row(table, "lost");
      assert.deepStrictEqual([settled.Status, settled.ReplayedBy], ["replayed", "08584run1"]);
    });

  it("a timed-out send whose run did archive is not sent again", async () => {
    const table = await freshTable();
    await deadLetter(table, "t", { FailedTargets: "dataverse" });
    const rec = recorder(table, (_of, n) => (n === 1 ? "archive-then-throw" : undefined));
    const first = await replayDeadLetters({ table, send: rec.send, ...FAST });
    assert.deepStrictEqual(
      first.map((o) => [o.result, o.detail]),
      [["failed", "no answer: The operation was aborted due to timeout"]],
    );
    assert.deepStrictEqual(
      [(await row(table, "t")).Status, (await row(table, "t")).LastReplayAmbiguous],
      ["dead-letter", true],
    );

    const second = await replayDeadLetters({ table, send: rec.send, ...FAST });
    assert.deepStrictEqual(
      second.map((o) => [o.result, o.detail]),
      [["replayed", `not sent again: an earlier replay of ${PK}/t was accepted as run 08584run1`]],
    );
    assert.deepStrictEqual(rec.perTarget(), { dataverse: 1 });
    assert.deepStrictEqual(
      [(await row(table, "t")).Status, (await row(table, "t")).ReplayedBy],
      ["replayed", "08584run1"],
    );
  });

  it("finds the earlier replay behind an empty first page with a continuation token", async () => {
    const table = await freshTable();
    await deadLetter(table, "p", { FailedTargets: "email", LastReplayAmbiguous: true });
    await table.createEntity({
      partitionKey: "2025-02",
      rowKey: "08584earlier",
      Status: "delivered",
      ReplayOf: `${PK}/p`,
    });
    // Table storage may answer a cross-partition query with 0 rows and a continuation token.
    const paged: ArchiveTable = {
      getEntity: table.getEntity.bind(table),
      updateEntity: table.updateEntity.bind(table),
      listEntities: ((options?: { queryOptions?: { filter?: string } }) => {
        const inner = table.listEntities(options);
        const byPage = inner.byPage.bind(inner);
        if (!options?.queryOptions?.filter?.startsWith("ReplayOf")) return inner;
        const pages = async function* () {
          yield Object.assign([], { continuationToken: "next" });
          for await (const page of byPage()) yield page;
        };
        return Object.assign(inner, { byPage: pages });
      }) as TableClient["listEntities"],
    };
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table: paged, send: rec.send, ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => o.detail),
      [`not sent again: an earlier replay of ${PK}/p was accepted as run 08584earlier`],
    );
    assert.strictEqual(rec.sends.length, 0);
  });

  it("two replays that read the same ETag: exactly one claims and sends (forced race)", async () => {
    const table = await freshTable();
    await deadLetter(table, "race", { FailedTargets: "dataverse" });
    await deadLetter(table, "fix", { FailedTargets: "", FailedActions: "Mark_delivered" });
    // For each row, both passes have read it and wait for each other before either claims it.
    const arrived = new Map<string, number>();
    const barriers = new Map<string, { promise: Promise<void>; release: () => void }>();
    const beforeClaim = async (key: string) => {
      if (!barriers.has(key)) {
        let release!: () => void;
        barriers.set(key, { promise: new Promise<void>((r) => (release = r)), release });
      }
      arrived.set(key, (arrived.get(key) ?? 0) + 1);
      if (arrived.get(key) === 2) barriers.get(key)!.release();
      await barriers.get(key)!.promise;
    };
    const rec = recorder(table);
    const [a, b] = await Promise.all([
      replayDeadLetters({ table, send: rec.send, beforeClaim, ...FAST }),
      replayDeadLetters({ table, send: rec.send, beforeClaim, ...FAST }),
    ]);
    assert.deepStrictEqual(
      Object.fromEntries(arrived),
      { [`${PK}/fix`]: 2, [`${PK}/race`]: 2 },
      "both passes read each row before either claimed it",
    );
    const all = [...a, ...b].map((o) => `${o.row} ${o.result} ${o.detail}`).sort();
    assert.deepStrictEqual(all, [
      `${PK}/fix repaired only Mark_delivered failed: every CRM call had succeeded: nothing sent`,
      `${PK}/fix skipped claimed by another replay`,
      `${PK}/race replayed new run 08584run1`,
      `${PK}/race skipped claimed by another replay`,
    ]);
    assert.deepStrictEqual(rec.perTarget(), { dataverse: 1 });
  });

  it("a dry run lists what it would send to which targets, and sends and changes nothing", async () => {
    const table = await freshTable();
    await deadLetter(table, "d1", { Targets: "dataverse,webhook", Sent_webhook: "sent" });
    await deadLetter(table, "d2", { FailedTargets: "", FailedActions: "Mark_delivered" });
    const before = await row(table, "d1");
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({ table, send: rec.send, dryRun: true });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.detail]),
      [
        ["skipped", "dry run: would re-send to dataverse"],
        [
          "skipped",
          "dry run: would mark delivered without sending (only Mark_delivered failed: every CRM call had succeeded)",
        ],
      ],
    );
    assert.strictEqual(rec.sends.length, 0);
    assert.strictEqual((await row(table, "d1")).etag, before.etag, "row unchanged");
    assert.strictEqual((await row(table, "d2")).Status, "dead-letter");
  });

  it("a claim left by a replayer without a lease (older version) is taken over once a lease has passed", async () => {
    const table = await freshTable();
    await deadLetter(table, "old", {
      Status: "replaying",
      LastReplayTime: "2025-03-01T09:00:00.000Z",
      FailedTargets: "email",
      ReplayAttempts: 1,
    });
    const rec = recorder(table);
    assert.deepStrictEqual(await replayDeadLetters({ table, send: rec.send, now: at("2025-03-01T09:05:00Z") }), []);
    const outcomes = await replayDeadLetters({ table, send: rec.send, now: at("2025-03-01T09:30:00Z"), ...FAST });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.targets]),
      [["replayed", ["email"]]],
    );
    assert.deepStrictEqual(rec.perTarget(), { email: 1 });
  });

  it("the limit counts rows due only: a live lease or a run still going leaves no deferred row, nor do exactly the limit", async () => {
    const table = await freshTable();
    // Keys sort the rows not due last: a limit counted before the lease and run checks would stop on them.
    await deadLetter(table, "c", { FailedTargets: "email" });
    await deadLetter(table, "d", { FailedTargets: "webhook" });
    await deadLetter(table, "y-leased", {
      Status: "replaying",
      LeaseUntil: new Date("2025-03-01T10:05:00Z"),
      FailedTargets: "email",
    });
    await deadLetter(table, "z-running", { Status: "received", Targets: "email" });
    const rec = recorder(table);
    const outcomes = await replayDeadLetters({
      table,
      send: rec.send,
      now: at("2025-03-01T10:00:00Z"),
      runEnded: async () => false,
      limit: 2,
      ...FAST,
    });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result]),
      [
        [`${PK}/c`, "replayed"],
        [`${PK}/d`, "replayed"],
      ],
    );
    assert.strictEqual(replayExitCode(outcomes, false), 0);
  });

  it("a dry run past the limit says the listing stops there, and is no failure", async () => {
    const table = await freshTable();
    for (const key of ["a", "b", "c"]) await deadLetter(table, key, { FailedTargets: "email" });
    const outcomes = await replayDeadLetters({ table, send: recorder(table).send, dryRun: true, limit: 2 });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.row, o.result, o.detail]),
      [
        [`${PK}/a`, "skipped", "dry run: would re-send to email"],
        [`${PK}/b`, "skipped", "dry run: would re-send to email"],
        [
          `${PK}/c`,
          "deferred",
          "not listed: a pass takes at most 2 rows; this row and any due after it are not listed (a replay takes " +
            "them in a later pass)",
        ],
      ],
    );
    assert.strictEqual(replayExitCode(outcomes, false, true), 0, "a dry run lists; it fails for no row");
  });

  describe("npm run replay: waiting for the replays' runs and the exit code", () => {
    it("awaits a run still `received` until it settles, and exits 0 when it is delivered", async () => {
      const table = await freshTable();
      await deadLetter(table, "q", { FailedTargets: "webhook" });
      const rec = recorder(table);
      const outcomes = await replayDeadLetters({ table, send: rec.send, ...FAST });
      // The workflow answered once archived; it delivers a moment later.
      setTimeout(
        () => void table.updateEntity({ partitionKey: "2025-02", rowKey: "08584run1", Status: "delivered" }),
        150,
      );
      const said: string[] = [];
      const settled = await awaitReplayRuns(table, outcomes, {
        waitMs: 5000,
        pollMs: 50,
        progress: (line) => said.push(line),
      });
      assert.deepStrictEqual(
        settled.map((o) => [o.result, o.newRun, o.newStatus]),
        [["replayed", "08584run1", "delivered"]],
      );
      assert.strictEqual(replayExitCode(settled), 0);
      // It says why it pauses, once (it sat silent up to --wait seconds).
      assert.deepStrictEqual(said, ["Waiting up to 5 s for 1 replayed run to end (--wait)."]);
    });

    it("reads each replay's run by the keys its answer named, not by a query of every partition (kept for an answer without them)", async () => {
      const table = await freshTable();
      await deadLetter(table, "q", { FailedTargets: "webhook" });
      const outcomes = await replayDeadLetters({ table, send: recorder(table).send, ...FAST });
      assert.deepStrictEqual(
        outcomes.map((o) => [o.newRun, o.newRow]),
        [["08584run1", "2025-02/08584run1"]],
      );
      await table.updateEntity({ partitionKey: "2025-02", rowKey: "08584run1", Status: "delivered" });
      const reads: string[] = [];
      const counted: ArchiveTable = {
        listEntities: (...args) => (reads.push("query"), table.listEntities(...args)),
        getEntity: (...args) => (reads.push(`get ${args[0]}/${args[1]}`), table.getEntity(...args)),
        updateEntity: (...args) => table.updateEntity(...args),
      };
      const settled = await awaitReplayRuns(counted, outcomes, { waitMs: 5000, pollMs: 50 });
      assert.deepStrictEqual(
        settled.map((o) => o.newStatus),
        ["delivered"],
      );
      assert.deepStrictEqual(reads, ["get 2025-02/08584run1"]);
      // An endpoint deployed before its answer named the row: the rows naming the replayed one are queried.
      const before = outcomes.map(({ newRow: _, ...o }) => o);
      reads.length = 0;
      const found = await awaitReplayRuns(counted, before, { waitMs: 5000, pollMs: 50 });
      assert.deepStrictEqual([found.map((o) => o.newStatus), reads], [["delivered"], ["query"]]);
    });

    it("exits 1 for a failed row, one that needs review or one left for the next pass, 0 for repaired and skipped", () => {
      const o = (result: ReplayOutcome["result"]) => ({
        row: "p/r",
        result,
        detail: "",
      });
      assert.strictEqual(replayExitCode([o("replayed"), o("repaired"), o("skipped")]), 0);
      assert.strictEqual(replayExitCode([o("repaired"), o("failed")]), 1);
      assert.strictEqual(replayExitCode([o("needs-review")]), 1);
      assert.strictEqual(replayExitCode([o("replayed"), o("deferred")], false), 1, "a due row was not taken");
      assert.strictEqual(replayExitCode([{ ...o("replayed"), newRun: "x", newStatus: "dead-letter" }]), 1);
      // A re-sent lead whose run had not ended within --wait: not known to be delivered.
      assert.strictEqual(replayExitCode([{ ...o("replayed"), newRun: "x" }]), 1);
      assert.strictEqual(replayExitCode([{ ...o("replayed"), newRun: "x" }], false), 0, "--wait 0: not awaited");
      assert.strictEqual(replayExitCode([{ ...o("replayed"), newRun: "x", newStatus: "delivered" }]), 0);
      // The counts `replay --json` prints (and the summary line is made of).
      assert.deepStrictEqual(
        replayCounts([
          { ...o("replayed"), newRun: "x", newStatus: "dead-letter" },
          { ...o("replayed"), newRun: "y", newStatus: "delivered" },
          o("repaired"),
          { ...o("replayed"), newRun: "z" },
          o("needs-review"),
          o("needs-review"),
          o("deferred"),
        ]),
        {
          ...{ replayed: 3, repaired: 1, "needs-review": 2, failed: 0, skipped: 0, deferred: 1 },
          ...{ deadLetteredAgain: 1, stillRunning: 1 },
        },
      );
      // The summary line: a pass names the first row it left, more may follow it.
      assert.strictEqual(
        replaySummary([o("replayed"), { ...o("replayed"), newRun: "z" }, o("deferred")]),
        "2 replayed, 0 repaired, 0 needs-review, 0 failed, 0 skipped, 1+ deferred; 0 dead-lettered again; " +
          "1 still running (raise --wait, or look again later)",
      );
    });

    it("refuses a --wait that is not whole seconds, naming the value", () => {
      assert.strictEqual(waitOption([]), 120_000);
      assert.strictEqual(waitOption(["--wait", "5"]), 5000);
      assert.throws(() => waitOption(["--wait", "2m"]), {
        message: '--wait is "2m": give whole seconds from 0 to 3600 (e.g. --wait 120).',
      });
    });
  });
});
