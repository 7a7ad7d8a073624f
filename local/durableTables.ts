/**
 * The local Table endpoint the kit writes to: a loopback proxy in front of Azurite that makes an answered
 * write durable. A mutating request Azurite answered 2xx is appended to the journal and fsynced before the
 * answer is passed back, so "answered 200" implies "on disk" (Azure's promise), which Azurite alone cannot
 * give (it saves every 5 s, see azurite.ts). If Azurite dies, it is started again and the journal replayed
 * before any request is served; a clean stop (SIGINT, Azurite saved, exit 0) empties the journal.
 */
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { Azurite, connectionStringFor, startAzurite } from "./azurite";
import { Journal, journalEntry, readJournal, replayJournal } from "./tableJournal";

export interface DurableTables {
  /** The proxy's port: the kit's Table endpoint. */
  port: number;
  connectionString: string;
  /** Azurite behind the proxy (fault tests signal `azurite.pid`). */
  azurite: Azurite;
  journalFile: string;
  /** Resolves when Azurite serves (after a restart and replay). */
  ready(): Promise<void>;
  /** Azurite restarts after unexpected exits so far. */
  readonly restarts: number;
  stop(): Promise<void>;
}

export interface DurableTablesOptions {
  /** Azurite's data folder; the journal lives beside the data. */
  location: string;
  /** How long a request waits for Azurite to come back. @default 30000 */
  waitMs?: number;
  /** Called once Azurite's process is spawned, before it listens (AzuriteOptions.onSpawn). */
  onSpawn?: () => void;
  /** AzuriteOptions.drawPort. @default freePort */
  drawPort?: () => Promise<number>;
  log?: (line: string) => void;
}

const MUTATING = new Set(["PUT", "POST", "PATCH", "MERGE", "DELETE"]);

function readAll(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function forward(port: number, req: http.IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: `127.0.0.1:${port}` };
    const out = http.request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers }, (res) =>
      readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject),
    );
    out.on("error", reject);
    out.end(body);
  });
}

/** Waits for `gate` at most `ms`; false when Azurite did not come back in time. */
const within = (gate: Promise<void>, ms: number) =>
  Promise.race([gate.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

/**
 * Azurite's availability: requests wait on `gate` while Azurite restarts and the journal is replayed. Exported
 * for testing.
 */
export class Recovery {
  gate: Promise<void> = Promise.resolve();
  restarts = 0;
  stopping = false;
  private running = false;

  constructor(
    private readonly journalFile: string,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Starts Azurite again until it serves (or the tables stop), then replays the journal and opens the gate. One
   * recovery at a time, and Azurite is started only when it is not running: a replay that failed against a live
   * Azurite is retried as it is (a second Azurite on its port failed with EADDRINUSE and left the live one
   * untracked), and a crash during a recovery is that recovery's to handle.
   */
  async recover(azurite: Pick<Azurite, "start" | "port" | "pid">): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.untilServing(azurite);
    } finally {
      this.running = false;
    }
  }

  private async untilServing(azurite: Pick<Azurite, "start" | "port" | "pid">): Promise<void> {
    let open!: () => void;
    this.gate = new Promise((r) => (open = r));
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        if (azurite.pid === undefined) await azurite.start();
        const replayed = await replayJournal(readJournal(this.journalFile), azurite.port);
        this.restarts++;
        this.log(`Azurite restarted (attempt ${attempt}); ${replayed} journaled write(s) replayed.`);
        return open();
      } catch (err) {
        this.log(`Azurite restart failed (attempt ${attempt}): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
      }
    }
  }
}

/** The proxy: forwards to Azurite once it serves, journals an answered write before passing the answer on. */
function proxyTo(azurite: Azurite, recovery: Recovery, journal: Journal, waitMs: number) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    try {
      const body = await readAll(req);
      if (!(await within(recovery.gate, waitMs))) return void res.destroy();
      const up = await forward(azurite.port, req, body);
      if (MUTATING.has(req.method ?? "") && up.status >= 200 && up.status < 300)
        await journal.append(journalEntry(req.method!, req.url ?? "/", req.headers, body));
      res.writeHead(up.status, up.headers);
      res.end(up.body);
    } catch {
      // Azurite died mid-request or the journal write failed: no answer, so the caller retries.
      res.destroy();
    }
  };
}

/** Closes the proxy, waiting for requests under way. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Keep-alive sockets of finished requests would hold close() open.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

export async function startDurableTables(options: DurableTablesOptions): Promise<DurableTables> {
  const log = options.log ?? ((line: string) => console.log(line));
  const journalFile = path.join(options.location, "tables.journal");
  const recovery = new Recovery(journalFile, log);
  const azurite = await startAzurite({
    location: options.location,
    onSpawn: options.onSpawn,
    drawPort: options.drawPort,
    onUnexpectedExit: (code, signal) => {
      log(`Azurite exited unexpectedly (${signal ?? `code ${code}`}); restarting it and replaying the journal.`);
      if (!recovery.stopping) void recovery.recover(azurite);
    },
  });
  const pending = readJournal(journalFile);
  if (pending.length > 0) {
    await replayJournal(pending, azurite.port);
    log(`Replayed ${pending.length} journaled table write(s) the last run had not saved.`);
  }
  const journal = new Journal(journalFile);
  const server = http.createServer(proxyTo(azurite, recovery, journal, options.waitMs ?? 30000));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connectionString: connectionStringFor(port),
    azurite,
    journalFile,
    ready: () => recovery.gate,
    get restarts() {
      return recovery.restarts;
    },
    async stop() {
      recovery.stopping = true;
      await closeServer(server);
      const code = await azurite.stop();
      // Exit 0 after SIGINT: Azurite saved everything the journal holds.
      if (code === 0) journal.truncate();
      journal.close();
    },
  };
}
