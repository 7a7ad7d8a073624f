/**
 * The operator commands in Azure, as you: a table Azure refuses (403) and a missing sign-in are said with the role,
 * the scope and the commands that fix them, against a stub table service (no Azure here).
 */
import * as assert from "assert";
import { AzureNamedKeyCredential, TableClient, TableServiceClientOptions } from "@azure/data-tables";
import * as http from "http";
import { AddressInfo } from "net";
import { asYouOptions, findRow, signedIn, stackSettings } from "../../ops/archive";
import { describeRow } from "../../ops/outcome";
import { checkArchive, reportLines, reportOf } from "../../ops/send";

/** A stub table service on a free loopback port (no Azure here); resolves with its URL. */
async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Table LeadArchive of account leadsdevst on the stub at `url`. */
const stubTable = (url: string, options: TableServiceClientOptions) =>
  new TableClient(url, "LeadArchive", new AzureNamedKeyCredential("leadsdevst", Buffer.from("k").toString("base64")), {
    allowInsecureConnection: true,
    ...options,
  });

describe("operator commands in Azure: access refused", function () {
  let server: http.Server;
  let url: string;
  before(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(403, { "content-type": "application/json", "x-ms-error-code": "AuthorizationPermissionMismatch" });
      res.end(JSON.stringify({ "odata.error": { code: "AuthorizationPermissionMismatch", message: { value: "no" } } }));
    });
    url = await listen(server);
  });
  after(() => server.close());

  const table = () => stubTable(url, asYouOptions("leadsdevst"));
  const fix = (verb: string, role: string) =>
    `Azure Table storage refused to ${verb} table LeadArchive of account leadsdevst as you (403 ` +
    "AuthorizationPermissionMismatch): owning or creating the account gives no access to its tables. Give yourself " +
    `Storage Table Data ${role} on it, then run the command again (a new role takes up to 10 minutes): az role ` +
    'assignment create --assignee-object-id "$(az ad signed-in-user show --query id --output tsv)" ' +
    `--assignee-principal-type User --role "Storage Table Data ${role}" --scope ` +
    '"$(az storage account show --name leadsdevst --query id --output tsv)/tableServices/default/tables/LeadArchive"';

  it("a read refused names Storage Table Data Reader on that table, a change Contributor, with the az command", async () => {
    await assert.rejects(table().listEntities().next(), { message: fix("read", "Reader") });
    await assert.rejects(table().getEntity("2026-11", "run1"), { message: fix("read", "Reader") });
    await assert.rejects(table().updateEntity({ partitionKey: "2026-11", rowKey: "run1", Status: "x" }, "Merge"), {
      message: fix("change", "Contributor"),
    });
  });

  it("no sign-in says to sign in, keeping the first line of why", async () => {
    const none = signedIn({
      getToken: async () => {
        throw new Error("ChainedTokenCredential authentication failed.\nCredentialUnavailableError: az not found");
      },
    });
    await assert.rejects(none.getToken("https://storage.azure.com/.default"), {
      message:
        "No Azure sign-in for Table storage (ChainedTokenCredential authentication failed.): run `az login`, and " +
        "`az account set --subscription <id>` for the stack's subscription, then run the command again.",
    });
  });

  it("send: a lead accepted whose delivery cannot be read keeps its answer and run, and says not to send it again", async () => {
    const http = { status: 200, body: { status: "accepted", runId: "08584run1" }, milliseconds: 120 };
    const refused = async () => {
      throw new Error("Azure Table storage refused to read table LeadArchive ...");
    };
    const report = await reportOf(http, refused, 5000, 10);
    assert.deepStrictEqual(reportLines(report), [
      'HTTP 200 in 120 ms: {"status":"accepted","runId":"08584run1"}',
      "Outcome: accepted (archived as run 08584run1), but its delivery could not be checked: do not send it again. " +
        "Azure Table storage refused to read table LeadArchive ...",
    ]);
    assert.strictEqual(report.unchecked, "Azure Table storage refused to read table LeadArchive ...");
  });

  it("a deployed stack's settings come from its own stack file, never from examples/ (their window is not its)", async () => {
    const saved = process.env.LEADKIT_EXAMPLE_STACKS;
    delete process.env.LEADKIT_EXAMPLE_STACKS; // as outside the tests: your own stack files count
    try {
      await assert.rejects(stackSettings("prod", "give --days and --dedup-window", { deployed: true }), {
        message:
          'cannot read stack prod\'s settings (Stack "prod" has no file Pulumi.prod.yaml next to Pulumi.yaml: the ' +
          "examples/ stack of that name is not what was deployed): give --days and --dedup-window.",
      });
      assert.strictEqual((await stackSettings("prod", "x")).dedupWindowDays, 30, "npm start's stacks: the examples");
    } finally {
      process.env.LEADKIT_EXAMPLE_STACKS = saved;
    }
  });
});

describe("send --account: waiting on the lead's own archive row", function () {
  let server: http.Server;
  let url: string;
  let requests: string[];
  /** Answers for the row: 404 `notFound` until `readsBeforeRow` reads were made, then the row, delivered. */
  let readsBeforeRow: number;
  let notFound: "ResourceNotFound" | "TableNotFound";
  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${decodeURIComponent(req.url!)}`);
      res.setHeader("content-type", "application/json;odata=nometadata");
      if (requests.length <= readsBeforeRow) {
        res.writeHead(404, { "x-ms-error-code": notFound });
        res.end(JSON.stringify({ "odata.error": { code: notFound, message: { value: "none" } } }));
        return;
      }
      const row = { PartitionKey: "2026-11", RowKey: "08584run1", Status: "delivered", Sent_webhook: "sent" };
      res.writeHead(200);
      res.end(JSON.stringify(req.url!.includes("$filter") ? { value: [row] } : row));
    });
    url = await listen(server);
  });
  after(() => server.close());
  beforeEach(() => {
    requests = [];
    notFound = "ResourceNotFound";
  });

  const table = () => stubTable(url, { retryOptions: { maxRetries: 0 } });
  const outcomeOf = (runId: string, row?: string) =>
    findRow(table(), runId, row).then((found) => found && describeRow(found));
  const answer = (body: object) => ({
    status: 200,
    body: { status: "accepted", runId: "08584run1", ...body },
    milliseconds: 90,
  });

  it("reads the row the answer names by its keys (not yet written: 404, then read again), never a query of every partition", async () => {
    readsBeforeRow = 1;
    const report = await reportOf(answer({ row: "2026-11/08584run1" }), outcomeOf, 5000, 10);
    const read = "GET /LeadArchive(PartitionKey='2026-11',RowKey='08584run1')";
    assert.deepStrictEqual(requests, [read, read]);
    assert.strictEqual(report.outcome?.verdict, "delivered", JSON.stringify(report.outcome));
  });

  it("without a row in the answer (an endpoint deployed before the answer named it), queries by the run id", async () => {
    readsBeforeRow = 0;
    const report = await reportOf(answer({}), outcomeOf, 5000, 10);
    assert.deepStrictEqual(
      requests.map((r) => r.replace(/&.*$/, "")),
      ["GET /LeadArchive()?$filter=RowKey eq '08584run1'"],
    );
    assert.strictEqual(report.outcome?.verdict, "delivered", JSON.stringify(report.outcome));
  });

  it("a table that does not exist (404 TableNotFound) is not a row still to come: the outcome is unchecked, not 'not archived'", async () => {
    readsBeforeRow = 100;
    notFound = "TableNotFound";
    const report = await reportOf(answer({ row: "2026-11/08584run1" }), outcomeOf, 5000, 10);
    assert.strictEqual(report.outcome, undefined);
    assert.match(report.unchecked ?? "", /TableNotFound/);
    assert.strictEqual(requests.length, 1, "no polling of a table that is not there");
  });

  it("send's check before the POST: a missing row passes, a missing table names --table and the output to give", async () => {
    readsBeforeRow = 100;
    await checkArchive(table(), "leadsdevst", "LeadArchive");
    notFound = "TableNotFound";
    await assert.rejects(checkArchive(table(), "leadsdevst", "LeadArchive"), {
      message:
        "storage account leadsdevst has no table LeadArchive: give --table with the stack's archive table " +
        "(`pulumi stack output archiveTableName`).",
    });
  });

  it("an answer whose row names another run, or no text, is not read by keys: the query by run id is made", async () => {
    readsBeforeRow = 0;
    for (const row of ["2026-11/08584run2", 42]) {
      requests = [];
      const report = await reportOf(answer({ row }), outcomeOf, 5000, 10);
      assert.deepStrictEqual(
        requests.map((r) => r.replace(/&.*$/, "")),
        ["GET /LeadArchive()?$filter=RowKey eq '08584run1'"],
      );
      assert.strictEqual(report.outcome?.verdict, "delivered");
    }
  });
});
