/**
 * `npm run verify`: sends a Partner-Center-style lead to an endpoint (local or deployed) and reports
 * what happened. Against Azure it also reads the run's action statuses, so "Validate passed" means
 * the lead was archived and, for the test lead, kept away from every CRM.
 *
 *   npm run verify -- --stack dev --sample full       # reads the URL and names from `pulumi stack output`
 *   LEADKIT_CALLBACK_URL=<signed URL> npm run verify -- --sample validate   # any endpoint, no Pulumi CLI
 */
import { ACTION } from "../workflow/names";
import { TARGET_ACTION } from "../targets";
import { stackOutputs } from "./archive";
import { Command, EXIT, main, secretFromEnv, UsageError, wholeNumberFlag } from "./cli";
import { CALLBACK_URL_ENV, loadSample, redactUrl, sendLead, stackEndpointUrl } from "./sendLead";

export { loadSample, redactUrl, SAMPLES, sendLead } from "./sendLead";
export type { SendResult } from "./sendLead";

/** One action of a run, as Azure's run history reports it. */
export interface ActionOutcome {
  name: string;
  status: string;
  code?: string;
}

/** Reads a run of a deployed workflow (implemented with @azure/arm-logic). */
export interface RunReader {
  runStatus(runId: string): Promise<string>;
  actions(runId: string): Promise<ActionOutcome[]>;
}

export interface Verdict {
  ok: boolean;
  lines: string[];
}

/**
 * Judges a run: the lead must be archived; a test lead must be marked and reach no CRM; a real lead
 * must be delivered (or, when a target is down, dead-lettered: kept, but reported as a failure).
 */
export function judgeRun(sentTestLead: boolean, runStatus: string, actions: ActionOutcome[]): Verdict {
  const by = new Map(actions.map((a) => [a.name, a]));
  const status = (name: string) => by.get(name)?.status ?? "NotRun";
  // A lead file of your own can be a test lead too (MSFT_TEST, Validate's shape): the workflow's mark says so.
  const isTestLead = sentTestLead || status(ACTION.markTestLead) === "Succeeded";
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
  } else if (status(ACTION.markDuplicate) === "Succeeded") {
    // The sample's e-mail is fixed: a second `--sample full` within the dedup window is this.
    problems.push(
      "the lead is a duplicate of one already delivered (same e-mail, offer and action within dedupWindowDays): " +
        "nothing was sent. To check a delivery again, send a new e-mail: " +
        'sed "s/someone@/verify-$(date +%s)@/" samples/full-lead.json > /tmp/lead.json, then --sample /tmp/lead.json',
    );
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

/** Polls until the run leaves Running (the CRM steps go on after the HTTP answer), reporting progress. */
export async function waitForRun(
  reader: RunReader,
  runId: string,
  timeoutMs: number,
  pollMs = 3000,
  progress: (line: string) => void = () => undefined,
): Promise<string> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const status = await reader.runStatus(runId);
    if (!["Running", "Waiting", "Suspended"].includes(status) || Date.now() > deadline) return status;
    progress(`run ${runId} is ${status} after ${Math.round((Date.now() - started) / 1000)} s; waiting (up to --wait)`);
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
      const out: ActionOutcome[] = [];
      for await (const a of client.workflowRunActions.list(resourceGroup, workflow, runId)) {
        out.push({ name: a.name ?? "?", status: a.status ?? "Unknown", code: a.code });
      }
      return out;
    },
  };
}

interface VerifyFlags {
  stack?: string;
  sample?: string;
  subscription?: string;
  "resource-group"?: string;
  workflow?: string;
  wait?: string;
  json?: boolean;
}

/** What `verify --json` prints: one object for scripts (the e2e workflow reads `runId` from it). */
export interface VerifyReport {
  sample: string;
  http: { status: number; milliseconds: number; body: unknown };
  runId?: string;
  /** Absent when the run was not read (no --stack, or not answered 200). */
  runStatus?: string;
  /** Whether the run was judged; false when only the HTTP answer was (a URL alone: `ok` says 200, no more). */
  runChecked: boolean;
  ok: boolean;
  lines: string[];
}

interface Target {
  url?: string;
  subscription?: string;
  resourceGroup?: string;
  workflow?: string;
}

export const VERIFY: Command<VerifyFlags> = {
  name: "verify",
  usage: [
    "npm run verify -- --stack dev [--sample validate|full|<file.json>] [--wait 600]",
    `${CALLBACK_URL_ENV}=<signed URL> npm run verify -- [--subscription <id> --resource-group <rg> --workflow <name>]`,
  ],
  flags: {
    stack: { type: "string", help: "read the URL and names from `pulumi stack output` (needs the Pulumi CLI)" },
    sample: { type: "string", help: "sample name or a JSON file of a lead (default: validate)" },
    subscription: { type: "string", help: "subscription id of the workflow (to check its run)" },
    "resource-group": { type: "string", help: "resource group of the workflow" },
    workflow: { type: "string", help: "name of the workflow" },
    wait: { type: "string", help: "seconds to wait for the run to finish (default: 600)" },
    json: { type: "boolean", help: "print one JSON object (HTTP answer, run id, verdict) for scripts" },
  },
  run: verify,
};

/** Fills URL, resource group and workflow from the stack's outputs. */
function fromStack(flags: VerifyFlags, url: string | undefined): Target {
  const given = {
    url,
    subscription: flags.subscription,
    resourceGroup: flags["resource-group"],
    workflow: flags.workflow,
  };
  if (!flags.stack) return given;
  const out = stackOutputs(
    flags.stack,
    `set ${CALLBACK_URL_ENV} and pass --subscription, --resource-group and --workflow`,
  );
  return {
    url: stackEndpointUrl(flags.stack, out.leadEndpointUrl, url),
    resourceGroup: given.resourceGroup ?? out.resourceGroupName,
    workflow: given.workflow ?? out.workflowName,
    subscription: given.subscription ?? /\/subscriptions\/([^/]+)\//.exec(out.workflowId ?? "")?.[1],
  };
}

/** What {@link verifyRun} reads besides its target: replaced in tests. */
export interface VerifyDeps {
  send: typeof sendLead;
  reader: (subscription: string, resourceGroup: string, workflow: string) => Promise<RunReader>;
  /** Lines for a person (stdout, or stderr under --json). */
  say: (line: string) => void;
  pollMs?: number;
}

/** Sends `sample` to the target and, when the workflow is named, judges its run. */
export async function verifyRun(
  target: Target & { url: string },
  sample: string,
  waitSeconds: number,
  deps: VerifyDeps,
): Promise<VerifyReport> {
  const { say } = deps;
  say(`POST ${redactUrl(target.url)} (sample: ${sample})`);
  const result = await deps.send(target.url, loadSample(sample));
  const http = { status: result.status, milliseconds: result.milliseconds, body: result.body };
  say(`HTTP ${result.status} in ${result.milliseconds} ms: ${JSON.stringify(result.body)}`);
  const runId = (result.body as { runId?: string } | null)?.runId;
  const report: VerifyReport = { sample, http, runId, runChecked: false, ok: result.status === 200, lines: [] };
  const { subscription, resourceGroup, workflow } = target;
  if (result.status !== 200) return report;
  if (!subscription || !resourceGroup || !workflow || !runId) {
    report.lines.push(
      "Endpoint answered 200; the run was not checked (archived? delivered?): give --stack (or --subscription, " +
        "--resource-group, --workflow) to check it.",
    );
    return report;
  }
  const reader = await deps.reader(subscription, resourceGroup, workflow);
  say(`Waiting for run ${runId} (CRM calls go on after the answer; up to ${waitSeconds} s)...`);
  report.runStatus = await waitForRun(reader, runId, waitSeconds * 1000, deps.pollMs ?? 3000, say);
  const verdict = judgeRun(sample === "validate", report.runStatus, await reader.actions(runId));
  return { ...report, runChecked: true, ok: verdict.ok, lines: verdict.lines };
}

async function verify(flags: VerifyFlags): Promise<number> {
  const waitSeconds = wholeNumberFlag("wait", flags.wait, 0, 3600, 600);
  const sample = flags.sample ?? "validate";
  const target = fromStack(flags, await secretFromEnv(CALLBACK_URL_ENV));
  if (!target.url)
    throw new UsageError(`Give --stack <stack>, or set ${CALLBACK_URL_ENV} to the endpoint's signed URL.`);
  // With --json, stdout carries the one object; what a person reads goes to stderr.
  const say = flags.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const report = await verifyRun({ ...target, url: target.url }, sample, waitSeconds, {
    send: sendLead,
    reader: azureRunReader,
    say,
  });
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const line of report.lines) console.log(line);
    if (report.runStatus !== undefined || report.http.status !== 200)
      console.log(report.ok ? "verify: OK" : "verify: FAILED");
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}

if (require.main === module) main(VERIFY);
