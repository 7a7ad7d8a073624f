/** `npm run verify`: sending a lead over real HTTP (loopback) and judging a run's action statuses. */
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import {
  ActionOutcome,
  judgeRun,
  loadSample,
  redactUrl,
  RunReader,
  sendLead,
  verifyRun,
  waitForRun,
} from "../../ops/verify";

describe("verify command", () => {
  let server: http.Server;
  let url: string;
  const received: Array<{ method?: string; type?: string; body: string }> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ method: req.method, type: req.headers["content-type"], body });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ status: "accepted", runId: "08584" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workflows/x/triggers/manual/paths/invoke?sig=abc`;
  });
  after(() => server.close());

  it("POSTs the sample lead as JSON and returns status and parsed body", async () => {
    const result = await sendLead(url, loadSample("validate"));
    assert.strictEqual(result.status, 200);
    assert.deepStrictEqual(result.body, { status: "accepted", runId: "08584" });
    assert.deepStrictEqual(received.at(-1), {
      method: "POST",
      type: "application/json",
      body: JSON.stringify(loadSample("validate")),
    });
  });

  it("hides the signature when printing the URL", () => {
    assert.strictEqual(
      redactUrl(
        "https://prod-1.westeurope.logic.azure.com:443/workflows/w/triggers/manual/paths/invoke?api-version=2016-10-01&sig=SECRET",
      ),
      "https://prod-1.westeurope.logic.azure.com/workflows/w/triggers/manual/paths/invoke?<signature hidden>",
    );
  });

  it("fails clearly on an unknown sample", () => {
    assert.throws(() => loadSample("nope"), {
      message: '--sample "nope" is neither a sample (validate, full, minimal, camelcase) nor a JSON file.',
    });
  });

  const act = (name: string, status: string, code?: string): ActionOutcome => ({ name, status, code });

  it("passes a test lead that was archived, marked and kept from every CRM", () => {
    const v = judgeRun(true, "Succeeded", [
      act("Archive_raw_lead", "Succeeded"),
      act("Mark_test_lead", "Succeeded"),
      act("Stop_test_lead", "Succeeded"),
    ]);
    assert.deepStrictEqual(v, { ok: true, lines: ["run status: Succeeded"] });
  });

  it("judges a lead file that the workflow marked as a test lead as a test lead (not as an undelivered lead)", () => {
    const v = judgeRun(false, "Succeeded", [
      act("Archive_raw_lead", "Succeeded"),
      act("Mark_test_lead", "Succeeded"),
      act("Stop_test_lead", "Succeeded"),
      act("Mark_delivered", "Skipped"),
    ]);
    assert.deepStrictEqual(v, { ok: true, lines: ["run status: Succeeded"] });
  });

  it("fails a test lead that reached a CRM", () => {
    const v = judgeRun(true, "Succeeded", [
      act("Archive_raw_lead", "Succeeded"),
      act("Mark_test_lead", "Succeeded"),
      act("Create_dataverse_lead", "Succeeded"),
    ]);
    assert.deepStrictEqual(v, {
      ok: false,
      lines: ["run status: Succeeded", "problem: the test lead reached a CRM: Create_dataverse_lead"],
    });
  });

  it("reports a dead-lettered lead with each target's status", () => {
    const v = judgeRun(false, "Failed", [
      act("Archive_raw_lead", "Succeeded"),
      act("Create_dataverse_lead", "Succeeded", "Created"),
      act("Send_email_notice", "Failed", "Unauthorized"),
      act("Mark_delivered", "Skipped"),
      act("Mark_dead_letter", "Succeeded"),
    ]);
    assert.deepStrictEqual(v, {
      ok: false,
      lines: [
        "run status: Failed",
        "Create_dataverse_lead: Succeeded (Created)",
        "Send_email_notice: Failed (Unauthorized)",
        "problem: Mark_delivered is Skipped",
        "problem: the lead was dead-lettered (archived; replay it once the target is back)",
        "problem: the run is Failed",
      ],
    });
  });

  it("names a duplicate (the sample sent twice within the dedup window) and how to check a delivery again", () => {
    const v = judgeRun(false, "Succeeded", [
      act("Archive_raw_lead", "Succeeded"),
      act("Mark_duplicate", "Succeeded"),
      act("Create_dataverse_lead", "Skipped"),
      act("Mark_delivered", "Skipped"),
    ]);
    assert.deepStrictEqual(v, {
      ok: false,
      lines: [
        "run status: Succeeded",
        "problem: the lead is a duplicate of one already delivered (same e-mail, offer and action within " +
          "dedupWindowDays): nothing was sent. To check a delivery again, send a new e-mail: " +
          'sed "s/someone@/verify-$(date +%s)@/" samples/full-lead.json > /tmp/lead.json, then --sample /tmp/lead.json',
      ],
    });
  });

  it("verifyRun sends the sample, waits for the run and judges it: the report is what --json prints", async () => {
    const statuses = ["Running", "Succeeded"];
    const said: string[] = [];
    const url = "https://prod-1.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET";
    const report = await verifyRun({ url, subscription: "sub", resourceGroup: "rg", workflow: "wf" }, "validate", 30, {
      send: async () => ({ status: 200, milliseconds: 42, body: { status: "accepted", runId: "08584run" } }),
      reader: async (...where) => {
        assert.deepStrictEqual(where, ["sub", "rg", "wf"]);
        return {
          runStatus: async () => statuses.shift()!,
          actions: async () => [act("Archive_raw_lead", "Succeeded"), act("Mark_test_lead", "Succeeded")],
        };
      },
      say: (line) => said.push(line),
      pollMs: 1,
    });
    assert.deepStrictEqual(report, {
      sample: "validate",
      http: { status: 200, milliseconds: 42, body: { status: "accepted", runId: "08584run" } },
      runId: "08584run",
      runStatus: "Succeeded",
      runChecked: true,
      ok: true,
      lines: ["run status: Succeeded"],
    });
    assert.deepStrictEqual(
      said.map((l) => l.replace(/after \d+ s/, "after N s")),
      [
        "POST https://prod-1.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?<signature hidden> (sample: validate)",
        'HTTP 200 in 42 ms: {"status":"accepted","runId":"08584run"}',
        "Waiting for run 08584run (CRM calls go on after the answer; up to 30 s)...",
        "run 08584run is Running after N s; waiting (up to --wait)",
      ],
    );
    // Not answered 200: no run is read, and the report says so.
    const refused = await verifyRun({ url, subscription: "sub", resourceGroup: "rg", workflow: "wf" }, "full", 30, {
      send: async () => ({ status: 401, milliseconds: 5, body: { error: { code: "Unauthorized" } } }),
      reader: async () => assert.fail("no run to read"),
      say: () => undefined,
    });
    assert.deepStrictEqual(
      [refused.ok, refused.runChecked, refused.runStatus, refused.lines],
      [false, false, undefined, []],
    );
    // A URL alone: the answer is all that is checked, and the report says so.
    const answerOnly = await verifyRun({ url }, "validate", 30, {
      send: async () => ({ status: 200, milliseconds: 5, body: { status: "accepted", runId: "08584run" } }),
      reader: async () => assert.fail("no workflow to read"),
      say: () => undefined,
    });
    assert.deepStrictEqual(
      [answerOnly.ok, answerOnly.runChecked, answerOnly.lines],
      [
        true,
        false,
        [
          "Endpoint answered 200; the run was not checked (archived? delivered?): give --stack (or --subscription, " +
            "--resource-group, --workflow) to check it.",
        ],
      ],
    );
  });

  it("waits while the run is still running, saying so", async () => {
    const statuses = ["Running", "Waiting", "Succeeded"];
    const reader: RunReader = { runStatus: async () => statuses.shift()!, actions: async () => [] };
    const said: string[] = [];
    assert.strictEqual(await waitForRun(reader, "run-1", 5000, 1, (line) => said.push(line)), "Succeeded");
    assert.deepStrictEqual(statuses, []);
    assert.deepStrictEqual(
      said.map((l) => l.replace(/after \d+ s/, "after N s")),
      [
        "run run-1 is Running after N s; waiting (up to --wait)",
        "run run-1 is Waiting after N s; waiting (up to --wait)",
      ],
    );
  });
});
