/**
 * `npm run verify`: sends a Partner-Center-style lead to an endpoint (local or deployed) and reports
 * what happened. Against Azure it also reads the run's action statuses, so "Validate passed" means
 * the lead was archived and, for the test lead, kept away from every CRM.
 *
 *   npm run verify -- --url "$(pulumi stack output leadEndpointUrl --show-secrets)" --sample validate
 *   npm run verify -- --stack dev --sample full       # reads the URL and names from `pulumi stack output`
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ACTION } from "../workflow/leadWorkflow";
import { TARGET_ACTION } from "../workflow/crmActions";

export const SAMPLES = ["validate", "full", "minimal", "camelcase"] as const;
const SAMPLE_DIR = path.join(__dirname, "..", "samples");

/** A sample lead by name (`validate`, `full`, ...) or a JSON file path. */
export function loadSample(nameOrFile: string): unknown {
  const file = (SAMPLES as readonly string[]).includes(nameOrFile)
    ? path.join(SAMPLE_DIR, `${nameOrFile}-lead.json`)
    : nameOrFile;
  if (!fs.existsSync(file)) {
    throw new Error(`--sample "${nameOrFile}" is neither a sample (${SAMPLES.join(", ")}) nor a JSON file.`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

export interface SendResult {
  status: number;
  body: unknown;
  milliseconds: number;
}

/** POSTs a lead as Partner Center does (JSON). Never logs the URL: it carries a signature. */
export async function sendLead(
  url: string,
  lead: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 130_000,
): Promise<SendResult> {
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(lead),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body, milliseconds: Math.round(performance.now() - started) };
}

/** The URL without its query (the SAS signature), safe to print. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? "?<signature hidden>" : ""}`;
}

/** One action of a run, as Azure's run history reports it. */
export interface ActionStatus {
  name: string;
  status: string;
  code?: string;
}

/** Reads a run of a deployed workflow (implemented with @azure/arm-logic). */
export interface RunReader {
  runStatus(runId: string): Promise<string>;
  actions(runId: string): Promise<ActionStatus[]>;
}

export interface Verdict {
  ok: boolean;
  lines: string[];
}

/**
 * Judges a run: the lead must be archived; a test lead must be marked and reach no CRM; a real lead
 * must be delivered (or, when a target is down, dead-lettered: kept, but reported as a failure).
 */
export function judgeRun(isTestLead: boolean, runStatus: string, actions: ActionStatus[]): Verdict {
  const by = new Map(actions.map((a) => [a.name, a]));
  const status = (name: string) => by.get(name)?.status ?? "NotRun";
  const lines = [`run status: ${runStatus}`];
  const problems: string[] = [];
  if (status(ACTION.archive) !== "Succeeded")
    problems.push(`${ACTION.archive} is ${status(ACTION.archive)}: the lead was not archived`);
  const crm = Object.values(TARGET_ACTION).filter((name) => by.has(name));
  if (isTestLead) {
    if (status(ACTION.markTestLead) !== "Succeeded")
      problems.push(`${ACTION.markTestLead} is ${status(ACTION.markTestLead)}`);
    const called = crm.filter((name) => !["Skipped", "NotRun"].includes(status(name)));
    if (called.length > 0) problems.push(`the test lead reached a CRM: ${called.join(", ")}`);
  } else {
    if (status(ACTION.markDelivered) !== "Succeeded")
      problems.push(`${ACTION.markDelivered} is ${status(ACTION.markDelivered)}`);
    for (const name of crm)
      lines.push(`${name}: ${status(name)}${by.get(name)?.code ? ` (${by.get(name)?.code})` : ""}`);
    if (status(ACTION.markDeadLetter) === "Succeeded")
      problems.push("the lead was dead-lettered (archived; replay it once the target is back)");
  }
  if (runStatus !== "Succeeded") problems.push(`the run is ${runStatus}`);
  return { ok: problems.length === 0, lines: [...lines, ...problems.map((p) => `problem: ${p}`)] };
}

/** Polls until the run leaves Running (the CRM steps go on after the HTTP answer). */
export async function waitForRun(reader: RunReader, runId: string, timeoutMs: number, pollMs = 3000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await reader.runStatus(runId);
    if (!["Running", "Waiting", "Suspended"].includes(status) || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A {@link RunReader} over the Azure management API (DefaultAzureCredential: az login, OIDC, ...). */
export async function azureRunReader(
  subscriptionId: string,
  resourceGroup: string,
  workflow: string,
): Promise<RunReader> {
  const { LogicManagementClient } = await import("@azure/arm-logic");
  const { DefaultAzureCredential } = await import("@azure/identity");
  const client = new LogicManagementClient(new DefaultAzureCredential(), subscriptionId);
  return {
    async runStatus(runId) {
      return (await client.workflowRuns.get(resourceGroup, workflow, runId)).status ?? "Unknown";
    },
    async actions(runId) {
      const out: ActionStatus[] = [];
      for await (const a of client.workflowRunActions.list(resourceGroup, workflow, runId)) {
        out.push({ name: a.name ?? "?", status: a.status ?? "Unknown", code: a.code });
      }
      return out;
    },
  };
}

interface Options {
  url?: string;
  stack?: string;
  sample: string;
  subscription?: string;
  resourceGroup?: string;
  workflow?: string;
  waitSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { sample: "validate", waitSeconds: 600 };
  const flags: Record<string, (v: string) => void> = {
    "--url": (v) => (options.url = v),
    "--stack": (v) => (options.stack = v),
    "--sample": (v) => (options.sample = v),
    "--subscription": (v) => (options.subscription = v),
    "--resource-group": (v) => (options.resourceGroup = v),
    "--workflow": (v) => (options.workflow = v),
    "--wait": (v) => (options.waitSeconds = Number(v)),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const set = flags[argv[i]];
    if (!set || argv[i + 1] === undefined) {
      throw new Error(`Unknown or incomplete option "${argv[i]}". Options: ${Object.keys(flags).join(", ")}.`);
    }
    set(argv[i + 1]);
  }
  return options;
}

/** Fills URL, resource group and workflow from `pulumi stack output` (needs the Pulumi CLI). */
function fromStack(options: Options): Options {
  if (!options.stack) return options;
  const json = execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", options.stack], {
    encoding: "utf8",
  });
  const out = JSON.parse(json) as Record<string, string>;
  const subscription = /\/subscriptions\/([^/]+)\//.exec(out.workflowId ?? "")?.[1];
  return {
    ...options,
    url: options.url ?? out.leadEndpointUrl,
    resourceGroup: options.resourceGroup ?? out.resourceGroupName,
    workflow: options.workflow ?? out.workflowName,
    subscription: options.subscription ?? subscription,
  };
}

async function main(argv: string[]): Promise<number> {
  const options = fromStack(parseArgs(argv));
  if (!options.url) throw new Error("Give --url <endpoint URL> or --stack <stack>.");
  const lead = loadSample(options.sample);
  console.log(`POST ${redactUrl(options.url)} (sample: ${options.sample})`);
  const result = await sendLead(options.url, lead);
  console.log(`HTTP ${result.status} in ${result.milliseconds} ms: ${JSON.stringify(result.body)}`);
  if (result.status !== 200) return 1;
  const runId = (result.body as { runId?: string }).runId;
  if (!options.subscription || !options.resourceGroup || !options.workflow || !runId) {
    console.log(
      "Endpoint answered 200. Give --stack (or --subscription, --resource-group, --workflow) to check the run.",
    );
    return 0;
  }
  const reader = await azureRunReader(options.subscription, options.resourceGroup, options.workflow);
  const runStatus = await waitForRun(reader, runId, options.waitSeconds * 1000);
  const verdict = judgeRun(options.sample === "validate", runStatus, await reader.actions(runId));
  for (const line of verdict.lines) console.log(line);
  console.log(verdict.ok ? "verify: OK" : "verify: FAILED");
  return verdict.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`verify: ${err.message}`);
      process.exit(2);
    },
  );
}
