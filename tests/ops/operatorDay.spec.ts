/**
 * The operator's day against a running local endpoint (its own Azurite, so no other spec's rows):
 * send says what became of each lead, leads lists and shows the archive with PII hidden, the
 * stand-in command and replay close the dead-letter loop. Each command runs as a child process, as a user
 * runs it, at least once; its further calls go through the CLI's own dispatch in this process (exit code,
 * stdout and stderr alike), without a node start and the command's modules loaded anew each time.
 */
import { TableClient } from "@azure/data-tables";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Azurite, startAzurite } from "../../local/azurite";
import { LocalEndpoint } from "../../local/endpoint";
import { LocalServer, startLocalServer } from "../../local/server";
import { loadStack } from "../../program/stacks";
import { runCli } from "../support/cli";
import { leadkitInProcess } from "../support/leadkitInProcess";

/** A Partner Center lead no earlier test sent (dedup claims would make a resent one a duplicate). */
function freshLead(dir: string, name: string): { file: string; email: string } {
  const lead = JSON.parse(fs.readFileSync("samples/full-lead.json", "utf8"));
  const email = `${name}-${Date.now()}@contoso.com`;
  lead.UserDetails.Email = email;
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(lead));
  return { file, email };
}

describe("operator's day (local endpoint)", function () {
  this.timeout(120000);
  let azurite: Azurite;
  let server: LocalServer;
  let archive: TableClient;
  let state: string;
  const stack = loadStack("dev");

  before(async () => {
    azurite = await startAzurite();
    const endpoint = new LocalEndpoint({ stack, tablesConnectionString: azurite.connectionString, retryScale: 0 });
    await endpoint.prepare();
    server = await startLocalServer({ endpoint, key: "k", adminToken: "admin-t", triggerName: "manual" });
    state = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-day-"));
    fs.mkdirSync(path.join(state, ".local-runs"));
    fs.writeFileSync(
      path.join(state, ".local-runs", "endpoint.json"),
      JSON.stringify({
        url: server.callbackUrl,
        stack: "dev",
        port: server.port,
        tablesConnectionString: azurite.connectionString,
        archiveTableName: stack.config.archiveTableName,
        adminToken: "admin-t",
      }),
    );
    archive = TableClient.fromConnectionString(azurite.connectionString, stack.config.archiveTableName, {
      allowInsecureConnection: true,
    });
  });
  after(async () => {
    await server.close();
    await azurite.stop();
    fs.rmSync(state, { recursive: true, force: true });
  });

  /** As a user runs it: a child process. */
  const cli = (...args: string[]) => runCli([...args, "--state-dir", state]);
  /** A command this file runs as a child elsewhere, again: in this process. */
  const again = (...args: string[]) => leadkitInProcess([...args, "--state-dir", state]);
  const row = async (runId: string) => {
    for await (const r of archive.listEntities({ queryOptions: { filter: `RowKey eq '${runId}'` } })) return r;
    throw new Error(`no row ${runId}`);
  };
  /** Says on stderr whether the CLI loaded fetch's engine (undici). */
  const probe = { NODE_OPTIONS: `--require ${path.join(__dirname, "..", "fixtures", "undiciProbe.js")}` };
  const runIdOf = (stdout: string) => /"runId":"(\d+)"/.exec(stdout)![1];

  let deliveredRun = "";
  let deadRun = "";
  let deadEmail = "";

  it("send prints the targets a lead reached, with the CRM record id, and exits 0", async () => {
    const { file } = freshLead(state, "delivered");
    // CLI start-up: node:http, not fetch (see the stand-in test below).
    const r = await runCli(["send", "--sample", file, "--state-dir", state], probe);
    assert.strictEqual(r.stderr, "undici loaded: false\n");
    assert.strictEqual(r.code, 0, r.stderr);
    deliveredRun = runIdOf(r.stdout);
    const recordId = String((await row(deliveredRun)).Sent_dataverse);
    assert.match(recordId, /^[0-9a-f-]{36}$/);
    const outcome = r.stdout.split("\n").find((l) => l.startsWith("Outcome: "));
    assert.strictEqual(outcome, `Outcome: delivered to dataverse (record ${recordId}), email, webhook`);
  });

  it("a resent lead: duplicate of which row; the Validate lead: set aside", async () => {
    const { file } = freshLead(state, "dup");
    const first = await again("send", "--sample", file);
    const resent = await again("send", "--sample", file);
    assert.strictEqual(resent.code, 0, resent.stderr);
    const partition = String((await row(runIdOf(first.stdout))).partitionKey);
    assert.ok(
      resent.stdout.includes(
        `Outcome: duplicate of row ${partition}/${runIdOf(first.stdout)}: archived, not delivered again\n`,
      ),
      resent.stdout,
    );
    const test = await again("send", "--sample", "validate");
    assert.strictEqual(test.code, 0);
    assert.ok(test.stdout.includes("Outcome: test lead set aside: archived, sent to no CRM\n"), test.stdout);
  });

  it("verify --json against any endpoint (the signed URL from the environment): one object on stdout", async () => {
    const r = await runCli(["verify", "--sample", "validate", "--json"], { LEADKIT_CALLBACK_URL: server.callbackUrl });
    assert.strictEqual(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepStrictEqual(
      [report.sample, report.http.status, report.runId, report.ok, report.runChecked, report.runStatus, report.lines],
      [
        "validate",
        200,
        report.http.body.runId,
        true,
        false,
        undefined,
        [
          "Endpoint answered 200; the run was not checked (archived? delivered?): give --stack (or --subscription, " +
            "--resource-group, --workflow) to check it.",
        ],
      ],
    );
    assert.match(report.runId, /^\d+$/);
    // What a person reads went to stderr, the signature hidden.
    assert.match(
      r.stderr,
      /^POST http:\/\/127\.0\.0\.1:\d+\/\S+\?<signature hidden> \(sample: validate\)\nHTTP 200 in \d+ ms: /,
    );
  });

  it("a stand-in down: send exits 1 naming the failing target and its error; --json for scripts", async () => {
    const down = await cli("standin", "dataverse", "down");
    assert.strictEqual(down.code, 0, down.stderr);
    assert.strictEqual(down.stdout, "dataverse stand-in: down\n");
    const states = await again("standin"); // no arguments: what each stand-in does now
    assert.strictEqual(states.code, 0, states.stderr);
    assert.deepStrictEqual(states.stdout.split("\n").slice(0, 2), ["dataverse   down", "salesforce  up"]);
    const lead = freshLead(state, "dead");
    deadEmail = lead.email;
    const r = await cli("send", "--sample", lead.file, "--json");
    assert.strictEqual(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    deadRun = report.runId;
    assert.strictEqual(report.http.status, 200);
    assert.strictEqual(report.outcome.verdict, "dead-letter");
    assert.deepStrictEqual(report.outcome.failedTargets, ["dataverse"]);
    assert.strictEqual(
      report.outcome.error,
      "Create_dataverse_lead Failed: connect ECONNREFUSED (commondataservice stand-in is down)",
    );
    assert.deepStrictEqual(Object.keys(report.outcome.sent).sort(), ["email", "webhook"]);
  });

  it("leads lists by status and target with personal fields hidden; show --show-pii reveals them", async () => {
    const list = await cli("leads", "--status", "dead-letter", "--json");
    assert.strictEqual(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout);
    assert.deepStrictEqual(
      rows.map((r: { row: string }) => r.row),
      [deadRun],
    );
    assert.ok(!list.stdout.includes(deadEmail), "the e-mail is hidden");
    assert.match(rows[0].columns.LeadJson, /^<hidden: \d+ characters; --show-pii shows it>$/);
    const none = await again("leads", "--target", "salesforce");
    assert.strictEqual(none.stdout, "No archived leads match.\n");
    // As send, replay and forget print it: <partition>/<row key>.
    const shown = await again("leads", "show", `${rows[0].partition}/${deadRun}`, "--show-pii");
    assert.strictEqual(shown.code, 0);
    assert.ok(shown.stdout.includes(deadEmail));
    assert.ok(shown.stdout.includes("Outcome: dead-lettered: dataverse failed"), shown.stdout);
    const text = await again("leads", "--since", "2000-01-01");
    assert.ok(text.stdout.includes(`${deliveredRun}  delivered`), text.stdout);
    const all = Number(/^(\d+) lead\(s\)\. Details/m.exec(text.stdout)?.[1]);
    const cut = await again("leads", "--since", "2000-01-01", "--top", "1");
    assert.ok(all > 1, text.stdout);
    assert.ok(
      cut.stdout.endsWith(
        `\n1 lead(s). Showing the newest 1 of ${all}: raise --top. Details: npm run leads -- show <row key>\n`,
      ),
      cut.stdout,
    );
    const badDate = await again("leads", "--since", "yesterday");
    assert.strictEqual(badDate.code, 2);
    assert.ok(badDate.stderr.startsWith('leads: --since is "yesterday": give a date as YYYY-MM-DD'), badDate.stderr);
  });

  it("stand-in up, then replay --local delivers the dead letter and exits 0", async () => {
    // CLI start-up: send and standin talk to npm start over node:http, not fetch, whose engine (undici and its
    // WebAssembly parser) cost 0.3 CPU-s per start.
    const up = await runCli(["standin", "dataverse", "up", "--state-dir", state], probe);
    assert.deepStrictEqual([up.code, up.stderr], [0, "undici loaded: false\n"]);
    const r = await cli("replay", "--local", "--wait", "30");
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^replayed {5}\S+ {2}new run \d+ -> new run delivered$/m);
    assert.ok(
      r.stdout.includes(
        "1 replayed, 0 repaired, 0 needs-review, 0 failed, 0 skipped, 0 deferred; 0 dead-lettered again",
      ),
    );
    // The retention purge on demand: nothing here is a year old; --days 0 turns it off.
    const purge = await cli("purge", "--local", "--json");
    assert.strictEqual(purge.code, 0, purge.stderr);
    const counts = JSON.parse(purge.stdout);
    assert.deepStrictEqual(
      [counts.table, counts.dedupTable, counts.retentionDays, counts.dedupWindowDays, counts.archiveRows],
      [stack.config.archiveTableName, stack.config.dedupTableName, 365, stack.config.dedupWindowDays, 0],
    );
    assert.deepStrictEqual([counts.dedupClaims, counts.dryRun], [0, false]);
    const day = 86_400_000;
    assert.ok(Math.abs(Date.parse(counts.archiveCutoff) - (Date.now() - 365 * day)) < 60_000, counts.archiveCutoff);
    const dry = await again("purge", "--local", "--dry-run");
    assert.ok(
      dry.stdout.startsWith(`${stack.config.archiveTableName}: would delete 0 lead(s) received before `),
      dry.stdout,
    );
    const off = await again("purge", "--local", "--days", "0");
    assert.deepStrictEqual([off.code, off.stdout], [0, "Retention is off (--days 0): nothing deleted.\n"]);
    const both = await again("purge", "--local", "--account", "leadsdev");
    assert.deepStrictEqual(
      [both.code, both.stderr],
      [2, "purge: --local excludes --stack and --account: pick one place.\nRun with --help for usage.\n"],
    );
    // Once more, for a script: nothing is owed now.
    const owed = await again("replay", "--local", "--json");
    assert.strictEqual(owed.code, 0, owed.stderr);
    assert.deepStrictEqual(JSON.parse(owed.stdout), {
      outcomes: [],
      counts: {
        replayed: 0,
        repaired: 0,
        "needs-review": 0,
        failed: 0,
        skipped: 0,
        deferred: 0,
        deadLetteredAgain: 0,
        stillRunning: 0,
      },
    });
  });
});
