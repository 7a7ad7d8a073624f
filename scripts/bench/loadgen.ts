/**
 * The bench's load generator, forked as its own process so the load does not share the endpoint's event loop:
 * it POSTs leads over loopback HTTP (endpoint rounds) or performs the floor's storage operations bare against
 * Azurite (floor rounds), `concurrency` at a time, and reports per-request latencies and wall-clock bounds.
 */
import { performance } from "perf_hooks";
import { TablesConnector } from "../../local/connectors/tables";
import { StorageOp } from "./storageOps";

export type LoadJob =
  | { kind: "endpoint"; url: string; leads: unknown[]; concurrency: number }
  | { kind: "floor"; connectionString: string; ops: StorageOp[]; tag: string; count: number; concurrency: number };

export interface LoadResult {
  /** Epoch ms (sub-ms precision), comparable across processes. */
  startedAt: number;
  endedAt: number;
  latencies: number[];
  failures: string[];
}

export const epochMs = () => performance.timeOrigin + performance.now();

async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const startedAt = epochMs();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      await task(i).catch((err: Error) => failures.push(`${i}: ${err.message}`));
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return { startedAt, endedAt: epochMs(), latencies, failures };
}

async function post(url: string, lead: unknown): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(lead),
  });
  const body = await res.text();
  // The answer's body names the cause (the runtime's error, the workflow's own error answer).
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${body.slice(0, 300)}`);
}

/** Like the workflow's retry policy: a dropped connection (no HTTP status) is tried again, at most 3 times. */
async function retried(call: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== undefined || attempt >= 3) throw err;
    }
  }
}

/** One lead's storage operations, in order, on one row per table. */
async function floorLead(tables: TablesConnector, ops: StorageOp[], partitionKey: string, rowKey: string) {
  for (const op of ops) {
    const table = tables.table(op.table);
    const entity = { partitionKey, rowKey, Status: op.action, LeadJson: "{}" };
    if (op.method === "PUT") await retried(() => table.upsertEntity(entity, "Replace"));
    else if (op.method === "POST") await retried(() => table.createEntity(entity));
    else if (op.method === "MERGE" || op.method === "PATCH") await retried(() => table.updateEntity(entity, "Merge"));
    else if (op.method === "GET") await retried(() => table.getEntity(partitionKey, rowKey));
    else throw new Error(`floor: no bare equivalent for ${op.method} ${op.table} (${op.action})`);
  }
}

export function runJob(job: LoadJob): Promise<LoadResult> {
  if (job.kind === "endpoint") return pool(job.leads.length, job.concurrency, (i) => post(job.url, job.leads[i]));
  const tables = new TablesConnector(job.connectionString);
  return pool(job.count, job.concurrency, (i) => floorLead(tables, job.ops, `floor-${job.tag}`, `lead-${i}`));
}

if (require.main === module) {
  process.on("message", (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!(result),
      (err: Error) => process.send!({ error: err.message }),
    );
  });
}
