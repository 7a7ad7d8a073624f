/**
 * The local endpoint, no Azure needed.
 *
 *   npm start                            # serve stack dev's workflow on http://127.0.0.1:7071
 *   npm start -- --stack prod --port 7072
 *   npm run send -- --sample validate    # POST a sample lead to the running endpoint
 *   npm run send -- --sample full --url <callback URL>
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { loadSample, redactUrl, sendLead } from "../ops/verify";
import { TRIGGER_NAME } from "../workflow/leadWorkflow";
import { loadStack, PROJECT_DIR } from "../workflow/stacks";
import { startAzurite } from "./azurite";
import { LocalEndpoint } from "./endpoint";
import { checkDefinition } from "./runtime";
import { startLocalServer } from "./server";

const STATE_DIR = path.join(PROJECT_DIR, ".local-runs");
const ENDPOINT_FILE = path.join(STATE_DIR, "endpoint.json");

function option(argv: string[], name: string, fallback?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
}

/** A key kept across restarts, so the local callback URL stays the same (as in Azure). */
function localKey(): string {
  const file = path.join(STATE_DIR, "key");
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(STATE_DIR, { recursive: true });
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
  const azurite = await startAzurite({ location: path.join(PROJECT_DIR, ".azurite") });
  const endpoint = new LocalEndpoint({ stack, tablesConnectionString: azurite.connectionString });
  await endpoint.prepare();
  const server = await startLocalServer({ endpoint, key: localKey(), triggerName: TRIGGER_NAME, port });
  const state = {
    url: server.callbackUrl,
    stack: stackName,
    port: server.port,
    // Azurite's development account (public emulator constants), for `npm run replay -- --local`.
    tablesConnectionString: azurite.connectionString,
    archiveTableName: stack.config.archiveTableName,
  };
  fs.writeFileSync(ENDPOINT_FILE, JSON.stringify(state, null, 2));

  const targets = stack.targets.length ? stack.targets.join(", ") : "none (archive only)";
  console.log(`Lead endpoint of stack "${stackName}" running locally (the exact definition \`pulumi up\` deploys).`);
  console.log(`  CRM targets:   ${targets} (local stand-ins that record each request)`);
  console.log(`  Archive table: ${stack.config.archiveTableName} in Azurite on 127.0.0.1:${azurite.port}`);
  console.log("");
  console.log(`Callback URL (local; in Azure this is the secret leadEndpointUrl output):`);
  console.log(`  ${server.callbackUrl}`);
  console.log("");
  console.log(`Run history:   http://127.0.0.1:${server.port}/`);
  console.log(`Send a lead:   npm run send -- --sample validate   (or full, minimal, camelcase, path/to/lead.json)`);
  console.log(`Stop:          Ctrl-C`);

  const stop = async () => {
    await server.close();
    await azurite.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

async function send(argv: string[]): Promise<void> {
  let url = option(argv, "url");
  if (!url) {
    if (!fs.existsSync(ENDPOINT_FILE))
      throw new Error("No --url given and no local endpoint is running: start one with `npm start`.");
    url = (JSON.parse(fs.readFileSync(ENDPOINT_FILE, "utf8")) as { url: string }).url;
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
