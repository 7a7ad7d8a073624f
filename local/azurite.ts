/**
 * Starts Azurite's Table service (Microsoft's storage emulator, from npm) on loopback, so the archive
 * is written to a real Table API, not a mock.
 *
 * Azurite keeps tables in LokiJS and writes them to disk only by its 5 s autosave and when it closes on
 * SIGINT (Azure/Azurite src/table/persistence/LokiTableMetadataStore.ts: `autosaveInterval: 5000`;
 * src/table/main.ts: `process.once("SIGINT", ...)` closes the server, which saves). SIGTERM and SIGKILL
 * lose up to the last 5 s, so a running Azurite is always stopped with SIGINT here (one that never started,
 * and so holds nothing, is killed), and it stops itself with SIGINT when its parent dies (stdin closes). What
 * even SIGKILL loses is covered by the journal in durableTables.ts.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** Azurite's well-known development account (public emulator constants, not a secret). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  port: number;
  connectionString: string;
  /** The emulator's process id while it runs (fault tests signal it). */
  readonly pid: number | undefined;
  /** Stops with SIGINT (Azurite saves to disk), waits for the exit; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** Stops with SIGINT and starts again on the same port. */
  restart(): Promise<void>;
  /** Starts again on the same port after an exit. */
  start(): Promise<void>;
}

export interface AzuriteOptions {
  /** @default - a free loopback port */
  port?: number;
  /** Folder for persistent data; one process at a time may use it. @default - in memory */
  location?: string;
  /** @default 15000 */
  startTimeoutMs?: number;
  /** Called once Azurite's process is spawned, before it listens: start-up work can run meanwhile. */
  onSpawn?: () => void;
  /** Called when Azurite exits without {@link Azurite.stop} (killed, crashed) after it said it started. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Picks the free port to try when `port` is not given (a test makes the first one taken). @default freePort */
  drawPort?: () => Promise<number>;
}

const TABLE_MAIN = path.join(path.dirname(require.resolve("azurite/package.json")), "dist", "src", "table", "main.js");
/** Beside the CLIs' compile cache (cli/register.js): `npm ci` starts it afresh. */
const BUNDLE_CACHE = path.join(__dirname, "..", "node_modules", ".cache", "leadkit-azurite");

/**
 * Azurite's table entry bundled into one file by esbuild, built on first use and kept per Azurite and esbuild
 * version. Azurite loads 1,066 modules at start, its telemetry SDKs included even with telemetry off; bundled,
 * a start took 0.69-0.84 s of CPU instead of 1.04-1.27 and listened 0.3 s sooner (alternated, 3 each), and
 * `npm start` reached its banner in 0.97-1.03 s instead of 1.18-1.25 (alternated, 5 each). Minified, and started
 * with V8's code cache ({@link WATCHDOG}), Azurite said it started after 360-440 ms (median 383) instead of 525-564
 * (535), using 0.42 s of CPU instead of 0.57 (alternated, 6 each). When the bundle cannot be built (a read-only
 * tree), Azurite's own entry.
 */
export async function tableEntry(cacheDir = BUNDLE_CACHE): Promise<string> {
  const file = path.join(cacheDir, `table-${versionOf("azurite")}-${versionOf("esbuild")}.min.js`);
  if (fs.existsSync(file)) return file;
  const partial = `${file}.${process.pid}`;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const esbuild = await import("esbuild");
    await esbuild.build({
      entryPoints: [TABLE_MAIN],
      bundle: true,
      platform: "node",
      target: "node20",
      outfile: partial,
      minify: true, // half the bytes to read and compile at each start
      logLevel: "silent",
    });
    fs.renameSync(partial, file); // whole or absent: another process never starts half a bundle
    // Bundles of other Azurite or esbuild versions, their code caches, and partial files a kill left behind.
    for (const old of fs.readdirSync(cacheDir))
      if (old.startsWith("table-") && old !== path.basename(file)) fs.rmSync(path.join(cacheDir, old), { force: true });
    return file;
  } catch {
    fs.rm(partial, { force: true }, () => undefined); // a half-written bundle, if there is one
    return TABLE_MAIN;
  }
}

const versionOf = (pkg: string) =>
  (JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version: string }).version;

/**
 * Runs Azurite's entry point with a watchdog: when the parent dies (stdin closes) it SIGINTs itself, so
 * Azurite saves instead of living on as an orphan; SIGINTs after the first are ignored, so a Ctrl-C that
 * reaches both processes cannot kill Azurite in the middle of its save.
 *
 * Arguments: the entry, then its V8 code cache file or "-" (taken out before Azurite reads its options). The
 * bundle is compiled with the cache when there is one V8 accepts (same source and Node), and otherwise writes
 * one a second after it started, once start-up has compiled what it runs (Node 20 has no
 * module.enableCompileCache, which came in 22.1). Written whole or not at all, as the bundle.
 */
const WATCHDOG = `
let closing = false;
process.on("SIGINT", () => { closing = true; process.stdin.destroy(); });
process.stdin.on("end", () => { if (!closing) process.kill(process.pid, "SIGINT"); });
process.stdin.resume();
const entry = process.argv[1];
const codeCache = process.argv.splice(2, 1)[0];
if (codeCache === "-") require(entry);
else {
  const fs = require("fs"), vm = require("vm"), Module = require("module"), path = require("path");
  let cachedData;
  try { cachedData = fs.readFileSync(codeCache); } catch {}
  const source = fs.readFileSync(entry, "utf8").replace(/^#!.*/, "");
  const script = new vm.Script(Module.wrap(source), { filename: entry, cachedData });
  const main = new Module(entry);
  main.filename = entry;
  main.paths = Module._nodeModulePaths(path.dirname(entry));
  script.runInThisContext().call(main.exports, main.exports, Module.createRequire(entry), main, entry, path.dirname(entry));
  if (!cachedData || script.cachedDataRejected)
    setTimeout(() => {
      const partial = codeCache + "." + process.pid;
      try { fs.writeFileSync(partial, script.createCachedData()); fs.renameSync(partial, codeCache); }
      catch { fs.rmSync(partial, { force: true }); }
    }, 1000).unref();
}
`;

/** Azurite gets this long to save and exit after SIGINT before it is killed. */
const STOP_TIMEOUT_MS = 10000;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Node's arguments for Azurite on `port` (in memory without `location`). Exported for testing. */
export async function azuriteArgs(port: number, location: string | undefined, entry?: string): Promise<string[]> {
  entry ??= await tableEntry();
  const codeCache = entry === TABLE_MAIN ? "-" : `${entry}.v8cache`;
  const args = ["-e", WATCHDOG, entry, codeCache, "--tableHost", "127.0.0.1", "--tablePort", String(port)];
  args.push("--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent");
  return location ? [...args, "--location", location] : [...args, "--inMemoryPersistence"];
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Kills at once (an Azurite that has not started may not save anything) and waits for the exit. */
function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (exited(child)) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Sends SIGINT and waits for the exit (SIGKILL after {@link STOP_TIMEOUT_MS}); resolves with the exit code. */
export function interrupt(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (exited(child)) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", (code) => (clearTimeout(timer), resolve(code)));
    child.kill("SIGINT");
  });
}

/**
 * Resolves once this Azurite says it listens: "Azurite Table service successfully started on 127.0.0.1:<port>"
 * (stdout, printed with --silent too). Something answering on the port is not enough: two starts at once can
 * draw the same free port, and the second Azurite exits with EADDRINUSE while the first answers there, so its
 * caller would share the other one's tables.
 */
function waitForStarted(port: number, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("close", onExit);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`successfully started on 127.0.0.1:${port}`)) done();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(Object.assign(new Error(`Azurite exited with code ${code ?? signal}: ${stderr()}`), { stderr: stderr() }));
    const timer = setTimeout(
      () => done(new Error(`Azurite did not listen on 127.0.0.1:${port} within ${timeoutMs} ms. ${stderr()}`)),
      timeoutMs,
    );
    child.stdout?.on("data", onData);
    // "close", not "exit": at "exit" its stdio may still be open (nodejs.org/api/child_process.html#event-exit),
    // and the EADDRINUSE that decides a redraw is on stderr.
    child.once("close", onExit);
  });
}

/** Starts drawn on a free port: a port another start took meanwhile (EADDRINUSE) is drawn again. */
const START_ATTEMPTS = 3;

/** The connection string of the emulator's account on a table port of 127.0.0.1. */
export const connectionStringFor = (port: number) =>
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
  `TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;

/** The process of one {@link startAzurite}, the latest launch's, and whether its caller is stopping it. */
interface Running {
  child?: ChildProcess;
  stopping: boolean;
}

/** Spawns Azurite on `port` into `run`; resolves once it listens, rejects (and kills it) when it does not. */
async function launch(run: Running, port: number, options: AzuriteOptions, lock?: LocationLock): Promise<void> {
  let errors = "";
  run.stopping = false;
  if (options.location) fs.mkdirSync(options.location, { recursive: true });
  const started = spawn(process.execPath, await azuriteArgs(port, options.location), {
    stdio: ["pipe", "pipe", "pipe"],
  });
  started.stdout?.resume(); // read past the start line, so Azurite never blocks on a full pipe
  run.child = started;
  lock?.write(started.pid);
  options.onSpawn?.();
  started.stderr?.on("data", (d: Buffer) => (errors += d.toString()));
  // An exit before the start line is this launch's failure (waitForStarted rejects, and a taken port is drawn
  // again), not a crash to recover from: the caller has no Azurite yet. On "close", after all of stdout: an
  // Azurite that printed its start line and died at once is a crash ("exit" may come before that line is read).
  let up = false;
  started.once("close", (code, signal) => {
    if (up && !run.stopping && run.child === started) options.onUnexpectedExit?.(code, signal);
  });
  // Not started in time, yet running: killed, so that `pid` says no Azurite runs and the next start is a start
  // (adopted, its later crash went unreported: `up` stayed false).
  await waitForStarted(port, started, () => errors, options.startTimeoutMs ?? 15000).catch(async (err) => {
    await killed(started);
    throw err;
  });
  up = true;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const drawPort = options.drawPort ?? freePort;
  let port = options.port ?? (await drawPort());
  const lock = options.location ? await lockLocation(options.location, options.startTimeoutMs ?? 15000) : undefined;
  const run: Running = { stopping: false };
  const start = () => launch(run, port, options, lock);
  const stop = async () => {
    run.stopping = true;
    return run.child ? interrupt(run.child) : null;
  };
  // Last resort on exit paths that cannot wait (process.exit): SIGINT still lets Azurite save on its own.
  const onExit = () => run.child?.kill("SIGINT");
  process.once("exit", onExit);
  // The first start: on a drawn port, drawn again when another process took it first.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      const taken = /EADDRINUSE/.test(String((err as { stderr?: string }).stderr));
      if (!taken || options.port !== undefined || attempt === START_ATTEMPTS) throw err;
      port = await drawPort();
    }
  }
  return {
    port,
    connectionString: connectionStringFor(port),
    get pid() {
      return run.child && !exited(run.child) ? run.child.pid : undefined;
    },
    async stop() {
      process.removeListener("exit", onExit);
      const code = await stop();
      lock?.release();
      return code;
    },
    async restart() {
      await stop();
      await start();
    },
    start,
  };
}

interface LocationLock {
  write(azuritePid: number | undefined): void;
  release(): void;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * One owner per data folder: two emulators on one LokiJS file overwrite each other's saves (last writer
 * wins). A live owner is refused; an orphaned Azurite (its owner was SIGKILLed) is given time to save.
 */
async function lockLocation(location: string, timeoutMs: number): Promise<LocationLock> {
  const file = path.join(location, "owner.json");
  const held = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as { owner: number; azurite?: number })
    : undefined;
  if (held && held.owner !== process.pid && alive(held.owner))
    throw new Error(
      `The local data folder ${location} is in use by process ${held.owner} (another local endpoint of this stack). ` +
        "Stop that one first, or run another stack with --stack <name>.",
    );
  const deadline = Date.now() + timeoutMs;
  while (held?.azurite && alive(held.azurite) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (held?.azurite && alive(held.azurite))
    throw new Error(`Azurite process ${held.azurite} still uses ${location} after ${timeoutMs} ms: stop it first.`);
  fs.mkdirSync(location, { recursive: true });
  return {
    write: (azurite) => fs.writeFileSync(file, JSON.stringify({ owner: process.pid, azurite })),
    release: () => fs.rmSync(file, { force: true }),
  };
}
