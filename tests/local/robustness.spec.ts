/**
 * No lead lost, under load and bad input: the local endpoint over real HTTP, real Azurite tables.
 * Bounded loops on loopback only.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { RunsInProgress, runEndedOf } from "../../function-code/src/replay/archiveRows";
import { replayDeadLetters } from "../../function-code/src/replay/replayDeadLetters";
import { LocalEndpoint } from "../../local/endpoint";
import { LocalServer, startLocalServer } from "../../local/server";
import { stackFromSettings } from "../../program/stacks";
import { useAzurite } from "../support/azurite";
import { startTcpProxy } from "../support/tcpProxy";

const STACK = stackFromSettings("load", {
  targets: "webhook",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: "LeadArchiveLoad",
  crmRetryCount: "3",
});

async function rows(endpoint: LocalEndpoint): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for await (const e of endpoint.tables.table("LeadArchiveLoad").listEntities()) out.push(e);
  return out;
}

/** Runs `count` tasks with at most `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe("robustness (local endpoint, Azurite)", function () {
  this.timeout(120000);
  let endpoint: LocalEndpoint;
  let server: LocalServer;

  beforeEach(async () => {
    const azurite = await useAzurite();
    endpoint = new LocalEndpoint({
      stack: STACK,
      tablesConnectionString: azurite.connectionString,
      retryScale: 0,
      keepRuns: 5000,
      recordedRequests: 5000,
    });
    await endpoint.tables
      .table("LeadArchiveLoad")
      .deleteTable()
      .catch(() => undefined);
    await endpoint.prepare();
    server = await startLocalServer({ endpoint, key: "k", triggerName: "manual", maxBodyBytes: 12 * 1024 * 1024 });
  });
  afterEach(() => server.close());

  const post = (body: string, type = "application/json") =>
    fetch(server.callbackUrl, { method: "POST", headers: { "Content-Type": type }, body });
  /**
   * The load tests' client: a lead POSTed over node:http with keep-alive, resolving with the status once the
   * answer is read. fetch (undici, web streams, an AbortController a request) cost the test process 0.9 ms of
   * CPU a lead, this 0.3 ms (1,000 posts, 50 at a time, to a server that only answers).
   */
  const agent = new http.Agent({ keepAlive: true });
  after(() => agent.destroy());
  const postLead = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = { "Content-Type": "application/json" };
      const req = http.request(server.callbackUrl, { method: "POST", agent, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });

  it("load: 1,000 leads, 50 at a time, are each archived exactly once and delivered once", async () => {
    const count = 1000;
    const statuses = await pool(count, 50, async (i) => {
      const lead = { UserDetails: { Email: `lead${i}@contoso.com`, LastName: `L${i}` }, ActionCode: "INS" };
      return postLead(JSON.stringify(lead));
    });
    assert.deepStrictEqual([...new Set(statuses)], [200]);
    await waitForRuns(endpoint, count);
    const archived = await rows(endpoint);
    assert.strictEqual(archived.length, count);
    assert.strictEqual(new Set(archived.map((r) => r.rowKey)).size, count, "one row per run");
    assert.deepStrictEqual([...new Set(archived.map((r) => r.Status))], ["delivered"]);
    const emails = endpoint.standins.to("webhook").map((r) => (r.body as any).lead.Email);
    assert.strictEqual(emails.length, count);
    assert.strictEqual(new Set(emails).size, count, "every lead delivered once");
  });

  it("replay passes during a load settle nothing of a run still going: each lead archived and delivered once", async () => {
    const count = 300;
    endpoint.standins.delay("webhook", 100); // every run is in progress for a while
    const table = endpoint.tables.table("LeadArchiveLoad");
    const origin = new URL(server.callbackUrl).origin;
    let loading = true;
    let passes = 0;
    let sends = 0;
    const settled: unknown[] = [];
    const replays = (async () => {
      while (loading) {
        // As `npm run replay -- --local` does: the snapshot over HTTP, then the pass.
        const snapshot = (await (await fetch(`${origin}/runs/in-progress`)).json()) as RunsInProgress;
        const send = async () => (sends++, { status: 500, body: {} });
        settled.push(...(await replayDeadLetters({ table, send, runEnded: runEndedOf(snapshot) })));
        passes++;
      }
    })();
    const statuses = await pool(count, 50, async (i) => {
      return postLead(JSON.stringify({ UserDetails: { Email: `busy${i}@contoso.com` } }));
    });
    await waitForRuns(endpoint, count);
    loading = false;
    await replays;
    assert.deepStrictEqual([...new Set(statuses)], [200]);
    assert.ok(passes >= 3, `${passes} replay passes ran during the load`);
    assert.deepStrictEqual([settled, sends], [[], 0], "no row flagged, repaired or sent");
    const archived = await rows(endpoint);
    assert.strictEqual(archived.length, count);
    assert.deepStrictEqual([...new Set(archived.map((r) => r.Status))], ["delivered"]);
    const emails = endpoint.standins.to("webhook").map((r) => (r.body as any).lead.Email);
    assert.deepStrictEqual([emails.length, new Set(emails).size], [count, count], "every lead delivered once");
  });

  it("faults: a webhook down, then slow, then back: nothing lost, failures dead-lettered with their error", async () => {
    endpoint.standins.down("webhook");
    const down = await Promise.all(
      [1, 2, 3].map((i) => post(JSON.stringify({ UserDetails: { Email: `d${i}@contoso.com` } }))),
    );
    assert.deepStrictEqual(
      down.map((r) => r.status),
      [200, 200, 200],
    );
    await waitForRuns(endpoint, 3);
    endpoint.standins.up("webhook");
    endpoint.standins.delay("webhook", 50);
    endpoint.standins.fail("webhook", { times: 2, statusCode: 503 });
    const back = await post(JSON.stringify({ UserDetails: { Email: "back@contoso.com" } }));
    assert.strictEqual(back.status, 200);
    await waitForRuns(endpoint, 4);
    const byEmail = Object.fromEntries(
      (await rows(endpoint)).map((r) => [JSON.parse(String(r.LeadJson)).UserDetails.Email, r]),
    );
    for (const i of [1, 2, 3]) {
      assert.strictEqual(byEmail[`d${i}@contoso.com`].Status, "dead-letter");
      assert.match(String(byEmail[`d${i}@contoso.com`].LastError), /ECONNREFUSED \(webhook stand-in is down\)/);
    }
    assert.strictEqual(byEmail["back@contoso.com"].Status, "delivered", "retried through two 503s");
    assert.strictEqual(
      endpoint.standins.to("webhook").filter((r) => (r.body as any).lead.Email === "back@contoso.com").length,
      3,
    );
  });

  it("bad input: every malformed body is answered clearly; the endpoint and the archive stay sound", async () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 2000; i++) deep = { d: deep };
    const cases: Array<[string, string, string, number]> = [
      ["not JSON", "{ this is not json", "application/json", 400],
      ["plain text", "hello", "text/plain", 400],
      ["an array", "[1,2,3]", "application/json", 400],
      ["a number", "42", "application/json", 400],
      ["null", "null", "application/json", 400],
      ["an empty body", "", "application/json", 400],
      [
        "wrong field types",
        JSON.stringify({ ActionCode: 1, UserDetails: "x", Description: [1] }),
        "application/json",
        200,
      ],
      ["deep nesting", JSON.stringify({ UserDetails: deep }), "application/json", 400],
      [
        "unicode",
        JSON.stringify({ UserDetails: { FirstName: "Zoë 李 🚀", Email: "zoë@例え.jp" } }),
        "application/json",
        200,
      ],
      [
        "expression-like text",
        JSON.stringify({ Description: "@{triggerBody()} @parameters('$connections')" }),
        "application/json",
        200,
      ],
      ["a 10 MB body", JSON.stringify({ Description: "x".repeat(10 * 1024 * 1024) }), "application/json", 200],
    ];
    let accepted = 0;
    for (const [label, body, type, expected] of cases) {
      const res = await post(body, type);
      const json = (await res.json()) as any;
      assert.strictEqual(res.status, expected, label);
      if (expected === 400) assert.strictEqual(json.error.code, "TriggerInputSchemaMismatch", label);
      else accepted++;
    }
    await waitForRuns(endpoint, accepted);
    const archived = await rows(endpoint);
    assert.strictEqual(archived.length, accepted, "one archive row per accepted lead, none for refused bodies");
    const expr = archived.find((r) => String(r.Description).startsWith("@{"));
    assert.strictEqual(
      expr?.Description,
      "@{triggerBody()} @parameters('$connections')",
      "stored as text, never evaluated",
    );
    const big = archived.find((r) => r.LeadJsonTruncated === true);
    assert.strictEqual(String(big?.LeadJson).length, 30000);
    const unicode = archived.find((r) => String(r.LeadJson).includes("🚀"));
    assert.strictEqual(JSON.parse(String(unicode?.LeadJson)).UserDetails.FirstName, "Zoë 李 🚀");
    // Still serving.
    const ok = await post(fs.readFileSync("samples/full-lead.json", "utf8"));
    assert.strictEqual(ok.status, 200);
  });

  it("storage unreachable mid-run: archive and delivery writes retry through the outage, no lead lost or sent twice", async () => {
    // Cut at the network: restarting Azurite itself can drop writes it has not flushed to disk yet,
    // which real Azure storage never does, so that would test the emulator, not the workflow.
    const azurite = await useAzurite();
    const proxy = await startTcpProxy(azurite.port);
    try {
      const viaProxy = azurite.connectionString.replace(`:${azurite.port}/`, `:${proxy.port}/`);
      // Real retry waits, scaled down: 5 s, 10 s, 20 s become 1 s, 2 s, 4 s, longer than the outage.
      const e = new LocalEndpoint({ stack: STACK, tablesConnectionString: viaProxy, retryScale: 0.2, keepRuns: 100 });
      await e.prepare();
      // A slow webhook keeps the first runs delivering when the outage starts: their later storage steps meet it.
      e.standins.delay("webhook", 400);
      const sends = Array.from({ length: 20 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 50)).then(() =>
          e.post({ method: "POST", headers: {}, body: { UserDetails: { Email: `r${i}@contoso.com` } } }),
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 1500));
      await proxy.restore();
      const posted = await Promise.all(sends);
      assert.deepStrictEqual([...new Set(posted.map((p) => p.response.statusCode))], [200]);
      await Promise.all(posted.map((p) => p.done));
      const statusByEmail = new Map<string, unknown>();
      for await (const r of endpoint.tables.table("LeadArchiveLoad").listEntities()) {
        const email = JSON.parse(String(r.LeadJson)).UserDetails.Email as string;
        if (/^r\d+@/.test(email)) statusByEmail.set(email, r.Status);
      }
      // Every later storage step rode out the outage too: each run ended delivered, each lead sent once.
      const emails = Array.from({ length: 20 }, (_, i) => `r${i}@contoso.com`);
      assert.deepStrictEqual([...statusByEmail].sort(), emails.map((m) => [m, "delivered"]).sort());
      assert.deepStrictEqual([...new Set(posted.map((p) => e.run(p.runName!)!.status))], ["Succeeded"]);
      const sent = e.standins.to("webhook").map((r) => (r.body as { lead: { Email: string } }).lead.Email);
      assert.deepStrictEqual(sent.sort(), [...emails].sort(), "each lead reached the webhook once");
      const retried = posted.filter((p) => e.run(p.runName!)!.actions.Archive_raw_lead.retryHistory);
      assert.ok(retried.length > 0, "some archive writes met the outage and were retried");
    } finally {
      await proxy.close();
    }
  });
});

/** Waits until `count` runs have finished (the CRM steps go on after the HTTP answer). */
async function waitForRuns(endpoint: LocalEndpoint, count: number): Promise<void> {
  const deadline = Date.now() + 60000;
  for (;;) {
    const runs = endpoint.listRuns();
    if (runs.length >= count && runs.every((r) => r.status !== "Running")) return;
    if (Date.now() > deadline)
      throw new Error(`only ${runs.filter((r) => r.status !== "Running").length} of ${count} runs finished`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
