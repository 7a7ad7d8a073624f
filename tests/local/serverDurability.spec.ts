/**
 * "A crash loses no lead that was answered 200", for the whole local server (`npm start` as a child process,
 * its Azurite and journal): killed after accepted leads, stopped and killed while a run still delivers, and
 * two stacks at once. Each case prints and asserts: accepted (200) = archived, 0 lost. Loopback only.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEV_ACCOUNT } from "../../local/azurite";
import { loadStack } from "../../program/stacks";
import { LEADKIT, runCli } from "../support/cli";
import { archivedEmails, archiveRows, emailsOf, load, report, Row, waitFor } from "../support/leadLoad";

/** `npm start` (node cli/leadkit.js serve) as a child process, in its own state folder. */
class Cli {
  readonly child: ChildProcess;
  out = "";
  constructor(stateDir: string, stack: string) {
    const args = [...LEADKIT, "serve", "--stack", stack, "--port", "0"];
    this.child = spawn(process.execPath, [...args, "--state-dir", stateDir], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.out += d.toString()));
  }
  async url(): Promise<string> {
    await waitFor(
      () => /\n {2}(http:\/\/\S+sig=\S+)/.test(this.out) || this.child.exitCode !== null,
      "the callback URL",
    );
    const m = /\n {2}(http:\/\/\S+sig=\S+)/.exec(this.out);
    if (!m) throw new Error(`npm start failed: ${this.out}`);
    return m[1];
  }
  exited(): Promise<number | null> {
    return this.child.exitCode !== null
      ? Promise.resolve(this.child.exitCode)
      : new Promise((r) => this.child.once("exit", (code) => r(code)));
  }
}

/**
 * The archive rows a stopped `npm start` of `stack` left in Azurite's data file, read from the file: what Azurite
 * saved (on SIGINT), without the journal and without starting Azurite again to ask it (0.7 CPU-s a read), where a
 * restart is not what is tested. Azurite keeps its tables in one LokiJS file, `__azurite_db_table__.json`: a
 * collection per `<account>$<table>`, each row's columns in `properties` (src/table/persistence/
 * LokiTableMetadataStore.ts); a file of another shape fails here, naming what it holds.
 */
function savedArchive(stateDir: string, stack: string): Row[] {
  const file = path.join(stateDir, ".azurite", stack, "__azurite_db_table__.json");
  const { collections } = JSON.parse(fs.readFileSync(file, "utf8")) as {
    collections: Array<{ name: string; data: Array<{ properties: Row }> }>;
  };
  const name = `${DEV_ACCOUNT}$${loadStack(stack).config.archiveTableName}`;
  const table = collections.find((c) => c.name === name);
  assert.ok(table, `${file} has no ${name}: ${collections.map((c) => c.name).join(", ")}`);
  return table.data.map((row) => row.properties);
}

const tablesOf = (stateDir: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(stateDir, ".local-runs", "endpoint.json"), "utf8")) as {
      tablesConnectionString: string;
    }
  ).tablesConnectionString;

describe("durability: the whole local server (npm start)", function () {
  this.timeout(180000);
  let dir: string;
  const started: Cli[] = [];
  const start = (stack: string) => {
    const cli = new Cli(dir, stack);
    started.push(cli);
    return cli;
  };
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-cli-"))));
  afterEach(async () => {
    for (const cli of started.splice(0))
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill("SIGTERM");
        await cli.exited();
      }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("SIGKILLed with its Azurite right after N accepted leads, then started again: no accepted lead lost", async () => {
    const first = start("dev");
    // 8 leads (two of load()'s rounds of 4): the kill tests that journaled writes Azurite had not saved come back,
    // whatever their number; each lead is a run (about 45 ms of CPU, server and Azurite), and 20 tested no more.
    const accepted = await load(await first.url(), "kill", 8, 0, () => undefined);
    // Azurite too, at once, so it cannot save on its way out: the rows must come from the journal.
    const owner = JSON.parse(fs.readFileSync(path.join(dir, ".azurite", "dev", "owner.json"), "utf8"));
    first.child.kill("SIGKILL");
    process.kill(owner.azurite, "SIGKILL");
    await first.exited();
    assert.ok(fs.statSync(path.join(dir, ".azurite", "dev", "tables.journal")).size > 0, "journal kept for replay");
    const second = start("dev");
    await second.url();
    assert.match(second.out, /Replayed \d+ journaled table write\(s\) the last run had not saved\./);
    report(
      "server SIGKILL after the last answer",
      accepted,
      await archivedEmails(tablesOf(dir), loadStack("dev").config.archiveTableName),
    );
    assert.strictEqual(fs.statSync(path.join(dir, ".local-runs", "endpoint.json")).mode & 0o777, 0o600);
  });

  it("SIGTERM stops Azurite with SIGINT (saved, journal emptied, exit 0)", async () => {
    const cli = start("dev");
    // 5 leads (was 10): what is tested is the save on SIGINT, not the count.
    const accepted = await load(await cli.url(), "term", 5, 0, () => undefined);
    cli.child.kill("SIGTERM");
    assert.strictEqual(await cli.exited(), 0);
    assert.strictEqual(fs.statSync(path.join(dir, ".azurite", "dev", "tables.journal")).size, 0);
    // The journal is empty: every row must come from what Azurite saved on SIGINT.
    report("server SIGTERM", accepted, emailsOf(savedArchive(dir, "dev")));
  });

  it("SIGTERM while a run still delivers: the run ends before Azurite stops, its row saved as delivered", async () => {
    const cli = start("dev");
    const url = await cli.url();
    const slow = await runCli(["standin", "webhook", "slow", "--ms", "4000", "--state-dir", dir]);
    assert.strictEqual(slow.code, 0, slow.stderr);
    const [accepted] = await load(url, "drain", 1, 0, () => undefined);
    assert.ok(accepted, "the lead was answered 200");
    // The webhook stand-in holds the run's call 4 s, longer than the server's own wait for requests in flight
    // (3 s; the stand-ins answer on it): without waiting for the run, the row stayed "received".
    cli.child.kill("SIGTERM");
    assert.strictEqual(await cli.exited(), 0);
    assert.match(cli.out, /Waiting up to 10 s for 1 run still delivering \(Ctrl-C again stops at once\)\./);
    const rows = savedArchive(dir, "dev").filter((row) => String(row.LeadJson).includes(accepted));
    assert.deepStrictEqual(
      rows.map((row) => row.Status),
      ["delivered"],
    );
  });

  it("SIGKILLed while a run still delivers: after a restart, replay --local flags the row for review and sends nothing", async () => {
    const first = start("dev");
    const url = await first.url();
    const slow = await runCli(["standin", "webhook", "slow", "--ms", "1500", "--state-dir", dir]);
    assert.strictEqual(slow.code, 0, slow.stderr);
    const [accepted] = await load(url, "cut", 1, 0, () => undefined);
    const owner = JSON.parse(fs.readFileSync(path.join(dir, ".azurite", "dev", "owner.json"), "utf8"));
    first.child.kill("SIGKILL"); // mid-run: the webhook stand-in holds the run's call 1.5 s
    process.kill(owner.azurite, "SIGKILL");
    await first.exited();
    const again = start("dev");
    await again.url();
    // The operator's list says what the row is and what settles it.
    const before = await runCli(["leads", "--status", "received", "--json", "--state-dir", dir]);
    const received = JSON.parse(before.stdout) as Array<{ outcome: { verdict: string; words: string } }>;
    assert.deepStrictEqual(
      received.map((l) => [l.outcome.verdict, l.outcome.words]),
      [
        [
          "run-ended",
          "still received, but its run has ended without marking it: `npm run replay -- --local` settles it " +
            "(delivered if every target has it, else needs-review; never re-sent)",
        ],
      ],
    );
    const replay = await runCli(["replay", "--local", "--state-dir", dir]);
    assert.strictEqual(replay.code, 1, "a row that needs a person fails the command");
    assert.match(
      replay.stdout,
      /^needs-review +\d{4}-\d{2}\/(\d+) {2}Status is still received but run \1 has ended: (\w+(,\w+)*) may or may not have the lead/m,
    );
    assert.match(replay.stdout, /0 replayed, 0 repaired, 1 needs-review, 0 failed, 0 skipped/);
    const rows = (await archiveRows(tablesOf(dir), loadStack("dev").config.archiveTableName)).filter((row) =>
      String(row.LeadJson).includes(accepted),
    );
    assert.deepStrictEqual(
      rows.map((r) => [r.Status, r.ReplayOf]),
      [["needs-review", ""]],
      "one row, flagged; no replay of it",
    );
    // The operator's list says why, in the replay's own words.
    const leads = await runCli(["leads", "--status", "needs-review", "--json", "--state-dir", dir]);
    const [listed] = JSON.parse(leads.stdout) as Array<{ outcome: { words: string } }>;
    assert.strictEqual(listed.outcome.words, `needs review: ${rows[0].ReviewReason}`);
  });

  it("two stacks at once keep their own data; the same stack twice is refused", async () => {
    const [dev, prod] = [start("dev"), start("prod")];
    const [devUrl, prodUrl] = await Promise.all([dev.url(), prod.url()]);
    const [devAccepted, prodAccepted] = await Promise.all([
      load(devUrl, "dev", 5, 0, () => undefined),
      load(prodUrl, "prod", 5, 0, () => undefined),
    ]);
    // The commands: with both running, which one is asked for; then they act on that stack's archive.
    const ambiguous = await runCli(["leads", "--json", "--state-dir", dir]);
    assert.deepStrictEqual(
      [ambiguous.code, ambiguous.stderr.replace(/127\.0\.0\.1:\d+/g, "PORT")],
      [
        2,
        "leads: 2 local endpoints are running (dev on PORT, prod on PORT): put LEADKIT_LOCAL_STACK=<stack> before " +
          "the command, e.g. LEADKIT_LOCAL_STACK=dev.\nRun with --help for usage.\n",
      ],
    );
    const prodLeads = await runCli(["leads", "--json", "--top", "100", "--state-dir", dir], {
      LEADKIT_LOCAL_STACK: "prod",
    });
    assert.strictEqual(prodLeads.code, 0, prodLeads.stderr);
    assert.strictEqual((JSON.parse(prodLeads.stdout) as unknown[]).length, prodAccepted.length, "prod's leads only");
    const twice = start("dev");
    assert.notStrictEqual(await twice.exited(), 0);
    assert.match(
      twice.out,
      /The local data folder .*dev is in use by process \d+ \(another local endpoint of this stack\)/,
    );
    for (const cli of [dev, prod]) cli.child.kill("SIGTERM");
    await Promise.all([dev.exited(), prod.exited()]);
    for (const [stack, accepted] of [
      ["dev", devAccepted],
      ["prod", prodAccepted],
    ] as const) {
      const archived = emailsOf(savedArchive(dir, stack));
      report(`stack ${stack} of two at once`, accepted, archived);
      assert.strictEqual(archived.size, accepted.length, `${stack}'s folder holds its own leads only`);
    }
  });
});
