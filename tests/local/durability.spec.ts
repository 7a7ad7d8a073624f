/**
 * "A lead is answered 200 only after its archive write is durable; a crash loses no lead that was answered
 * 200." Storage killed mid-load, and the whole local server killed, over real loopback HTTP; each case
 * prints and asserts: accepted (200) = archived, 0 lost. Bounded counts, loopback only.
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { freePort, startAzurite, tableEntry } from "../../local/azurite";
import { DurableTables, Recovery, startDurableTables } from "../../local/durableTables";
import { LocalEndpoint } from "../../local/endpoint";
import { LocalServer, startLocalServer } from "../../local/server";
import { readJournal, replayJournal } from "../../local/tableJournal";
import { loadStack, stackFromSettings } from "../../program/stacks";
import { LEADKIT, runCli } from "../support/cli";

const TABLE = "LeadArchiveDurable";
const STACK = stackFromSettings("durable", {
  targets: "webhook",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: TABLE,
});

const lead = (tag: string, i: number) =>
  JSON.stringify({ UserDetails: { Email: `${tag}${i}@contoso.com`, LastName: `L${i}` }, ActionCode: "INS" });

/** Posts `count` leads, `width` at a time; calls `midway` once after `at` answers. Returns accepted e-mails. */
async function load(url: string, tag: string, count: number, at: number, midway: () => void): Promise<string[]> {
  const accepted: string[] = [];
  let next = 0;
  let answered = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: lead(tag, i),
      });
      await res.arrayBuffer();
      if (res.status === 200) accepted.push(`${tag}${i}@contoso.com`);
      if (++answered === at) midway();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return accepted;
}

type Row = Record<string, unknown>;

async function archiveRows(connectionString: string, table: string): Promise<Row[]> {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  const rows: Row[] = [];
  for await (const row of client.listEntities()) rows.push(row);
  return rows;
}

const emailsOf = (rows: Row[]) =>
  new Set(rows.map((row) => JSON.parse(String(row.LeadJson)).UserDetails.Email as string));

const archivedEmails = async (connectionString: string, table: string) =>
  emailsOf(await archiveRows(connectionString, table));

function report(label: string, accepted: string[], archived: Set<string>): void {
  const lost = accepted.filter((e) => !archived.has(e));
  console.log(`      ${label}: accepted (200) ${accepted.length}, archived ${archived.size}, lost ${lost.length}`);
  assert.deepStrictEqual(lost, [], "every lead answered 200 has its archive row");
  assert.ok(accepted.length > 0);
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 60000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("durability: storage killed mid-load (journaled tables)", function () {
  this.timeout(120000);
  let dir: string;
  let tables: DurableTables;
  let endpoint: LocalEndpoint;
  let server: LocalServer;
  const logs: string[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-durable-"));
    tables = await startDurableTables({ location: dir, log: (l) => logs.push(l) });
    endpoint = new LocalEndpoint({ stack: STACK, tablesConnectionString: tables.connectionString, retryScale: 0.02 });
    await endpoint.prepare();
    server = await startLocalServer({ endpoint, key: "k", triggerName: "manual" });
  });
  afterEach(async () => {
    await server.close();
    await tables.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    it(`Azurite ${signal}ed mid-load is restarted, the journal replayed: no accepted lead lost`, async () => {
      const accepted = await load(server.callbackUrl, signal, 40, 15, () => process.kill(tables.azurite.pid!, signal));
      await waitFor(
        () => endpoint.listRuns().length >= accepted.length && endpoint.listRuns().every((r) => r.status !== "Running"),
        "runs",
      );
      // Kill it once more with nothing saved since (SIGKILL: no autosave): the rows must come from the journal.
      const before = tables.restarts;
      process.kill(tables.azurite.pid!, "SIGKILL");
      await waitFor(() => tables.restarts === before + 1, "the second restart");
      await tables.ready();
      report(
        `Azurite ${signal} mid-load, then SIGKILL`,
        accepted,
        await archivedEmails(tables.connectionString, TABLE),
      );
      assert.strictEqual(tables.restarts, 2);
      assert.ok(
        logs.some((l) => /^Azurite exited unexpectedly \(SIGKILL\)/.test(l)),
        logs.join("\n"),
      );
    });
  }

  it("a clean stop saves in Azurite (SIGINT) and empties the journal; a restart finds every row", async () => {
    const accepted = await load(server.callbackUrl, "clean", 10, 0, () => undefined);
    assert.ok(fs.statSync(tables.journalFile).size > 0, "writes are journaled");
    await server.close();
    await tables.stop();
    assert.strictEqual(fs.statSync(tables.journalFile).size, 0, "journal emptied after the clean stop");
    tables = await startDurableTables({ location: dir, log: (l) => logs.push(l) });
    server = await startLocalServer({ endpoint, key: "k", triggerName: "manual" });
    report("clean stop", accepted, await archivedEmails(tables.connectionString, TABLE));
  });
});

describe("Azurite's bundled entry", function () {
  this.timeout(60000);
  const azuriteMain = path.join("node_modules", "azurite", "dist", "src", "table", "main.js");

  it("is built once into the cache and reused by the next start (every Azurite of these tests runs from it)", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-azb-"));
    const built = await tableEntry(cache);
    assert.match(path.basename(built), /^table-\d+\.\d+\.\d+-\d+\.\d+\.\d+\.js$/);
    assert.deepStrictEqual(fs.readdirSync(cache), [path.basename(built)], "no partial file left");
    const mtime = fs.statSync(built).mtimeMs;
    assert.strictEqual(await tableEntry(cache), built);
    assert.strictEqual(fs.statSync(built).mtimeMs, mtime, "not built again");
    fs.rmSync(cache, { recursive: true, force: true });
  });

  /** A port drawer whose first port is `taken`; every port it gives is pushed to `drawn`. */
  const takenFirst = (taken: number, drawn: number[]) => async () => {
    const port = drawn.length === 0 ? taken : await freePort();
    drawn.push(port);
    return port;
  };

  it("is up when it says so, not when something answers on its port: a taken port is drawn again", async () => {
    // Another server holds the port (two starts at once drew the same one): it answers there, yet this
    // Azurite exits with EADDRINUSE. Taking the other's answer made two stacks share one archive.
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const taken = (other.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startAzurite({ port: taken }), /^Error: Azurite exited with code 1: .*EADDRINUSE/s);
      const drawn: number[] = [];
      const azurite = await startAzurite({ drawPort: takenFirst(taken, drawn) });
      try {
        assert.deepStrictEqual([drawn.length, drawn[0], azurite.port], [2, taken, drawn[1]]);
        assert.ok(azurite.pid, "its own Azurite runs");
      } finally {
        await azurite.stop();
      }
      // npm start's tables: the failed first launch is not a crash to recover from (it was, before the
      // journal's Azurite existed: an uncaught ReferenceError ended npm start).
      const logged: string[] = [];
      const drawnAgain: number[] = [];
      const tables = await startDurableTables({
        location: fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-redraw-")),
        log: (line) => logged.push(line),
        drawPort: takenFirst(taken, drawnAgain),
      });
      try {
        assert.deepStrictEqual([drawnAgain.length, tables.azurite.port, tables.restarts], [2, drawnAgain[1], 0]);
        assert.deepStrictEqual(logged, []);
        const client = TableClient.fromConnectionString(tables.connectionString, "Redrawn", {
          allowInsecureConnection: true,
        });
        await client.createTable();
        await client.createEntity({ partitionKey: "p", rowKey: "r" });
        assert.strictEqual((await client.getEntity("p", "r")).rowKey, "r", "its own Azurite answers");
      } finally {
        await tables.stop();
      }
    } finally {
      other.close();
    }
  });

  it("an Azurite that does not start in time is stopped, not adopted: its later crash would go unreported", async () => {
    let slowStart = false;
    const options = {
      get startTimeoutMs() {
        return slowStart ? 1 : 15000;
      },
    };
    const azurite = await startAzurite(options);
    try {
      slowStart = true;
      await assert.rejects(azurite.restart(), /^Error: Azurite did not listen on 127\.0\.0\.1:\d+ within 1 ms/);
      assert.strictEqual(azurite.pid, undefined);
      slowStart = false;
      await azurite.start();
      assert.ok(azurite.pid, "started again");
    } finally {
      await azurite.stop();
    }
  });

  it("falls back to Azurite's own entry when the cache cannot be written", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-azb-")), "a-file");
    fs.writeFileSync(file, "");
    assert.strictEqual(path.relative(process.cwd(), await tableEntry(path.join(file, "cache"))), azuriteMain);
  });
});

describe("local start-up (npm start)", function () {
  this.timeout(60000);

  it("says when Azurite's process is spawned, before it listens, so the stack can load meanwhile", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-spawn-"));
    const events: string[] = [];
    const tables = await startDurableTables({
      location: dir,
      log: () => undefined,
      onSpawn: () => events.push("spawned"),
    });
    events.push("listening");
    await tables.stop();
    assert.deepStrictEqual(events, ["spawned", "listening"]);
  });
});

describe("durability: table journal replay", function () {
  this.timeout(60000);

  it("recovery starts Azurite only when it is down, one recovery at a time, and retries a failed replay", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-recovery-"));
    const file = path.join(dir, "tables.journal");
    const entry = { method: "DELETE", path: "/devstoreaccount1/T(PartitionKey='p',RowKey='r')", headers: {}, body: "" };
    fs.writeFileSync(file, `${JSON.stringify(entry)}\n`);
    // Azurite, alive: its first answer to the replay is one the replay does not take (a 500), then it serves.
    let answers = 0;
    const server = http.createServer((_req, res) => {
      res.statusCode = ++answers === 1 ? 500 : 204;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const logged: string[] = [];
    const recovery = new Recovery(file, (line) => logged.push(line));
    let starts = 0;
    let pid: number | undefined = 4242;
    const azurite = {
      port: (server.address() as net.AddressInfo).port,
      get pid() {
        return pid;
      },
      start: async () => {
        starts++;
        pid = 4243;
      },
    };
    try {
      // A second recovery meanwhile (Azurite crashed during the first's replay) is the first one's to handle.
      await Promise.all([recovery.recover(azurite), recovery.recover(azurite)]);
      await recovery.gate;
      assert.deepStrictEqual([starts, answers, recovery.restarts], [0, 2, 1]);
      assert.match(logged[0], /^Azurite restart failed \(attempt 1\): Replaying table journal entry 1 .* got HTTP 500/);
      assert.strictEqual(logged[1], "Azurite restarted (attempt 2); 1 journaled write(s) replayed.");
      // Down: started once, then replayed.
      pid = undefined;
      await recovery.recover(azurite);
      assert.deepStrictEqual([starts, answers, recovery.restarts], [1, 3, 2]);
    } finally {
      server.close();
    }
  });

  it("replaying the whole journal over rows Azurite already holds gives the acknowledged rows", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-journal-"));
    const tables = await startDurableTables({ location: dir, log: () => undefined });
    try {
      const client = TableClient.fromConnectionString(tables.connectionString, "Replay", {
        allowInsecureConnection: true,
      });
      await client.createTable();
      // A row from before the journal began (written to Azurite directly), deleted through the journal:
      // replaying that delete meets no row (404, "already gone").
      const direct = TableClient.fromConnectionString(tables.azurite.connectionString, "Replay", {
        allowInsecureConnection: true,
      });
      await direct.createEntity({ partitionKey: "p", rowKey: "saved-before" });
      await client.deleteEntity("p", "saved-before");
      for (const rowKey of ["a", "b", "it's"]) await client.createEntity({ partitionKey: "p", rowKey, n: 1 });
      const { etag } = await client.getEntity("p", "a");
      await client.updateEntity({ partitionKey: "p", rowKey: "a", Status: "delivered" }, "Merge", { etag });
      await client.deleteEntity("p", "b");
      await client.upsertEntity({ partitionKey: "p", rowKey: "it's", m: 2 }, "Replace");
      const rows = async () => {
        const out: Record<string, unknown> = {};
        for await (const { partitionKey: _p, etag: _e, timestamp: _t, rowKey, ...rest } of client.listEntities())
          out[rowKey!] = rest;
        return out;
      };
      const expected = { a: { n: 1, Status: "delivered" }, "it's": { m: 2 } };
      assert.deepStrictEqual(await rows(), expected);
      // Over the full state (the inserts now meet their rows, the etag is stale), twice: same rows.
      const entries = readJournal(tables.journalFile);
      assert.deepStrictEqual(
        entries.map((e) => e.method),
        ["POST", "DELETE", "POST", "POST", "POST", "PATCH", "DELETE", "PUT"],
      );
      assert.strictEqual(await replayJournal(entries, tables.azurite.port), 8);
      assert.strictEqual(await replayJournal(entries, tables.azurite.port), 8);
      assert.deepStrictEqual(await rows(), expected);
      // And after a SIGKILL (nothing saved), from the journal alone.
      process.kill(tables.azurite.pid!, "SIGKILL");
      await waitFor(() => tables.restarts === 1, "the restart");
      await tables.ready();
      assert.deepStrictEqual(await rows(), expected);
    } finally {
      await tables.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drops a torn last line (never answered) and refuses a damaged journal, naming the line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-journal-"));
    const file = path.join(dir, "tables.journal");
    const line = JSON.stringify({ method: "PUT", path: "/a/T(PartitionKey='p',RowKey='r')", headers: {}, body: "" });
    fs.writeFileSync(file, `${line}\n${line.slice(0, 20)}`);
    assert.strictEqual(readJournal(file).length, 1);
    fs.writeFileSync(file, `${line}\n{oops\n${line}\n`);
    assert.throws(
      () => readJournal(file),
      new RegExp(
        `^Error: The table journal .*tables\\.journal is damaged at line 2: fix or move the file, then start again\\.$`,
      ),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

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
 * The archive rows of a stopped `npm start` of `stack`, read from its data folder with its tables alone
 * (Azurite and the journal, as serve starts them), where a restart of the whole server is not what is tested.
 */
async function stoppedArchive(stateDir: string, stack: string): Promise<Row[]> {
  const tables = await startDurableTables({ location: path.join(stateDir, ".azurite", stack) });
  try {
    return await archiveRows(tables.connectionString, loadStack(stack).config.archiveTableName);
  } finally {
    await tables.stop();
  }
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
    const accepted = await load(await first.url(), "kill", 20, 0, () => undefined);
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
    const accepted = await load(await cli.url(), "term", 10, 0, () => undefined);
    cli.child.kill("SIGTERM");
    assert.strictEqual(await cli.exited(), 0);
    assert.strictEqual(fs.statSync(path.join(dir, ".azurite", "dev", "tables.journal")).size, 0);
    // The journal is empty: every row must come from what Azurite saved on SIGINT.
    report("server SIGTERM", accepted, emailsOf(await stoppedArchive(dir, "dev")));
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
    const rows = (await stoppedArchive(dir, "dev")).filter((row) => String(row.LeadJson).includes(accepted));
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
      const archived = emailsOf(await stoppedArchive(dir, stack));
      report(`stack ${stack} of two at once`, accepted, archived);
      assert.strictEqual(archived.size, accepted.length, `${stack}'s folder holds its own leads only`);
    }
  });
});
