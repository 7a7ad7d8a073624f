/**
 * The local endpoint, no Azure needed.
 *
 *   npm start                            # serve stack dev's workflow on http://127.0.0.1:7071
 *   npm start -- --stack prod --port 7072
 *   npm start -- --state-dir /tmp/leads   # keep .azurite/ and .local-runs/ there (default: the project)
 *   npm run send -- --sample validate    # POST a sample lead to the running endpoint
 *   npm run send -- --sample full --url <callback URL>
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { loadSample, redactUrl, sendLead } from "../ops/verify";
import { TRIGGER_NAME } from "../workflow/leadWorkflow";
import { loadStack, PROJECT_DIR } from "../workflow/stacks";
import { DurableTables, startDurableTables } from "./durableTables";
import { LocalEndpoint } from "./endpoint";
import { checkDefinition } from "./runtime";
import { LocalServer, startLocalServer } from "./server";

/** `.local-runs/` (key, endpoint.json) under the state folder: the project unless --state-dir says otherwise. */
const runsDir = (argv: string[]) => path.join(path.resolve(option(argv, "state-dir", PROJECT_DIR)!), ".local-runs");
const endpointFile = (argv: string[]) => path.join(runsDir(argv), "endpoint.json");

function option(argv: string[], name: string, fallback?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
}

/** A key kept across restarts, so the local callback URL stays the same (as in Azure). */
function localKey(dir: string): string {
  const file = path.join(dir, "key");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  fs.writeFileSync(file, key, { mode: 0o600 });
  return key;
}

async function serve(argv: string[]): Promise<void> {
  const stackName = option(argv, "stack", "dev")!;
  const port = Number(option(argv, "port", "7071"));
  const stack = loadStack(stackName);
  const problems = checkDefinition(stack.definition as unknown as Record<string, unknown>);
  if (problems.length > 0) {
    console.error(`The workflow of stack ${stackName} has ${problems.length} problem(s):`);
    for (const p of problems) console.error(`  - ${p.path}: ${p.message}`);
    process.exit(1);
  }
  const stateDir = path.resolve(option(argv, "state-dir", PROJECT_DIR)!);
  // Data per stack: two stacks at once must not share one Azurite file (the last save would win).
  const tables = await startDurableTables({ location: path.join(stateDir, ".azurite", stackName) });
  const endpoint = new LocalEndpoint({ stack, tablesConnectionString: tables.connectionString });
  await endpoint.prepare();
  const key = localKey(runsDir(argv));
  const server = await startLocalServer({ endpoint, key, triggerName: TRIGGER_NAME, port, log: console.log });
  stopOnEveryExit(server, tables);
  writePrivate(endpointFile(argv), {
    url: server.callbackUrl,
    stack: stackName,
    port: server.port,
    // Azurite's development account (public emulator constants), for `npm run replay -- --local`; the
    // journaling proxy's endpoint, so replay's writes are durable too.
    tablesConnectionString: tables.connectionString,
    archiveTableName: stack.config.archiveTableName,
  });

  const targets = stack.targets.length ? stack.targets.join(", ") : "none (archive only)";
  console.log(`Lead endpoint of stack "${stackName}" running locally (the exact definition \`pulumi up\` deploys).`);
  console.log(`  CRM targets:   ${targets} (local stand-ins that record each request)`);
  console.log(`  Archive table: ${stack.config.archiveTableName} in Azurite, journaled on 127.0.0.1:${tables.port}`);
  console.log("");
  console.log(`Callback URL (local; in Azure this is the secret leadEndpointUrl output):`);
  console.log(`  ${server.callbackUrl}`);
  console.log("");
  console.log(`Run history:   http://127.0.0.1:${server.port}/`);
  console.log(`Send a lead:   npm run send -- --sample validate   (or full, minimal, camelcase, path/to/lead.json)`);
  console.log(`Stop:          Ctrl-C`);
}

/** The signed URL is a secret: the file is created 0600 (rename makes the write atomic, mode included). */
function writePrivate(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 2), { mode: 0o600 });
  fs.renameSync(temp, file);
}

/**
 * Ctrl-C, SIGTERM and an uncaught error all stop the same way: no new requests, then Azurite stopped
 * with SIGINT so it saves (see azurite.ts), then exit. SIGKILL cannot be caught: Azurite then saves when
 * its stdin closes, and the table journal has every acknowledged write anyway.
 */
function stopOnEveryExit(server: LocalServer, tables: DurableTables): void {
  let stopping = false;
  const stop = (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    if (why) console.error(why);
    const exit = () => process.exit(code);
    Promise.race([server.close(), new Promise((r) => setTimeout(r, 3000))])
      .then(() => tables.stop())
      .then(exit, exit);
  };
  process.once("SIGINT", () => stop(0));
  process.once("SIGTERM", () => stop(0));
  process.on("uncaughtException", (err) => stop(1, `Stopping after an uncaught error: ${err.stack ?? err}`));
  process.on("unhandledRejection", (err) => stop(1, `Stopping after an unhandled rejection: ${String(err)}`));
}

async function send(argv: string[]): Promise<void> {
  let url = option(argv, "url");
  if (!url) {
    const file = endpointFile(argv);
    if (!fs.existsSync(file))
      throw new Error("No --url given and no local endpoint is running: start one with `npm start`.");
    url = (JSON.parse(fs.readFileSync(file, "utf8")) as { url: string }).url;
  }
  const sample = option(argv, "sample", "validate")!;
  const result = await sendLead(url, loadSample(sample));
  console.log(`POST ${redactUrl(url)} (sample: ${sample})`);
  console.log(`HTTP ${result.status} in ${result.milliseconds} ms: ${JSON.stringify(result.body)}`);
  const runId = (result.body as { runId?: string } | null)?.runId;
  if (runId && new URL(url).hostname === "127.0.0.1") console.log(`Run: ${new URL(url).origin}/#${runId}`);
  if (result.status >= 400) process.exitCode = 1;
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<void>> = { serve, send };
const run = commands[command ?? "serve"];
if (!run) {
  console.error(`Unknown command "${command}". Commands: ${Object.keys(commands).join(", ")}.`);
  process.exit(2);
}
run(rest).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
