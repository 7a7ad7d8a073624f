/** The local HTTP endpoint over real loopback HTTP: signed URL, body handling, run history API and page. */
import * as assert from "assert";
import * as fs from "fs";
import { LocalEndpoint } from "../local/endpoint";
import { LocalServer, signature, startLocalServer } from "../local/server";
import { loadStack } from "../workflow/stacks";
import { useAzurite } from "./support/azurite";

const FULL = fs.readFileSync("samples/full-lead.json", "utf8");

describe("local endpoint server", function () {
  this.timeout(20000);
  let server: LocalServer;
  let endpoint: LocalEndpoint;
  before(async () => {
    const azurite = await useAzurite();
    endpoint = new LocalEndpoint({
      stack: loadStack("dev"),
      tablesConnectionString: azurite.connectionString,
      retryScale: 0,
    });
    await endpoint.prepare();
    server = await startLocalServer({ endpoint, key: "test-key", triggerName: "manual", maxBodyBytes: 64 * 1024 });
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
    assert.strictEqual(endpoint.listRuns().length, before);
  });

  it("runs the workflow for a signed POST and exposes the run", async () => {
    const res = await post(server.callbackUrl, FULL);
    assert.strictEqual(res.status, 200);
    const body = (await res.json()) as { status: string; runId: string };
    assert.strictEqual(body.status, "accepted");
    assert.strictEqual(res.headers.get("x-ms-workflow-run-id"), body.runId);
    await new Promise((r) => setTimeout(r, 300)); // the CRM steps run after the answer
    const run = (await (await fetch(`http://127.0.0.1:${server.port}/runs/${body.runId}`)).json()) as any;
    assert.strictEqual(run.status, "Succeeded");
    assert.strictEqual(run.actions.Create_dataverse_lead.status, "Succeeded");
    const list = (await (await fetch(`http://127.0.0.1:${server.port}/runs`)).json()) as any;
    assert.strictEqual(list.value[0].name, body.runId);
    const requests = (await (await fetch(`http://127.0.0.1:${server.port}/standins/requests`)).json()) as any;
    // The function first, then the three targets in parallel: compare as a set.
    assert.deepStrictEqual(requests.value.map((r: any) => r.actionName).sort(), [
      "Create_dataverse_lead",
      "Normalize_lead_function",
      "Post_webhook",
      "Send_email_notice",
    ]);
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
    assert.deepStrictEqual(await (await fetch(`${base}/down`, { method: "POST" })).json(), {
      target: "commondataservice",
      fault: "down",
    });
    // Another lead than FULL, which was delivered above (it would be a duplicate).
    const res = await post(server.callbackUrl, FULL.replace("someone@contoso.com", "other@contoso.com"));
    const { runId } = (await res.json()) as { runId: string };
    await new Promise((r) => setTimeout(r, 500));
    const run = (await (await fetch(`http://127.0.0.1:${server.port}/runs/${runId}`)).json()) as any;
    assert.deepStrictEqual([run.status, run.error.code], ["Failed", "LeadDeadLettered"]);
    await fetch(`${base}/up`, { method: "POST" });
    assert.strictEqual((await fetch(`${base}/sideways`, { method: "POST" })).status, 404);
  });

  it("serves the run view page and 404s unknown runs", async () => {
    const page = await (await fetch(`http://127.0.0.1:${server.port}/`)).text();
    assert.ok(page.includes("<title>Runs of leads-dev-workflow (local)</title>"));
    assert.ok(page.includes("<h1>Runs of <code>leads-dev-workflow</code> (local runtime)</h1>"));
    assert.ok(!page.includes("{{"), "every placeholder filled");
    const missing = await fetch(`http://127.0.0.1:${server.port}/runs/123`);
    assert.strictEqual(missing.status, 404);
  });
});
