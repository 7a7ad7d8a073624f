/** The CLIs' HTTP requests (ops/http.ts, node:http instead of fetch) and what sendLead says when one fails. */
import * as assert from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import { freePort } from "../../local/azurite";
import { httpRequest, HttpTimeout } from "../../ops/http";
import { sendLead } from "../../ops/sendLead";

describe("CLI HTTP requests (ops/http.ts)", () => {
  let server: http.Server;
  let base = "";
  const seen: Array<{ method?: string; url?: string; type?: string; length?: string; body: string }> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({
          method: req.method,
          url: req.url,
          type: req.headers["content-type"],
          length: req.headers["content-length"],
          body,
        });
        if (req.url?.startsWith("/silent")) return; // never answers
        if (req.url === "/half") return void res.writeHead(200).write("{"); // stops mid-body
        res.writeHead(req.url === "/missing" ? 404 : 200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ runId: "r1", got: body.length }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("sends the method, headers and body (with its byte length) and reads status and text", async () => {
    seen.length = 0;
    const answer = await httpRequest(`${base}/lead?sig=x`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"name":"Zoë"}',
      timeoutMs: 5000,
    });
    assert.deepStrictEqual(answer, { status: 200, ok: true, text: '{"runId":"r1","got":14}' });
    assert.deepStrictEqual(seen, [
      { method: "POST", url: "/lead?sig=x", type: "application/json", length: "15", body: '{"name":"Zoë"}' },
    ]);
    const missing = await httpRequest(`${base}/missing`, { timeoutMs: 5000 });
    assert.deepStrictEqual([missing.status, missing.ok], [404, false]);
  });

  it("gives up after timeoutMs on a server that never answers or stops mid-body; sendLead names the URL without its signature", async () => {
    const started = Date.now();
    await assert.rejects(httpRequest(`${base}/silent`, { timeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof HttpTimeout);
      assert.deepStrictEqual([e.code, e.message], ["TIMEOUT", "no answer within 200 ms"]);
      return true;
    });
    assert.ok(Date.now() - started >= 190);
    await assert.rejects(httpRequest(`${base}/half`, { timeoutMs: 200 }), { code: "TIMEOUT" });
    await assert.rejects(sendLead(`${base}/silent?sig=secret`, {}, {}, 200), {
      message: `could not reach ${base}/silent?<signature hidden>: TIMEOUT`,
    });
  });

  it("sendLead: nothing listening is ECONNREFUSED; a JSON answer is parsed", async () => {
    const port = await freePort();
    await assert.rejects(sendLead(`http://127.0.0.1:${port}/x?sig=secret`, { a: 1 }), {
      message: `could not reach http://127.0.0.1:${port}/x?<signature hidden>: ECONNREFUSED`,
    });
    const sent = await sendLead(`${base}/lead`, { a: 1 });
    assert.deepStrictEqual([sent.status, sent.body], [200, { runId: "r1", got: 7 }]);
  });

  it("an https URL goes over TLS (a deployed endpoint's): to a plain HTTP server that fails as EPROTO", async () => {
    const https = base.replace("http:", "https:");
    await assert.rejects(sendLead(`${https}/lead?sig=secret`, {}), {
      message: `could not reach ${https}/lead?<signature hidden>: EPROTO`,
    });
  });
});
