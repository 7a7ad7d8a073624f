/**
 * Azurite's start, as every local command and test runs it: the bundled entry and its code cache, a taken
 * port, a start that does not come in time, and when npm start hears that Azurite's process is up.
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { azuriteArgs, freePort, interrupt, startAzurite, tableEntry } from "../../local/azurite";
import { startDurableTables } from "../../local/durableTables";
import { tempDir } from "../support/tempDirs";

describe("Azurite's bundled entry", function () {
  this.timeout(60000);
  const azuriteMain = path.join("node_modules", "azurite", "dist", "src", "table", "main.js");

  it("is built once into the cache and reused by the next start (every Azurite of these tests runs from it)", async () => {
    const cache = tempDir("leadkit-azb");
    for (const old of ["table-3.34.0-0.25.0.js", "table-3.34.0-0.25.0.js.v8cache", "table-3.35.0-0.28.2.js.v8cache.12"])
      fs.writeFileSync(path.join(cache, old), "an older version's");
    const built = await tableEntry(cache);
    assert.match(path.basename(built), /^table-\d+\.\d+\.\d+-\d+\.\d+\.\d+\.min\.js$/);
    assert.deepStrictEqual(fs.readdirSync(cache), [path.basename(built)], "no partial file, no older bundle left");
    const mtime = fs.statSync(built).mtimeMs;
    assert.strictEqual(await tableEntry(cache), built);
    assert.strictEqual(fs.statSync(built).mtimeMs, mtime, "not built again");
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it("starts with V8's code cache: writes it after a start without one, rewrites a rejected one, keeps a good one", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-azc-"));
    // The bundle the other starts use, copied without its code cache: the file esbuild would build here, without
    // a second build (about 2 CPU-s); the build is the test above's. (Azurite's own entry, when the project's
    // cache cannot be written, is not copied: then it is built here.)
    const shared = await tableEntry();
    if (path.basename(shared).startsWith("table-")) fs.copyFileSync(shared, path.join(cache, path.basename(shared)));
    const entry = await tableEntry(cache);
    const codeCache = `${entry}.v8cache`;
    /** Starts Azurite from `entry`, waits for its start line and `settle` ms more, and stops it. */
    const startOnce = async (settle: number) => {
      const child = spawn(process.execPath, await azuriteArgs(await freePort(), undefined, entry));
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", () => /successfully started/.test(out) && resolve());
        child.once("exit", (code) => reject(new Error(`Azurite exited with ${code}: ${out}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, settle));
      await interrupt(child);
    };
    try {
      assert.deepStrictEqual(fs.readdirSync(cache), [path.basename(entry)]);
      await startOnce(1500);
      const written = fs.readFileSync(codeCache);
      assert.ok(written.length > 100000, `a code cache of ${written.length} bytes`);
      fs.writeFileSync(codeCache, "not a code cache");
      await startOnce(1500);
      assert.ok(fs.readFileSync(codeCache).length > 100000, "the rejected cache is written again");
      const mtime = fs.statSync(codeCache).mtimeMs;
      await startOnce(1500);
      assert.strictEqual(fs.statSync(codeCache).mtimeMs, mtime, "an accepted cache is not written again");
      assert.deepStrictEqual(fs.readdirSync(cache).sort(), [path.basename(entry), path.basename(codeCache)]);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
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
        location: tempDir("leadkit-redraw"),
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

  it("reports a crash after the start, once; a restart's stop and the last stop are no crash", async () => {
    const exits: string[] = [];
    let crashed!: () => void;
    const crash = new Promise<void>((resolve) => (crashed = resolve));
    const azurite = await startAzurite({
      onUnexpectedExit: (code, signal) => (exits.push(String(signal ?? code)), crashed()),
    });
    try {
      await azurite.restart();
      assert.deepStrictEqual(exits, [], "the restart stopped it on purpose");
      process.kill(azurite.pid!, "SIGKILL");
      await crash;
      assert.deepStrictEqual(exits, ["SIGKILL"]);
      await azurite.start();
    } finally {
      await azurite.stop();
    }
    assert.deepStrictEqual(exits, ["SIGKILL"], "the last stop is none");
  });

  it("falls back to Azurite's own entry when the cache cannot be written", async () => {
    const file = path.join(tempDir("leadkit-azb"), "a-file");
    fs.writeFileSync(file, "");
    assert.strictEqual(path.relative(process.cwd(), await tableEntry(path.join(file, "cache"))), azuriteMain);
  });
});

describe("local start-up (npm start)", function () {
  this.timeout(60000);

  it("says when Azurite's process is spawned, before it listens, so the stack can load meanwhile", async () => {
    const dir = tempDir("leadkit-spawn");
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
