/**
 * "A lead is answered 200 only after its archive write is durable; a crash loses no lead that was answered
 * 200." Storage killed mid-load over real loopback HTTP, and the table journal that covers what Azurite had not
 * saved; each fault case prints and asserts: accepted (200) = archived, 0 lost. Bounded counts, loopback only.
 * The whole local server killed: serverDurability.spec.ts; Azurite's start: azurite.spec.ts.
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { DurableTables, Recovery, startDurableTables } from "../../local/durableTables";
import { LocalEndpoint } from "../../local/endpoint";
import { LocalServer, startLocalServer } from "../../local/server";
import { readJournal, replayJournal } from "../../local/tableJournal";
import { stackFromSettings } from "../../program/stacks";
import { archivedEmails, load, report, waitFor } from "../support/leadLoad";
import { tempDir } from "../support/tempDirs";

const TABLE = "LeadArchiveDurable";
const STACK = stackFromSettings("durable", {
  targets: "webhook",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: TABLE,
});

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
      // 6 leads answered before the kill (in Azurite's memory, unsaved: they must come back from the journal), the
      // 3 other workers' requests in flight when it lands, 7 more sent while Azurite restarts and after. Each lead
      // is a whole run (about 27 ms of CPU): 40 leads made the fault no more of one.
      const accepted = await load(server.callbackUrl, signal, 16, 6, () => process.kill(tables.azurite.pid!, signal));
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

describe("durability: table journal replay", function () {
  this.timeout(60000);

  it("recovery starts Azurite only when it is down, one recovery at a time, and retries a failed replay", async () => {
    const dir = tempDir("leadkit-recovery");
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
    const dir = tempDir("leadkit-journal");
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
  });
});
