/**
 * `npm run bench`: figures, not pass/fail. Local endpoint throughput and latency with the archive on,
 * against a bare Azurite insert loop (the floor); billable executions per lead and cost per 1,000
 * leads for each stack; definition render time. Loopback only, bounded counts.
 *
 *   npm run bench                          # 500 leads, 20 at a time
 *   npm run bench -- --leads 2000 --concurrency 50
 */
import { performance } from "perf_hooks";
import { startAzurite } from "../local/azurite";
import { LocalEndpoint } from "../local/endpoint";
import { startLocalServer } from "../local/server";
import { WorkflowRun } from "../local/types";
import { loadSample } from "../ops/verify";
import { listStacks, loadStack } from "../workflow/stacks";

/** US list prices per execution (Consumption), see README "Cost". Check the pricing page for yours. */
export const PRICE = { action: 0.000025, standardConnector: 0.000125 };

const option = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(count: number, width: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Billable executions of one run: the trigger and built-in actions, and managed connector calls (retries included). */
export function billable(run: WorkflowRun): { actions: number; connectorCalls: number } {
  let actions = 1; // the Request trigger
  let connectorCalls = 0;
  for (const a of Object.values(run.actions)) {
    if (a.status === "Skipped") continue;
    const attempts = 1 + (a.retryHistory?.length ?? 0);
    if (a.type === "ApiConnection") connectorCalls += attempts;
    else actions += attempts;
  }
  return { actions, connectorCalls };
}

async function main(): Promise<void> {
  const leads = option("leads", 500);
  const width = option("concurrency", 20);
  const azurite = await startAzurite();
  try {
    const dev = loadStack("dev");
    const endpoint = new LocalEndpoint({
      stack: dev,
      tablesConnectionString: azurite.connectionString,
      retryScale: 0,
      keepRuns: leads + 10,
    });
    await endpoint.prepare();
    const server = await startLocalServer({ endpoint, key: "bench", triggerName: "manual" });
    const lead = loadSample("full") as Record<string, unknown>;

    const floorTable = endpoint.tables.table(dev.config.archiveTableName);
    const floor = await measure(leads, width, async (i) => {
      await floorTable.upsertEntity(
        { partitionKey: "bench", rowKey: `floor-${i}`, LeadJson: JSON.stringify(lead) },
        "Replace",
      );
    });
    const http = await measure(leads, width, async (i) => {
      const body = JSON.stringify({ ...lead, Description: `bench ${i}` });
      const res = await fetch(server.callbackUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`lead ${i}: HTTP ${res.status}`);
    });
    await server.close();

    console.log(
      `Local endpoint, stack dev, ${leads} leads, ${width} concurrent (archive in Azurite on, CRM stand-ins):`,
    );
    console.log(
      `  endpoint:            ${http.perSecond.toFixed(0)} leads/s, answer p50 ${http.p50.toFixed(1)} ms, p99 ${http.p99.toFixed(1)} ms`,
    );
    console.log(
      `  floor (bare insert): ${floor.perSecond.toFixed(0)} inserts/s, p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`,
    );
    console.log(`  endpoint / floor:    ${(http.perSecond / floor.perSecond).toFixed(2)} of the bare insert rate`);
    console.log(`  memory (RSS):        ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);

    console.log("\nBillable executions per lead (from the run history) and cost per 1,000 leads at US list prices:");
    console.log("  stack  lead        actions  connector calls  $ per 1,000 leads");
    for (const stack of listStacks()) {
      const e = new LocalEndpoint({
        stack: loadStack(stack),
        tablesConnectionString: azurite.connectionString,
        retryScale: 0,
      });
      await e.prepare();
      for (const sample of ["full", "validate"]) {
        const posted = await e.post({ method: "POST", headers: {}, body: loadSample(sample) });
        const b = billable(await posted.done!);
        const cost = (b.actions * PRICE.action + b.connectorCalls * PRICE.standardConnector) * 1000;
        console.log(
          `  ${stack.padEnd(6)} ${sample.padEnd(11)} ${String(b.actions).padStart(7)}  ${String(b.connectorCalls).padStart(15)}  ${cost.toFixed(3).padStart(17)}`,
        );
      }
    }

    console.log("\nRender time (build the definition from the stack file, mean of 50):");
    for (const stack of listStacks()) {
      const t = performance.now();
      for (let i = 0; i < 50; i++) loadStack(stack);
      console.log(`  ${stack}: ${((performance.now() - t) / 50).toFixed(2)} ms`);
    }
  } finally {
    await azurite.stop();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
