/**
 * Cost per lead path from real local runs of a stack's definition: each path is driven through the local
 * endpoint (Azurite tables, CRM stand-ins) and priced from its run history. Counts of executions do not
 * depend on timing, so the README's cost table is generated from here (costTable.ts).
 */
import { LocalEndpoint } from "../../local/endpoint";
import { WorkflowRun } from "../../emulator/types";
import { replayDeadLetters } from "../../function-code/src/replay/replayDeadLetters";
import { loadSample } from "../../ops/verify";
import { LoadedStack } from "../../program/stacks";
import { TARGET_STANDIN } from "../../targets";
import { Billed, billedOperations, costPer1000, Executions, executions } from "./billing";

export const LEAD_PATHS = ["delivered", "validate", "duplicate", "incomplete", "dead-letter", "replayed"] as const;
export type LeadPath = (typeof LEAD_PATHS)[number];

export interface PathCost {
  stack: string;
  path: LeadPath;
  runStatus: string;
  billed: Billed[];
  executions: Executions;
  /** US list price per 1,000 leads taking this path. */
  cost: number;
}

/** A full lead nobody sent before (the dedup claim is per person, offer and action). */
let sample: { UserDetails: Record<string, unknown> } | undefined;

export function uniqueLead(tag: string): Record<string, unknown> {
  const lead = (sample ??= loadSample("full") as { UserDetails: Record<string, unknown> });
  return { ...lead, UserDetails: { ...lead.UserDetails, Email: `bench-${tag}@contoso.com` } };
}

async function runOf(endpoint: LocalEndpoint, body: unknown, headers: Record<string, string> = {}) {
  const posted = await endpoint.post({ method: "POST", headers, body });
  if (!posted.done) throw new Error(`The endpoint refused the lead: HTTP ${posted.response.statusCode}.`);
  return { response: posted.response, run: await posted.done };
}

function priced(stack: string, path: LeadPath, run: WorkflowRun): PathCost {
  const billed = billedOperations(run);
  const e = executions(billed);
  return { stack, path, runStatus: run.status, billed, executions: e, cost: costPer1000(e) };
}

/** Dead-letters a lead with the stack's first CRM stand-in down, then replays it once the stand-in is back. */
async function deadLetterAndReplay(endpoint: LocalEndpoint, stack: LoadedStack, nonce: string) {
  const target = stack.config.targets.map((t) => TARGET_STANDIN[t]).find((s) => s !== undefined);
  if (!target) return [];
  endpoint.standins.down(target);
  const dead = (await runOf(endpoint, uniqueLead(`${nonce}-dead`))).run;
  endpoint.standins.up(target);
  const replays = new Map<string, WorkflowRun>();
  const outcomes = await replayDeadLetters({
    table: endpoint.tables.table(stack.config.archiveTableName),
    send: async (lead, headers) => {
      const { response, run } = await runOf(endpoint, lead, headers);
      replays.set(run.name, run);
      return { status: response.statusCode, body: response.body };
    },
  });
  const mine = outcomes.find((o) => o.row.endsWith(`/${dead.name}`)); // "<PartitionKey>/<RowKey>"
  const replay = mine?.newRun ? replays.get(mine.newRun) : undefined;
  if (!replay) throw new Error(`Run ${dead.name} was not replayed: ${JSON.stringify(mine ?? outcomes)}`);
  return [priced(stack.stack, "dead-letter", dead), priced(stack.stack, "replayed", replay)];
}

/**
 * Every path once on `stack`, in LEAD_PATHS order. `nonce` keeps the leads unique in a shared archive.
 * The endpoint must be prepared and use retryScale 0 (retries at once: the count is the same, only faster).
 */
export async function costPaths(endpoint: LocalEndpoint, stack: LoadedStack, nonce: string): Promise<PathCost[]> {
  const lead = uniqueLead(`${nonce}-delivered`);
  const delivered = (await runOf(endpoint, lead)).run;
  const duplicate = (await runOf(endpoint, lead)).run;
  const validate = (await runOf(endpoint, loadSample("validate"))).run;
  const incomplete = (await runOf(endpoint, { ...lead, UserDetails: {} })).run;
  return [
    priced(stack.stack, "delivered", delivered),
    priced(stack.stack, "validate", validate),
    priced(stack.stack, "duplicate", duplicate),
    priced(stack.stack, "incomplete", incomplete),
    ...(await deadLetterAndReplay(endpoint, stack, nonce)),
  ];
}
