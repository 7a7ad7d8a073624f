/**
 * `npm start` (`leadkit serve`): the local endpoint, no Azure needed.
 *
 *   npm start -- --stack prod --port 7072
 *   npm start -- --state-dir /tmp/leads   # keep .azurite/ and .local-runs/ there (default: the project)
 */
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { endpointFile, LocalEndpointFile, PROJECT_ROOT, stackEndpointFile, stackNameProblem } from "../ops/archive";
import { Command, EXIT, UsageError, wholeNumberFlag } from "../ops/cli";
import type { DurableTables } from "./durableTables";
import type { LocalEndpoint } from "./endpoint";
import type { LocalServer } from "./server";
import type { LoadedStack } from "../program/stacks";
import { listStacks } from "../program/stackFiles";
import { TRIGGER_NAME } from "../function-code/src/contract";

interface ServeFlags {
  stack?: string;
  port?: string;
  "state-dir"?: string;
}

export const SERVE: Command<ServeFlags> = {
  name: "serve",
  usage: ["npm start -- [--stack dev] [--port 7071] [--state-dir <folder>]"],
  flags: {
    stack: { type: "string", help: "stack whose workflow to run (Pulumi.<stack>.yaml) (default: dev)" },
    port: { type: "string", help: "port on 127.0.0.1 (default: 7071; 0 picks a free one)" },
    "state-dir": { type: "string", help: "folder for .azurite/ and .local-runs/ (default: the project)" },
  },
  run: serve,
};

/** A key kept across restarts, so the local callback URL stays the same (as in Azure). */
function localKey(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  fs.writeFileSync(file, key, { mode: 0o600 });
  return key;
}

async function serve(flags: ServeFlags): Promise<number> {
  const stackName = flags.stack ?? "dev";
  const port = wholeNumberFlag("port", flags.port, 0, 65535, 7071);
  const stateDir = path.resolve(flags["state-dir"] ?? PROJECT_ROOT);
  checkStackName(stackName);
  await assertPortFree(port);
  // Azurite takes about a second to start and the stack about half of one to load: both at once.
  // Data per stack: two stacks at once must not share one Azurite file (the last save would win).
  const starting = await spawnTables(path.join(stateDir, ".azurite", stackName));
  let stack: LoadedStack | undefined;
  try {
    stack = await loadCheckedStack(stackName);
  } finally {
    if (!stack) await stopStarted(starting.ready); // the stack failed to load or check: nothing runs
  }
  if (!stack) return EXIT.failed;
  const { LocalEndpoint } = await import("./endpoint");
  const { startLocalServer } = await import("./server");
  const tables = await starting.ready;
  const endpoint = new LocalEndpoint({ stack, tablesConnectionString: tables.connectionString });
  await endpoint.prepare();
  const runs = path.dirname(endpointFile(stateDir));
  const adminToken = localKey(runs, "admin-token");
  let server: LocalServer;
  try {
    server = await startLocalServer({
      endpoint,
      key: localKey(runs, "key"),
      adminToken,
      triggerName: TRIGGER_NAME,
      port,
      log: console.log,
    });
  } catch (err) {
    await tables.stop();
    throw (err as NodeJS.ErrnoException).code === "EADDRINUSE" ? new Error(busyPort(port)) : err;
  }
  stopOnEveryExit(server, endpoint, tables, stackEndpointFile(stackName, stateDir));
  const state: LocalEndpointFile = {
    url: server.callbackUrl,
    stack: stackName,
    port: server.port,
    // Azurite's development account (public emulator constants), for replay and leads --local; the
    // journaling proxy's endpoint, so replay's writes are durable too.
    tablesConnectionString: tables.connectionString,
    archiveTableName: stack.config.archiveTableName,
    adminToken,
  };
  writePrivate(endpointFile(stateDir), state);
  // Per stack as well: with two stacks running, a command picks one by LEADKIT_LOCAL_STACK (ops/archive.ts).
  writePrivate(stackEndpointFile(stackName, stateDir), state);
  printBanner(stack, server.port, server.callbackUrl, tables.port);
  return EXIT.ok;
}

/** Refuses a stack name that is not one, or has no stack file, before anything starts (files only). */
function checkStackName(name: string): void {
  const badName = stackNameProblem(name, "--stack");
  if (badName) throw new UsageError(badName);
  const known = listStacks();
  if (!known.includes(name))
    throw new UsageError(
      `--stack is "${name}" but there is no Pulumi.${name}.yaml (nor examples/Pulumi.${name}.yaml): create it, or use one of: ${known.join(", ")}.`,
    );
}

/**
 * Starts Azurite and the table journal; returns once Azurite's process is spawned, before it listens. Loading
 * the stack next holds the event loop, so the process must be on its way first.
 */
async function spawnTables(location: string): Promise<{ ready: Promise<DurableTables> }> {
  const { startDurableTables } = await import("./durableTables");
  let spawned = () => undefined as void;
  const spawn = new Promise<void>((resolve) => (spawned = resolve));
  const ready = startDurableTables({ location, onSpawn: spawned });
  const settled = ready.then(
    () => undefined,
    () => undefined, // the caller awaits `ready`, where a failure to start is thrown
  );
  await Promise.race([spawn, settled]);
  return { ready };
}

/** The stack's workflow, checked as Azure would; undefined once its problems are printed. */
async function loadCheckedStack(name: string): Promise<LoadedStack | undefined> {
  const { loadStack } = await import("../program/stacks");
  const { checkDefinition } = await import("../emulator/runtime");
  const stack = loadStack(name);
  const problems = checkDefinition(stack.definition as unknown as Record<string, unknown>);
  if (problems.length === 0) return stack;
  console.error(`The workflow of stack ${name} has ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  - ${p.path}: ${p.message}`);
  return undefined;
}

/** Stops the tables once they have started (nothing to do when they failed to). */
async function stopStarted(starting: Promise<DurableTables>): Promise<void> {
  const tables = await starting.catch(() => undefined);
  await tables?.stop();
}

/** "Port 7071 is in use (by func, pid 123)": who holds it when `ss` can tell, and the way out. */
export function busyPort(port: number, holder = portHolder(port)): string {
  const who = holder ? ` by ${holder}` : "";
  const hint = port === 7071 ? " (7071 is also the default port of Azure Functions Core Tools, `func start`)" : "";
  return `port ${port} on 127.0.0.1 is already in use${who}${hint}: stop it, or start on another port with \`npm start -- --port ${port + 1}\`.`;
}

/** Fails before Azurite starts when the port is taken (a bare `listen EADDRINUSE` helps nobody). */
async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(busyPort(port)) : err),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

function portHolder(port: number): string | undefined {
  try {
    const out = execFileSync("ss", ["-Hltnp", `sport = :${port}`], {
      encoding: "utf8",
      timeout: 2000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
    return m ? `${m[1]} (pid ${m[2]})` : undefined;
  } catch {
    return undefined; // No `ss` (macOS, slim images): the message still says what to do.
  }
}

/** The banner's line that says the endpoint answers (the bench times `npm start` to it). */
export const RUN_HISTORY_LINE = "Run history:";

function printBanner(
  stack: { stack: string; targets: string[]; config: { archiveTableName: string } },
  port: number,
  url: string,
  tablesPort: number,
): void {
  const targets = stack.targets.length ? stack.targets.join(", ") : "none (archive only)";
  console.log(`Lead endpoint of stack "${stack.stack}" running locally (the exact definition \`pulumi up\` deploys).`);
  console.log(`  CRM targets:   ${targets} (local stand-ins that record each request)`);
  console.log(`  Archive table: ${stack.config.archiveTableName} in Azurite, journaled on 127.0.0.1:${tablesPort}`);
  console.log("");
  console.log(`Callback URL (local; in Azure this is the secret leadEndpointUrl output):`);
  console.log(`  ${url}`);
  console.log("");
  console.log(`${RUN_HISTORY_LINE}   http://127.0.0.1:${port}/`);
  console.log(`Send a lead:   npm run send -- --sample validate   (or full, minimal, camelcase, path/to/lead.json)`);
  console.log(`List leads:    npm run leads`);
  console.log(`Stop:          Ctrl-C`);
}

/** The signed URL and the admin token are secrets: the file is created 0600 (rename keeps the mode). */
function writePrivate(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 2), { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** How long a stop waits for runs still delivering (a CRM retrying for longer is cut; replay finishes it). */
const DRAIN_MS = 10000;

/**
 * Ctrl-C, SIGTERM and an uncaught error all stop the same way: no new requests, the runs in progress
 * let finish (at most DRAIN_MS; a run cut between a CRM call and its ledger write would be sent again by a
 * replay), then Azurite stopped with SIGINT so it saves (see azurite.ts), then exit. A second Ctrl-C exits
 * at once. SIGKILL cannot be caught: Azurite then saves when its stdin closes, and the table journal has
 * every acknowledged write anyway.
 */
function stopOnEveryExit(server: LocalServer, endpoint: LocalEndpoint, tables: DurableTables, ownFile: string): void {
  let stopping = false;
  const stop = (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) console.error(why);
    const exit = () => process.exit(code);
    const runs = endpoint.runsInProgress;
    if (runs > 0)
      console.error(
        `Waiting up to ${DRAIN_MS / 1000} s for ${runs} run${runs === 1 ? "" : "s"} still delivering (Ctrl-C again stops at once).`,
      );
    Promise.race([server.close(), new Promise((r) => setTimeout(r, 3000))])
      .then(() => endpoint.drain(DRAIN_MS))
      .then(() => tables.stop())
      .then(() => fs.rmSync(ownFile, { force: true })) // this stack no longer runs here
      .then(exit, exit);
  };
  process.once("SIGINT", () => stop(0));
  process.once("SIGTERM", () => stop(0));
  process.on("uncaughtException", (err) => stop(1, `Stopping after an uncaught error: ${err.stack ?? err}`));
  process.on("unhandledRejection", (err) => stop(1, `Stopping after an unhandled rejection: ${String(err)}`));
}
