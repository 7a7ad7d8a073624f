/**
 * Exactly once, measured: leads POSTed over HTTP to the running local endpoint (Azurite tables, CRM
 * stand-ins), with faults at the CRM and at storage, duplicates sent at the same moment, and replays.
 * Every test ends with counts: accepted = archived, each target's deliveries = distinct leads owed to it.
 */
import * as assert from "assert";
import { TableRest } from "../../local/connectors/tableRest";
import { LocalEndpoint } from "../../local/endpoint";
import { LocalServer, startLocalServer } from "../../local/server";
import { replayDeadLetters, Sender } from "../../function-code/src/replay/replayDeadLetters";
import { purgeExpired } from "../../function-code/src/retention/purge";
import { stackFromSettings } from "../../program/stacks";
import { useAzurite } from "../support/azurite";

const ARCHIVE = "LeadArchiveOnce";
const DEDUP = "LeadDedupOnce";
const STACK = stackFromSettings("once", {
  targets: "dataverse,webhook",
  dataverseUrl: "https://contoso.crm4.dynamics.com",
  dataverseTenantId: "11111111-2222-3333-4444-555555555555",
  dataverseClientId: "66666666-7777-8888-9999-000000000000",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: ARCHIVE,
  dedupTableName: DEDUP,
  crmRetryCount: "2",
});
const DAY = 24 * 3600 * 1000;

type Row = Record<string, any>;

/**
 * Inserts up to 100 entities of one partition as one entity group transaction ($batch), written as the Table
 * service's REST API defines it: the SDK's submitTransaction took 4 times the CPU (13 ms a batch against 3 ms).
 */
async function insertBatch(connectionString: string, table: string, entities: Row[]): Promise<void> {
  const rest = new TableRest(connectionString);
  const insert = (entity: Row) =>
    [
      "--changeset_fill",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "",
      `POST ${rest.account.endpoint}${table} HTTP/1.1`,
      "Content-Type: application/json",
      "Accept: application/json;odata=nometadata",
      "Prefer: return-no-content",
      "DataServiceVersion: 3.0",
      "",
      JSON.stringify(entity),
    ].join("\r\n");
  const body = [
    "--batch_fill",
    "Content-Type: multipart/mixed; boundary=changeset_fill",
    "",
    ...entities.map(insert),
    "--changeset_fill--",
    "--batch_fill--",
    "",
  ].join("\r\n");
  const answer = await rest.send(
    "POST",
    "$batch",
    { "Content-Type": "multipart/mixed; boundary=batch_fill", "x-ms-version": "2019-02-02", DataServiceVersion: "3.0" },
    body,
  );
  // The batch answers 202 even when an insert in it failed: that one's own status line says so.
  const failed = /^HTTP\/1\.1 [45]\d\d.*$/m.exec(String(answer.body));
  assert.ok(answer.statusCode === 202 && !failed, `$batch: ${answer.statusCode} ${failed?.[0] ?? ""}`);
}

describe("exactly once (local endpoint over HTTP, Azurite, faults)", function () {
  this.timeout(120000);
  let endpoint: LocalEndpoint;
  let server: LocalServer;
  let clock: Date;

  beforeEach(async () => {
    const azurite = await useAzurite();
    clock = new Date("2026-11-24T10:00:00.000Z");
    endpoint = new LocalEndpoint({
      stack: STACK,
      tablesConnectionString: azurite.connectionString,
      retryScale: 0,
      keepRuns: 1000,
      now: () => clock,
    });
    for (const table of [ARCHIVE, DEDUP])
      await endpoint.tables
        .table(table)
        .deleteTable()
        .catch(() => undefined);
    await endpoint.prepare();
    server = await startLocalServer({ endpoint, key: "k", triggerName: "manual" });
  });
  afterEach(() => server.close());

  /** POSTs a lead like Partner Center and waits for its run to finish. */
  async function post(lead: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(server.callbackUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(lead),
    });
    const body = (await res.json()) as any;
    if (body.runId) await finished(body.runId);
    return { status: res.status, body };
  }

  async function finished(runId: string): Promise<void> {
    const deadline = Date.now() + 30000;
    while (endpoint.run(runId)?.status === "Running" || !endpoint.run(runId)) {
      if (Date.now() > deadline) throw new Error(`run ${runId} did not finish`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  const send: Sender = async (lead, headers) => post(lead, headers);

  async function rows(): Promise<Row[]> {
    const out: Row[] = [];
    for await (const r of endpoint.tables.table(ARCHIVE).listEntities()) out.push(r);
    return out;
  }

  /** Successful deliveries per target and e-mail (requests minus the ones a fault answered). */
  function deliveries(failed: { dataverse?: number; webhook?: number } = {}): Record<string, Record<string, number>> {
    const count = (list: Array<{ body: any }>, email: (b: any) => string) => {
      const out: Record<string, number> = {};
      for (const r of list) out[email(r.body)] = (out[email(r.body)] ?? 0) + 1;
      return out;
    };
    const dv = count(endpoint.standins.to("commondataservice"), (b) => b.emailaddress1);
    const hook = count(endpoint.standins.to("webhook"), (b) => b.lead.Email);
    const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    assert.ok(total(dv) >= (failed.dataverse ?? 0) && total(hook) >= (failed.webhook ?? 0));
    return { dataverse: dv, webhook: hook };
  }

  const statusCounts = (list: Row[]) =>
    list.reduce<Record<string, number>>((m, r) => ({ ...m, [r.Status]: (m[r.Status] ?? 0) + 1 }), {});

  it("every CRM succeeds but the mark fails: dead-lettered with the ledger, replay repairs it and sends nothing", async () => {
    endpoint.tables.fail("Mark_delivered");
    const emails = ["m1@contoso.com", "m2@contoso.com", "m3@contoso.com"];
    const answers = await Promise.all(emails.map((e) => post({ UserDetails: { Email: e, LastName: "M" } })));
    assert.deepStrictEqual(
      answers.map((a) => a.status),
      [200, 200, 200],
    );
    const dead = await rows();
    assert.deepStrictEqual(
      dead.map((r) => [r.Status, r.FailedTargets, r.DeliveredTargets, r.Sent_webhook]),
      emails.map(() => ["dead-letter", "", "dataverse,webhook", "sent"]),
    );
    const outcomes = await replayDeadLetters({ table: endpoint.tables.table(ARCHIVE), send });
    assert.deepStrictEqual(
      outcomes.map((o) => o.result),
      ["repaired", "repaired", "repaired"],
    );
    const byTarget = deliveries();
    const once = Object.fromEntries(emails.map((e) => [e, 1]));
    console.log(
      `      mark failed: accepted 3, archived ${dead.length}, dataverse ${JSON.stringify(byTarget.dataverse)}`,
    );
    assert.deepStrictEqual(byTarget, { dataverse: once, webhook: once }, "0 duplicates: replay sent nothing");
    assert.deepStrictEqual(statusCounts(await rows()), { delivered: 3 });
  });

  it("a CRM fails and so does the dead-letter mark: the run fails, the row keeps its ledger, replay waits for the operator", async () => {
    endpoint.standins.fail("webhook");
    endpoint.tables.fail("Mark_dead_letter");
    const answer = await post({ UserDetails: { Email: "cut@contoso.com", LastName: "C" } });
    assert.strictEqual(answer.status, 200);
    // Fail_run runs after a failed mark too: the run fails, which is what the RunsFailed alert counts.
    const run = endpoint.run(answer.body.runId)!;
    assert.deepStrictEqual(
      [run.status, run.actions.Mark_dead_letter.status, run.actions.Fail_run.status],
      ["Failed", "Failed", "Succeeded"],
    );
    const [row] = await rows();
    assert.deepStrictEqual([row.Status, row.Targets, row.Sent_webhook], ["received", "dataverse,webhook", undefined]);
    assert.match(row.Sent_dataverse, /^[0-9a-f]{8}-[0-9a-f-]{27}$/, "Dataverse's record id: delivered");
    const table = endpoint.tables.table(ARCHIVE);
    assert.deepStrictEqual(await replayDeadLetters({ table, send }), [], "a received row is never replayed on its own");
    // The endpoint knows the run has ended (the run page's replay, `npm run replay -- --local`): flagged, not sent.
    clock = new Date(clock.getTime() + 1000);
    const flagged = await endpoint.replay(row.rowKey);
    const why =
      `Status is still received but run ${row.rowKey} has ended: webhook may or may not have the lead (a call ` +
      "can be cut before its Sent_<target> is written). Check those CRMs; set Sent_<target> for any that has it, " +
      "then set Status to dead-letter: replay sends only to the targets without it.";
    assert.deepStrictEqual(
      flagged.map((o) => [o.result, o.detail]),
      [["needs-review", why]],
    );
    assert.deepStrictEqual([(await rows())[0].Status, (await rows())[0].ReviewReason], ["needs-review", why]);
    assert.strictEqual(endpoint.standins.to("webhook").length, 3, "nothing sent by the flagging");
    // The operator's hand-over (README, Operations): Status dead-letter; replay owes only what has no Sent_ column.
    endpoint.standins.up("webhook");
    await table.updateEntity({ partitionKey: row.partitionKey, rowKey: row.rowKey, Status: "dead-letter" }, "Merge");
    const outcomes = await replayDeadLetters({ table, send });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.targets]),
      [["replayed", ["webhook"]]],
    );
    const attempts = endpoint.standins.to("webhook").length;
    assert.strictEqual(attempts, 4, "3 webhook attempts refused (1 + crmRetryCount 2), then the replay's one");
    assert.deepStrictEqual(deliveries().dataverse, { "cut@contoso.com": 1 }, "Dataverse not again");
    assert.deepStrictEqual(statusCounts(await rows()), { replayed: 1, delivered: 1 });
  });

  it("a run still delivering keeps its received row: replay neither flags nor sends it, the run delivers once", async () => {
    endpoint.standins.delay("webhook", 1500);
    const res = await fetch(server.callbackUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ UserDetails: { Email: "slow@contoso.com" } }),
    });
    const { runId } = (await res.json()) as { runId: string };
    clock = new Date(clock.getTime() + 1000);
    assert.deepStrictEqual(await endpoint.replay(runId), [], "its run is in progress");
    assert.deepStrictEqual(statusCounts(await rows()), { received: 1 });
    await finished(runId);
    assert.deepStrictEqual(statusCounts(await rows()), { delivered: 1 });
    assert.deepStrictEqual(deliveries(), {
      dataverse: { "slow@contoso.com": 1 },
      webhook: { "slow@contoso.com": 1 },
    });
  });

  it("a CRM call that times out on every try is dead-lettered as timed out and replayed to that target only", async () => {
    // This test's endpoint times calls out after 400 ms (Azure: 120 s); the webhook would answer after 3 s.
    await server.close();
    const { connectionString } = await useAzurite();
    endpoint = new LocalEndpoint({
      stack: STACK,
      tablesConnectionString: connectionString,
      retryScale: 0,
      actionTimeoutMs: 400,
      now: () => clock,
    });
    server = await startLocalServer({ endpoint, key: "k", triggerName: "manual" });
    endpoint.standins.delay("webhook", 3000);
    const answer = await post({ UserDetails: { Email: "late@contoso.com" } });
    assert.strictEqual(answer.status, 200);
    const run = endpoint.run(answer.body.runId)!;
    const postWebhook = run.actions.Post_webhook;
    assert.deepStrictEqual(
      [run.status, postWebhook.status, postWebhook.retryHistory?.length, run.actions.Mark_dead_letter.status],
      ["Failed", "TimedOut", 2, "Succeeded"],
    );
    const [row] = await rows();
    assert.deepStrictEqual(
      [row.Status, row.FailedTargets, row.DeliveredTargets],
      ["dead-letter", "webhook", "dataverse"],
    );
    endpoint.standins.delay("webhook", 0);
    const outcomes = await replayDeadLetters({ table: endpoint.tables.table(ARCHIVE), send });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.targets]),
      [["replayed", ["webhook"]]],
    );
    // The timed-out tries never reached the stand-in (it records a request when it answers); the replay's did.
    const once = { "late@contoso.com": 1 };
    assert.deepStrictEqual(deliveries(), { dataverse: once, webhook: once });
  });

  it("the same lead sent twice and five times at the same moment reaches each CRM once", async () => {
    const twice = { UserDetails: { Email: "twice@contoso.com" }, OfferTitle: "Offer", ActionCode: "INS" };
    const five = { UserDetails: { Email: "five@contoso.com" }, OfferTitle: "Offer", ActionCode: "INS" };
    const answers = await Promise.all([...Array(2).fill(twice), ...Array(5).fill(five)].map((lead) => post(lead)));
    assert.deepStrictEqual([...new Set(answers.map((a) => a.status))], [200]);
    const archived = await rows();
    console.log(`      duplicates at once: accepted ${answers.length}, archived ${archived.length}`);
    assert.strictEqual(archived.length, 7, "every copy is archived");
    assert.deepStrictEqual(statusCounts(archived), { delivered: 2, duplicate: 5 });
    const one = { "twice@contoso.com": 1, "five@contoso.com": 1 };
    assert.deepStrictEqual(deliveries(), { dataverse: one, webhook: one });
    const delivered = archived.filter((r) => r.Status === "delivered").map((r) => `${r.partitionKey}/${r.rowKey}`);
    for (const dup of archived.filter((r) => r.Status === "duplicate")) assert.ok(delivered.includes(dup.DuplicateOf));
  });

  it("the dedup window: the same person and offer is a duplicate within 30 days, a new lead after", async () => {
    const lead = { UserDetails: { Email: "again@contoso.com" }, LeadSource: "AzureMarketplace-INS|contoso.offer" };
    await post(lead);
    clock = new Date(clock.getTime() + 29 * DAY);
    await post({ ...lead, UserDetails: { Email: " Again@Contoso.com " } });
    clock = new Date(clock.getTime() + 2 * DAY);
    await post(lead);
    const archived = (await rows()).sort((a, b) => String(a.ReceivedTime).localeCompare(String(b.ReceivedTime)));
    assert.deepStrictEqual(
      archived.map((r) => r.Status),
      ["delivered", "duplicate", "delivered"],
    );
    assert.deepStrictEqual(deliveries().dataverse, { "again@contoso.com": 2 });
  });

  it("the dedup window runs from the lead's arrival: a copy dead-lettered before its dedup resolved stays a duplicate when replayed after the window (its claim kept by the purge)", async () => {
    const source = "AzureMarketplace-INS|contoso.offer";
    const copy = { UserDetails: { Email: "late@contoso.com", LastName: "L" }, LeadSource: source };
    const first = { UserDetails: { Email: "first@contoso.com", LastName: "F" }, LeadSource: source };
    await post(copy); // day 0: delivered, claimed
    clock = new Date(clock.getTime() + DAY);
    endpoint.tables.fail("Read_dedup_claim", { times: 5 }); // every try of the read (TABLE_RETRY: 4 retries)
    await post(copy); // day 1: Partner Center sends it again; a storage outage on the dedup read
    endpoint.tables.fail("Claim_dedup_key", { times: 5 });
    await post(first); // day 1: a new lead whose claim never landed (the read then finds none)
    assert.deepStrictEqual((await rows()).map((r) => [r.Status, r.FailedActions ?? ""]).sort(), [
      ["dead-letter", "Claim_dedup_key,Read_dedup_claim"],
      ["dead-letter", "Claim_dedup_key,Read_dedup_claim"],
      ["delivered", ""],
    ]);
    clock = new Date(clock.getTime() + 35 * DAY); // day 36: past the window of day 0's claim
    const purged = await purgeExpired({
      archive: endpoint.tables.table(ARCHIVE),
      dedup: endpoint.tables.table(DEDUP),
      retentionDays: 365,
      dedupWindowDays: 30,
      now: clock,
    });
    assert.strictEqual(purged.dedupClaims, 0, "day 0's claim decides the dead-lettered copy of day 1: kept");
    const outcomes = await replayDeadLetters({ table: endpoint.tables.table(ARCHIVE), send, now: () => clock });
    assert.deepStrictEqual(
      outcomes.map((o) => o.result),
      ["replayed", "replayed"],
    );
    const byTarget = deliveries();
    console.log(`      late replay: dataverse ${JSON.stringify(byTarget.dataverse)}`);
    const once = { "late@contoso.com": 1, "first@contoso.com": 1 };
    assert.deepStrictEqual(byTarget, { dataverse: once, webhook: once }, "0 duplicates, 0 lost");
    assert.deepStrictEqual(statusCounts(await rows()), { delivered: 2, duplicate: 1, replayed: 2 });
    // Day 40: the first lead sent anew, 39 days after it first arrived: a new lead, though its claim was taken on day 36.
    clock = new Date(clock.getTime() + 4 * DAY);
    await post(first);
    assert.deepStrictEqual(deliveries().webhook, { "late@contoso.com": 1, "first@contoso.com": 2 });
    // Once nothing undelivered needs them, expired claims go.
    clock = new Date(clock.getTime() + 36 * DAY);
    const later = await purgeExpired({
      archive: endpoint.tables.table(ARCHIVE),
      dedup: endpoint.tables.table(DEDUP),
      retentionDays: 365,
      dedupWindowDays: 30,
      now: clock,
    });
    assert.strictEqual(later.dedupClaims, 2);
  });

  // "2026" and 30 February: times to Date.parse, not to formatDateTime (.NET in Azure, the emulator locally)
  for (const header of ["not a time", "2026", "2026-02-30T10:00:00.000Z"])
    it(`a replay header that is not a round-trip time ("${header}") never keeps a lead from its archive or its CRMs`, async () => {
      const answer = await post(
        { UserDetails: { Email: "odd@contoso.com", LastName: "O" } },
        { "x-leadkit-origin-time": header },
      );
      assert.strictEqual(answer.status, 200);
      assert.deepStrictEqual(
        (await rows()).map((r) => [r.Status, r.LeadOriginTime]),
        [["dead-letter", header]],
      );
      // Its replay sends the row's own time instead, and the lead is delivered once.
      const outcomes = await replayDeadLetters({ table: endpoint.tables.table(ARCHIVE), send });
      assert.deepStrictEqual(
        outcomes.map((o) => o.result),
        ["replayed"],
      );
      const once = { "odd@contoso.com": 1 };
      assert.deepStrictEqual(deliveries(), { dataverse: once, webhook: once });
    });

  it("the run page's Replay on a row whose earlier replay lost its answer: not sent again, the row settled", async () => {
    endpoint.standins.fail("webhook");
    const first = await post({ UserDetails: { Email: "lossy@contoso.com", LastName: "L" } });
    endpoint.standins.up("webhook");
    // A replay whose answer is lost after the endpoint archived and delivered the lead.
    const lossy: Sender = async (lead, headers) => {
      await post(lead, headers);
      throw new Error("socket hang up");
    };
    const table = endpoint.tables.table(ARCHIVE);
    assert.deepStrictEqual(
      (await replayDeadLetters({ table, send: lossy })).map((o) => o.result),
      ["failed"],
    );
    endpoint.standins.fail("webhook", { times: 3 });
    await post({ UserDetails: { Email: "other@contoso.com", LastName: "O" } }); // another dead letter: left alone
    const outcomes = await endpoint.replay(first.body.runId);
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.detail.replace(/run \S+$/, "run N")]),
      [["replayed", `not sent again: an earlier replay of 2026-11/${first.body.runId} was accepted as run N`]],
    );
    assert.deepStrictEqual(deliveries({ webhook: 6 }), {
      dataverse: { "lossy@contoso.com": 1, "other@contoso.com": 1 },
      // 3 failed tries each (crmRetryCount 2), and the lossy replay's 1 delivery
      webhook: { "lossy@contoso.com": 4, "other@contoso.com": 3 },
    });
    assert.deepStrictEqual(statusCounts(await rows()), { delivered: 1, replayed: 1, "dead-letter": 1 });
  });

  it("a newer lead of the same person holds the claim: a late replay of an older lead or copy is its duplicate, never a second record", async () => {
    const lead = {
      UserDetails: { Email: "later@contoso.com", LastName: "L" },
      LeadSource: "AzureMarketplace-INS|contoso.offer",
    };
    endpoint.standins.fail("webhook", { times: 3 }); // every try (crmRetryCount 2)
    await post(lead); // day 0: Dataverse has it, the webhook not: dead-lettered, holding the claim
    clock = new Date(clock.getTime() + DAY);
    endpoint.tables.fail("Read_dedup_claim", { times: 5 });
    await post(lead); // day 1: Partner Center's copy, its dedup cut short: dead-lettered with no decision
    clock = new Date(clock.getTime() + 34 * DAY);
    await post(lead); // day 35: the same person, offer and action, outside day 0's window: a new lead, delivered
    clock = new Date(clock.getTime() + DAY);
    const outcomes = await replayDeadLetters({ table: endpoint.tables.table(ARCHIVE), send, now: () => clock });
    assert.deepStrictEqual(
      outcomes.map((o) => o.result),
      ["replayed", "replayed"],
    );
    // Both replays are duplicates of day 35's lead: every target has this person's lead for this offer, once a lead.
    assert.deepStrictEqual(deliveries({ webhook: 3 }), {
      dataverse: { "later@contoso.com": 2 }, // day 0 and day 35
      webhook: { "later@contoso.com": 4 }, // 3 failed tries, day 35
    });
    assert.deepStrictEqual(statusCounts(await rows()), { delivered: 1, replayed: 2, duplicate: 2 });
  });

  it("identity: different phone-only people are different leads; nobody to contact is archived, not delivered", async () => {
    const leads = [
      { UserDetails: { Phone: "+1 (555) 010-0100", FirstName: "Ann" } },
      { UserDetails: { Phone: "+1 555 010 0100", FirstName: "Bob" } },
      { UserDetails: { Phone: "+15550100100", FirstName: "ann" } },
      {},
      { UserDetails: { FirstName: " ", LastName: "", Email: "", Phone: "" } },
    ];
    for (const lead of leads) assert.strictEqual((await post(lead)).status, 200);
    const archived = await rows();
    const byPhone = (first: string) =>
      archived.filter((r) => JSON.parse(r.LeadJson).UserDetails?.FirstName === first).map((r) => r.Status);
    assert.deepStrictEqual(byPhone("Ann"), ["delivered"]);
    assert.deepStrictEqual(byPhone("Bob"), ["delivered"], "another person with the same phone is a new lead");
    assert.deepStrictEqual(byPhone("ann"), ["duplicate"], "same phone and name, other spelling: a duplicate");
    assert.deepStrictEqual(statusCounts(archived), { delivered: 2, duplicate: 1, incomplete: 2 });
    assert.strictEqual(endpoint.standins.to("commondataservice").length, 2);
    assert.strictEqual(endpoint.standins.to("webhook").length, 2);
  });

  it("a CRM answering 429 is retried and delivered once; 400 is not retried, dead-lettered, and replayed once", async () => {
    endpoint.standins.fail("commondataservice", { times: 1, statusCode: 429 });
    await post({ UserDetails: { Email: "busy@contoso.com" } });
    endpoint.standins.fail("commondataservice", {
      times: 1,
      statusCode: 400,
      body: { error: { message: "A validation error occurred. The length of the 'firstname' attribute exceeded" } },
    });
    await post({ UserDetails: { Email: "bad@contoso.com" } });
    const requests = (email: string) =>
      endpoint.standins.to("commondataservice").filter((r) => (r.body as any).emailaddress1 === email).length;
    assert.strictEqual(requests("busy@contoso.com"), 2, "429 then success: retried");
    assert.strictEqual(requests("bad@contoso.com"), 1, "400: never retried");
    const dead = (await rows()).filter((r) => r.Status === "dead-letter");
    assert.deepStrictEqual(
      dead.map((r) => [r.FailedTargets, r.DeliveredTargets]),
      [["dataverse", "webhook"]],
    );
    assert.match(dead[0].LastError, /The length of the 'firstname' attribute exceeded/);
    const outcomes = await replayDeadLetters({ table: endpoint.tables.table(ARCHIVE), send });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.targets]),
      [["replayed", ["dataverse"]]],
    );
    assert.strictEqual(requests("bad@contoso.com"), 2, "the replay sent it to Dataverse once more");
    assert.deepStrictEqual(deliveries().webhook, { "busy@contoso.com": 1, "bad@contoso.com": 1 }, "webhook not again");
    assert.deepStrictEqual(statusCounts(await rows()), { delivered: 2, replayed: 1 });
  });

  it("a slow CRM still gets each lead once", async () => {
    endpoint.standins.delay("webhook", 200);
    const answers = await Promise.all(
      ["s1", "s2", "s3"].map((n) => post({ UserDetails: { Email: `${n}@contoso.com` } })),
    );
    assert.deepStrictEqual([...new Set(answers.map((a) => a.status))], [200]);
    const one = { "s1@contoso.com": 1, "s2@contoso.com": 1, "s3@contoso.com": 1 };
    assert.deepStrictEqual(deliveries(), { dataverse: one, webhook: one });
  });

  it("10,000 archived rows: a lead still costs the same few point operations, never a scan", async () => {
    const storageCalls = (runId: string) =>
      Object.values(endpoint.run(runId)!.actions)
        .filter((a) => a.status !== "Skipped" && a.type === "Http" && a.name !== "Post_webhook")
        .map((a) => a.name)
        .sort();
    const before = await post({ UserDetails: { Email: "flat0@contoso.com" } });
    const started = Date.now();
    // The calls do not depend on the archive's size, so 10,000 rows (100 pages of a scan) show a scan as well as
    // more would; `npm run bench` times leads at 50,000.
    const { connectionString } = await useAzurite();
    for (let batch = 0; batch < 100; batch++) {
      await insertBatch(
        connectionString,
        ARCHIVE,
        Array.from({ length: 100 }, (_, i) => ({
          // One partition per batch: Azurite slows down sharply on one partition of tens of thousands of rows.
          PartitionKey: `filler-${batch}`,
          RowKey: `r${i}`,
          Status: "delivered",
          DedupKey: `k${batch}-${i}`,
        })),
      );
    }
    console.log(`      filled 10,000 archive rows in ${Date.now() - started} ms`);
    const after = await post({ UserDetails: { Email: "flat1@contoso.com" } });
    assert.deepStrictEqual(storageCalls(after.body.runId), storageCalls(before.body.runId));
    assert.deepStrictEqual(storageCalls(after.body.runId), [
      "Archive_raw_lead",
      "Claim_dedup_key",
      "Mark_delivered",
      "Record_dataverse",
      "Record_webhook",
    ]);
    // Every table call names one row (or inserts one): none lists the table.
    const definition = JSON.stringify(STACK.definition);
    assert.ok(!/\$filter|\$top/.test(definition), "no query in the definition");
    assert.deepStrictEqual(statusCounts((await rows()).filter((r) => r.partitionKey === "2026-11")), { delivered: 2 });
  });
});
