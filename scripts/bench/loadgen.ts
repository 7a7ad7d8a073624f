/**
 * The bench's load generator, forked as its own process so the load does not share the endpoint's event loop:
 * it POSTs leads over loopback HTTP (endpoint rounds) or sends the floor's storage requests bare to Azurite,
 * with the same client the local runtime uses (floor rounds), `concurrency` at a time, and reports per-request latencies and wall-clock bounds.
 */
import * as http from "http";
import { performance } from "perf_hooks";
import { ConnectorResponse } from "../../emulator/types";
import { TableRest } from "../../local/connectors/tableRest";
import { keyedFor, StorageOp } from "./storageOps";

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

/** Keep-alive sockets, one per lead in flight, as Partner Center's client would hold them; node:http is lighter than fetch. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, lead: unknown): Promise<void> {
  const body = JSON.stringify(lead);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("error", reject);
        // The answer's body names the cause (the runtime's error, the workflow's own error answer).
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 300)}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Like the workflow's retry policy: a dropped connection (no HTTP status) is tried again, at most 3 times. */
async function retried(call: () => Promise<ConnectorResponse>): Promise<ConnectorResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** One lead's storage requests, in order, as the run sent them but with this lead's row keys. */
async function floorLead(rest: TableRest, ops: StorageOp[], tag: string): Promise<void> {
  for (const op of keyedFor(ops, tag)) {
    const r = await retried(() => rest.send(op.method, op.resource, op.headers, op.body));
    if (r.statusCode >= 400)
      throw new Error(`floor: ${op.action} answered HTTP ${r.statusCode} ${JSON.stringify(r.body)}`);
  }
}

export function runJob(job: LoadJob): Promise<LoadResult> {
  if (job.kind === "endpoint") return pool(job.leads.length, job.concurrency, (i) => post(job.url, job.leads[i]));
  const rest = new TableRest(job.connectionString);
  return pool(job.count, job.concurrency, (i) => floorLead(rest, job.ops, `${job.tag}-${i}`));
}

if (require.main === module) {
  process.on("message", (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!(result),
      (err: Error) => process.send!({ error: err.message }),
    );
  });
}
