/** The local HTTP endpoint over real loopback HTTP: signed URL, body handling, run history API and page. */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import { LocalEndpoint } from "../../local/endpoint";
import { ADMIN_TOKEN_HEADER, LocalServer, signature, startLocalServer } from "../../local/server";
import { stateLines } from "../../ops/standin";
import { waitForRun } from "../../ops/verify";
import { loadStack } from "../../program/stacks";
import { useAzurite } from "../support/azurite";

const FULL = fs.readFileSync("samples/full-lead.json", "utf8");
/** Admin routes (/standins/*) want the server's token (the CLIs send it) or the page's own origin. */
let adminToken = "";
const admin = () => ({ [ADMIN_TOKEN_HEADER]: adminToken });

/** The dev stack's endpoint on Azurite behind a local server that logs into `logLines`; sets the admin token. */
async function devServer(
  endpointOptions: Partial<ConstructorParameters<typeof LocalEndpoint>[0]>,
  serverOptions: { key: string; maxBodyBytes?: number },
  logLines: string[],
): Promise<{ endpoint: LocalEndpoint; server: LocalServer }> {
  const azurite = await useAzurite();
  const endpoint = new LocalEndpoint({
    stack: loadStack("dev"),
    tablesConnectionString: azurite.connectionString,
    retryScale: 0,
    ...endpointOptions,
  });
  await endpoint.prepare();
  const server = await startLocalServer({
    endpoint,
    triggerName: "manual",
    log: (line) => logLines.push(line),
    ...serverOptions,
  });
  adminToken = server.adminToken;
  return { endpoint, server };
}

describe("local endpoint server", function () {
  this.timeout(20000);
  let server: LocalServer;
  let endpoint: LocalEndpoint;
  const logLines: string[] = [];
  before(async () => {
    ({ endpoint, server } = await devServer({}, { key: "test-key", maxBodyBytes: 64 * 1024 }, logLines));
  });
  after(() => server.close());

  const post = (url: string, body: string, contentType = "application/json") =>
    fetch(url, { method: "POST", headers: { "Content-Type": contentType }, body });

  it("prints a callback URL shaped like Azure's, signed with the key", () => {
    assert.strictEqual(
      server.callbackUrl,
      `http://127.0.0.1:${server.port}/workflows/leads-dev-workflow/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${signature("test-key", "leads-dev-workflow", "manual")}`,
    );
  });

  it("answers 401 without a valid sig, starting no run", async () => {
    const before = endpoint.listRuns().length;
    const noSig = server.callbackUrl.replace(/&sig=[^&]+/, "");
    const r1 = await post(noSig, FULL);
    assert.strictEqual(r1.status, 401);
    assert.strictEqual(((await r1.json()) as any).error.code, "DirectApiAuthorizationRequired");
    const r2 = await post(server.callbackUrl.replace(/sig=[^&]+/, "sig=forged"), FULL);
    assert.strictEqual(r2.status, 401);
    assert.strictEqual(((await r2.json()) as any).error.code, "DirectApiInvalidAuthorizationSignature");
    // A forged sig of the right length (one character changed) is refused too: not a length check.
    const sig = signature("test-key", "leads-dev-workflow", "manual");
    const forged = sig.slice(0, -1) + (sig.endsWith("A") ? "B" : "A");
    const r3 = await post(server.callbackUrl.replace(sig, forged), FULL);
    assert.strictEqual(r3.status, 401);
    assert.strictEqual(((await r3.json()) as any).error.code, "DirectApiInvalidAuthorizationSignature");
    assert.strictEqual(endpoint.listRuns().length, before);
  });

  it("runs the workflow for a signed POST and exposes the run", async () => {
    // A person of its own: the dev stack's dedup table is shared by every spec on this Azurite.
    const res = await post(server.callbackUrl, FULL.replace("someone@contoso.com", `served-${Date.now()}@contoso.com`));
    assert.strictEqual(res.status, 200);
    const body = (await res.json()) as { status: string; runId: string; row: string };
    assert.strictEqual(body.status, "accepted");
    assert.strictEqual(res.headers.get("x-ms-workflow-run-id"), body.runId);
    // The CRM steps run after the answer: wait for the run to end, not for a fixed time.
    const runOf = async (id: string) =>
      (await (await fetch(`http://127.0.0.1:${server.port}/runs/${id}`)).json()) as any;
    await waitForRun(
      { runStatus: async (id) => (await runOf(id)).status, actions: async () => [] },
      body.runId,
      10000,
      50,
    );
    const run = await runOf(body.runId);
    assert.strictEqual(run.status, "Succeeded");
    assert.strictEqual(run.actions.Create_dataverse_lead.status, "Succeeded");
    const list = (await (await fetch(`http://127.0.0.1:${server.port}/runs`)).json()) as any;
    assert.strictEqual(list.value[0].name, body.runId);
    const requests = (await (
      await fetch(`http://127.0.0.1:${server.port}/standins/requests`, { headers: admin() })
    ).json()) as any;
    // The function first, then the three targets in parallel: compare as a set.
    assert.deepStrictEqual(requests.value.map((r: any) => r.actionName).sort(), [
      "Create_dataverse_lead",
      "Normalize_lead_function",
      "Post_webhook",
      "Send_email_notice",
    ]);
    // Each names the run that made it (the run page lists a run's requests by it).
    assert.deepStrictEqual([...new Set(requests.value.map((r: any) => r.runName))], [body.runId]);
    // One lead's outcome by its run (what `npm run send` reads), and null for a run with no row.
    const lead = async (id: string, query = "") =>
      (await (await fetch(`http://127.0.0.1:${server.port}/leads/${id}${query}`)).json()) as { value: any };
    const { value } = await lead(body.runId);
    assert.deepStrictEqual(
      [value.row, value.status, value.outcome.verdict, value.outcome.ok, value.runEnded],
      [body.runId, "delivered", "delivered", true, false],
    );
    assert.deepStrictEqual(await lead("08584000000000000000000000000"), { value: null });
    // ?row=, the keys the answer named: that row is read alone (another partition's keys find nothing).
    assert.strictEqual(body.row, `${value.partition}/${body.runId}`);
    assert.deepStrictEqual((await lead(body.runId, `?row=${encodeURIComponent(body.row)}`)).value, value);
    assert.deepStrictEqual(await lead(body.runId, `?row=1999-01/${body.runId}`), { value: null });
  });

  it("refuses a body that is not JSON with 400 (the trigger schema wants an object)", async () => {
    const res = await post(server.callbackUrl, "not json", "text/plain");
    assert.strictEqual(res.status, 400);
    assert.strictEqual(((await res.json()) as any).error.code, "TriggerInputSchemaMismatch");
  });

  it("refuses an oversized body with 413", async () => {
    const res = await post(server.callbackUrl, JSON.stringify({ Description: "x".repeat(70 * 1024) }));
    assert.strictEqual(res.status, 413);
    assert.strictEqual(((await res.json()) as any).error.code, "MessageSizeExceeded");
  });

  it("lets a user take a stand-in down and back up, to see dead letters and replay", async () => {
    const base = `http://127.0.0.1:${server.port}/standins/commondataservice`;
    assert.deepStrictEqual(await (await fetch(`${base}/down`, { method: "POST", headers: admin() })).json(), {
      target: "commondataservice",
      fault: "down",
    });
    // Another lead than FULL, which was delivered above (it would be a duplicate).
    const res = await post(server.callbackUrl, FULL.replace("someone@contoso.com", "other@contoso.com"));
    const { runId } = (await res.json()) as { runId: string };
    await new Promise((r) => setTimeout(r, 500));
    const run = (await (await fetch(`http://127.0.0.1:${server.port}/runs/${runId}`)).json()) as any;
    assert.deepStrictEqual([run.status, run.error.code], ["Failed", "LeadDeadLettered"]);
    await fetch(`${base}/up`, { method: "POST", headers: admin() });
    assert.strictEqual((await fetch(`${base}/sideways`, { method: "POST", headers: admin() })).status, 404);
  });

  it("refuses admin routes to cross-site pages, other Host names (DNS rebinding) and wrong tokens", async () => {
    const url = `http://127.0.0.1:${server.port}/standins/webhook/down`;
    const downs = () => endpoint.standins.requests.length; // unchanged unless a fault was set and used
    const refused = async (headers: Record<string, string>, status: number, code: string) => {
      const res = await rawRequest("POST", url, headers);
      assert.deepStrictEqual([res.status, JSON.parse(res.body).error.code], [status, code], JSON.stringify(headers));
    };
    const before = downs();
    await refused({ Origin: "https://evil.example" }, 403, "AdminRouteForbidden");
    await refused({}, 403, "AdminRouteForbidden"); // curl without the token
    await refused({ [ADMIN_TOKEN_HEADER]: "guess" }, 403, "AdminRouteForbidden");
    await refused({ Host: "attacker.example:80", [ADMIN_TOKEN_HEADER]: adminToken }, 421, "MisdirectedRequest");
    const list = await rawRequest("GET", `http://127.0.0.1:${server.port}/standins/requests`, {
      Host: "rebound.example",
    });
    assert.strictEqual(list.status, 421, "recorded leads are not readable through another name");
    // No fault was set: a lead still reaches the webhook stand-in.
    const res = await post(
      server.callbackUrl,
      FULL.replace("someone@contoso.com", `hygiene-${Date.now()}@contoso.com`),
    );
    await waitRun(`http://127.0.0.1:${server.port}`, ((await res.json()) as { runId: string }).runId);
    assert.ok(endpoint.standins.requests.slice(before).some((r) => r.target === "webhook"));
    // The page itself (same origin) and the token are let in.
    const own = `http://127.0.0.1:${server.port}`;
    assert.strictEqual((await rawRequest("POST", url.replace("down", "up"), { Origin: own })).status, 200);
    assert.strictEqual(
      (await rawRequest("GET", `${own}/standins/requests`, { "Sec-Fetch-Site": "same-origin" })).status,
      200,
    );
    assert.strictEqual(
      (await rawRequest("POST", url.replace("down", "up"), { [ADMIN_TOKEN_HEADER]: adminToken })).status,
      200,
    );
  });

  it("tells each stand-in's state (npm run standin with no arguments), to the token only", async () => {
    const base = `http://127.0.0.1:${server.port}/standins`;
    await fetch(`${base}/webhook/down`, { method: "POST", headers: admin() });
    await fetch(`${base}/office365/fail?times=2&status=503`, { method: "POST", headers: admin() });
    await fetch(`${base}/salesforce/fail`, { method: "POST", headers: admin() });
    await fetch(`${base}/commondataservice/slow?ms=250`, { method: "POST", headers: admin() });
    try {
      const res = await fetch(`${base}/state`, { headers: admin() });
      assert.deepStrictEqual(await res.json(), {
        stack: "dev", // the commands tell this endpoint from another stack's by it (ops/archive.ts)
        value: [
          { target: "commondataservice", state: "up", slowerMs: 250 },
          { target: "salesforce", state: "failing", statusCode: 500 },
          { target: "hubspot", state: "up" },
          { target: "office365", state: "failing", statusCode: 503, callsLeft: 2 },
          { target: "webhook", state: "down" },
          { target: "teams", state: "up" },
          { target: "function", state: "up" },
        ],
      });
      assert.deepStrictEqual(stateLines((await (await fetch(`${base}/state`, { headers: admin() })).json()).value), [
        "dataverse   up, 250 ms slower",
        "salesforce  failing (500, until up)",
        "hubspot     up",
        "email       failing (503, 2 more calls)",
        "webhook     down",
        "teams       up",
        "function    up",
      ]);
      assert.strictEqual((await rawRequest("GET", `${base}/state`, {})).status, 403, "admin route");
    } finally {
      for (const t of ["webhook", "office365", "salesforce"])
        await fetch(`${base}/${t}/up`, { method: "POST", headers: admin() });
      await fetch(`${base}/commondataservice/slow?ms=0`, { method: "POST", headers: admin() });
    }
  });

  it("serves the run view page and 404s unknown runs", async () => {
    const page = await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
    assert.ok(page.includes("<title>Runs of leads-dev-workflow (local)</title>"));
    assert.ok(page.includes("<h1>Runs of <code>leads-dev-workflow</code> (local runtime)</h1>"));
    assert.ok(!page.includes("{{"), "every placeholder filled");
    const missing = await fetch(`http://127.0.0.1:${server.port}/runs/123`);
    assert.strictEqual(missing.status, 404);
    assert.deepStrictEqual(await missing.json(), { error: { code: "RunNotFound", message: "No run named '123'." } });
  });

  it("answers one 404 naming method and path for a wrong method or an unknown path", async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (const [method, path] of [
      ["POST", "/runs"],
      ["GET", "/replay/123"],
      ["GET", "/standins/webhook/down"],
      ["GET", "/runs/123/extra"],
      ["DELETE", "/"],
    ]) {
      const res = await fetch(`${base}${path}`, { method, headers: admin() });
      assert.strictEqual(res.status, 404, `${method} ${path}`);
      const message = `No route for ${method} ${path}.`;
      assert.deepStrictEqual(await res.json(), { error: { code: "NotFound", message } });
    }
    assert.strictEqual((await fetch(`${base}/leads`)).status, 200);
  });
});

describe("local endpoint server, hardened", function () {
  this.timeout(20000);
  let server: LocalServer;
  let endpoint: LocalEndpoint;
  const logLines: string[] = [];
  before(async () => {
    ({ endpoint, server } = await devServer({ keepRuns: 3, recordedRequests: 5 }, { key: "k2" }, logLines));
  });
  after(() => server.close());
  beforeEach(() => endpoint.standins.reset());

  const base = () => `http://127.0.0.1:${server.port}`;
  const lead = (i: number) => FULL.replace("someone@contoso.com", `hardened${i}-${Date.now()}@contoso.com`);
  const send = (body: string) =>
    fetch(server.callbackUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body });

  it("refuses JSON nested deeper than 64 levels with 400 before a run starts, naming the depth and the limit", async () => {
    const nest = (levels: number) => "[".repeat(levels - 1) + JSON.stringify({ x: 1 }) + "]".repeat(levels - 1);
    const runsBefore = endpoint.listRuns().length;
    const deep = await send(`{"UserDetails":{"Email":"d@contoso.com"},"Deep":${nest(5000)}}`);
    assert.strictEqual(deep.status, 400);
    assert.deepStrictEqual(await deep.json(), {
      error: {
        code: "TriggerInputSchemaMismatch",
        message:
          "The input body for trigger 'manual' of type 'Request' nests JSON 5001 levels deep; the local endpoint " +
          "accepts at most 64. A Partner Center lead nests 2 levels: send the lead as it comes.",
      },
    });
    assert.strictEqual(endpoint.listRuns().length, runsBefore, "no run for a refused body");
    // The limit itself is accepted (64 levels: the object plus 63 nested), brackets inside strings do not count.
    const atLimit = { UserDetails: { Email: "[[[[{{{{@contoso.com" }, Deep: JSON.parse(nest(63)) };
    const accepted = await send(JSON.stringify(atLimit));
    assert.strictEqual(accepted.status, 200);
    // Its CRM calls go on after the answer: let them end here, not in the next test's request log.
    await waitRun(base(), ((await accepted.json()) as { runId: string }).runId);
    const over = { UserDetails: { Email: "o@contoso.com" }, Deep: JSON.parse(nest(64)) };
    assert.strictEqual((await send(JSON.stringify(over))).status, 400);
  });

  it("keeps the stand-in request log to the last N requests, dropping the oldest", async () => {
    for (let i = 0; i < 3; i++) {
      const { runId } = (await (await send(lead(i))).json()) as { runId: string };
      await waitRun(base(), runId);
    }
    // Each lead: the function, then Dataverse, e-mail and webhook = 4 requests; 12 made, 5 kept.
    const log = (await (await fetch(`${base()}/standins/requests`, { headers: admin() })).json()) as any;
    assert.strictEqual(log.value.length, 5);
    assert.strictEqual(log.dropped, 7);
    const emails = log.value.map((r: any) => JSON.stringify(r.body).match(/hardened(\d)-/)?.[1]);
    assert.ok(!emails.includes("0") && emails.includes("2"), `oldest lead dropped, newest kept: ${emails}`);
  });

  it("keeps only the newest keepRuns runs in the run history", async () => {
    const names: string[] = [];
    for (let i = 10; i < 15; i++) {
      const { runId } = (await (await send(lead(i))).json()) as { runId: string };
      await waitRun(base(), runId);
      names.push(runId);
    }
    const list = (await (await fetch(`${base()}/runs`)).json()) as any;
    assert.deepStrictEqual(
      list.value.map((r: any) => r.name),
      names.slice(2).reverse(),
    );
    assert.strictEqual((await fetch(`${base()}/runs/${names[0]}`)).status, 404);
  });

  it("makes a stand-in slow on request, and refuses a bad delay naming the parameter", async () => {
    const slow = await fetch(`${base()}/standins/webhook/slow?ms=400`, { method: "POST", headers: admin() });
    assert.deepStrictEqual(await slow.json(), { target: "webhook", fault: "slow", ms: 400 });
    const { runId } = (await (await send(lead(20))).json()) as { runId: string };
    const run = await waitRun(base(), runId);
    const took = Date.parse(run.actions.Post_webhook.endTime) - Date.parse(run.actions.Post_webhook.startTime);
    assert.ok(took >= 400, `webhook call took ${took} ms`);
    await fetch(`${base()}/standins/webhook/slow?ms=0`, { method: "POST", headers: admin() });
    const bad = await fetch(`${base()}/standins/webhook/slow?ms=soon`, { method: "POST", headers: admin() });
    assert.strictEqual(bad.status, 400);
    assert.deepStrictEqual(await bad.json(), {
      error: {
        code: "InvalidParameter",
        message: "Query parameter 'ms' is 'soon': give a whole number from 0 to 600000.",
      },
    });
    const missing = await fetch(`${base()}/standins/webhook/slow`, { method: "POST", headers: admin() });
    assert.strictEqual(
      ((await missing.json()) as any).error.message.startsWith("Query parameter 'ms' is missing"),
      true,
    );
  });

  it("logs one line per request: method, path without the query (no sig), status, ms, run id", async () => {
    logLines.length = 0;
    const res = await send(lead(30));
    const { runId } = (await res.json()) as { runId: string };
    await fetch(`${base()}/runs?x=1`);
    await new Promise((r) => setTimeout(r, 50));
    const sig = signature("k2", "leads-dev-workflow", "manual");
    assert.ok(
      logLines.every((l) => !l.includes(sig) && !l.includes("?")),
      logLines.join("\n"),
    );
    assert.match(
      logLines[0],
      new RegExp(`^POST /workflows/leads-dev-workflow/triggers/manual/paths/invoke 200 \\d+ms run=${runId}$`),
    );
    assert.match(logLines[1], /^GET \/runs 200 \d+ms$/);
  });

  it("answers a failure after the headers went out by closing the socket, and keeps serving", async () => {
    // The first answer for this run fails after writeHead (as a huge body did in JSON.stringify).
    const { runId } = (await (await send(lead(40))).json()) as { runId: string };
    const original = http.ServerResponse.prototype.end;
    let thrown = 0;
    http.ServerResponse.prototype.end = function (this: http.ServerResponse, ...args: any[]) {
      if (this.headersSent && this.req?.url === `/runs/${runId}` && thrown++ === 0) throw new Error("late failure");
      return (original as any).apply(this, args);
    } as any;
    try {
      await assert.rejects(fetch(`${base()}/runs/${runId}`), /fetch failed/);
    } finally {
      http.ServerResponse.prototype.end = original;
    }
    assert.strictEqual(thrown, 1);
    assert.strictEqual((await fetch(`${base()}/runs/${runId}`)).status, 200, "still serving");
  });
});

describe("local endpoint server, closing", function () {
  this.timeout(20000);
  const logLines: string[] = [];

  it("closes at once while a browser holds a connection that never sent a request (close() waited minutes)", async () => {
    const { server } = await devServer({}, { key: "k3" }, logLines);
    // Chromium opens spare connections ahead of need; Node's close() waited for them (request timeout).
    const spare = net.connect(server.port, "127.0.0.1");
    await new Promise((resolve) => spare.once("connect", resolve));
    const ended = new Promise((resolve) => spare.once("close", resolve));
    const started = Date.now();
    await server.close();
    await ended;
    assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
  });

  it("still answers the lead in flight when it closes, then closes", async () => {
    const { server } = await devServer({}, { key: "k4" }, logLines);
    const body = FULL.replace("someone@contoso.com", `closing-${Date.now()}@contoso.com`);
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request(server.callbackUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      });
      req.on("response", (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on("error", reject);
      // Half the body now, the rest once close() has begun: the request is in flight when the server closes.
      req.write(body.slice(0, 100));
      setTimeout(() => req.end(body.slice(100)), 200);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = server.close();
    assert.strictEqual(await answer, 200);
    await closed;
  });
});

/** Polls the run until it ends; 10 s of slack for a machine busy with the rest of `npm test`. */
async function waitRun(base: string, runId: string): Promise<any> {
  for (const deadline = Date.now() + 10000; Date.now() < deadline;) {
    const run = (await (await fetch(`${base}/runs/${runId}`)).json()) as any;
    if (run.status && run.status !== "Running") return run;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** A request with exactly these headers (fetch would not let a test set Host or Sec-Fetch-Site). */
function rawRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
