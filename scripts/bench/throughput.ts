/**
 * Local runtime throughput: finished runs per second at `concurrency` unique leads, with 0, 10,000 and
 * 50,000 rows already archived, against a floor doing the same storage operations per lead bare. Rounds
 * alternate floor and endpoint after a warm-up; the load comes from a forked process (loadgen.ts).
 */
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { TableClient } from "@azure/data-tables";
import { LOCAL_TABLE_ENDPOINT, LocalEndpoint, LocalEndpointOptions, Posted } from "../../local/endpoint";
import { startLocalServer } from "../../local/server";
import { HttpCall, TriggerRequest } from "../../emulator/types";
import { TRIGGER_NAME } from "../../function-code/src/contract";
import { LoadedStack } from "../../program/stacks";
import { epochMs, LoadJob, LoadResult } from "./loadgen";
import { uniqueLead } from "./paths";
import { percentile, spread, Spread } from "./stats";
import { StorageOp, storageOpsOf } from "./storageOps";

/** Records when each run finishes, measured from the moment the server handed the request over. */
class TimedEndpoint extends LocalEndpoint {
  durations: number[] = [];
  lastDone = 0;
  constructor(options: LocalEndpointOptions) {
    super(options);
  }
  override async post(request: TriggerRequest): Promise<Posted> {
    const t = epochMs();
    const posted = await super.post(request);
    void posted.done?.then(() => {
      const end = epochMs();
      this.durations.push(end - t);
      this.lastDone = Math.max(this.lastDone, end);
    });
    return posted;
  }
}

export interface Round {
  kind: "floor" | "endpoint";
  perSecond: number;
  answerP50: number;
  answerP99: number;
  finishedP50?: number;
  finishedP99?: number;
  /** The endpoint process's CPU time per run (user + system), over the round. */
  cpuMsPerRun?: number;
}

export interface Level {
  archivedRows: number;
  /** The discarded warm-up rounds, in the order they ran (floor, endpoint, floor, ...). */
  warmup: Round[];
  endpoint: Round[];
  floor: Round[];
}

export interface ThroughputOptions {
  concurrency: number;
  roundSize: number;
  rounds: number;
  /** Pairs of rounds run and discarded before the first level, which meets freshly started processes. */
  firstWarmups: number;
  /** Pairs of rounds run and discarded before each later level's measured rounds. */
  warmups: number;
  levels: number[];
}

class LoadGenerator {
  private readonly child: ChildProcess = fork(path.join(__dirname, "loadgen.ts"), [], {
    execArgv: ["-r", path.join(__dirname, "..", "..", "cli", "register.js")],
  });
  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.child.once("message", (m: LoadResult & { error?: string }) =>
        m.error ? reject(new Error(`load generator: ${m.error}`)) : resolve(m),
      );
      this.child.send(job);
    });
  }
  stop(): void {
    this.child.kill();
  }
}

/** One entity-group transaction (at most 100 actions, one partition), typed as the SDK wants its tuples. */
const transaction = (table: TableClient, actions: unknown[][]) =>
  table.submitTransaction(actions as Parameters<TableClient["submitTransaction"]>[0]);

/** Adds archive rows up to `to`, 100 per transaction, one partition per batch (Azurite slows on one big partition). */
export async function fillArchive(table: TableClient, from: number, to: number): Promise<void> {
  for (let batch = Math.floor(from / 100); batch < Math.floor(to / 100); batch++) {
    const rows = Array.from({ length: 100 }, (_, i) => [
      "create",
      { partitionKey: `filler-${batch}`, rowKey: `r${i}`, Status: "delivered", DedupKey: `k${batch}-${i}` },
    ]);
    await transaction(table, rows);
  }
}

/** Rows outside fillArchive's `filler-<n>` partitions ('.' follows '-' in the key order). */
const NOT_FILLER = "PartitionKey lt 'filler-' or PartitionKey ge 'filler.'";

/**
 * Deletes every row of `tables` outside the filler partitions, between rounds and untimed: each round
 * starts from the level's rows exactly. Otherwise the bench's own leads pile up in the month's partition,
 * where Azurite's point operations slow as it grows, and later rounds and levels meet a bigger store.
 * Returns the number of rows deleted.
 */
export async function clearRoundRows(connectionString: string, tables: string[]): Promise<number> {
  let deleted = 0;
  for (const name of tables) {
    const table = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    const byPartition = new Map<string, string[]>();
    const rows = table.listEntities({ queryOptions: { filter: NOT_FILLER, select: ["PartitionKey", "RowKey"] } });
    for await (const row of rows) {
      if (!byPartition.has(row.partitionKey!)) byPartition.set(row.partitionKey!, []);
      byPartition.get(row.partitionKey!)!.push(row.rowKey!);
    }
    for (const [partitionKey, rowKeys] of byPartition) {
      // A transaction holds at most 100 operations, all in one partition.
      for (let i = 0; i < rowKeys.length; i += 100) {
        const batch = rowKeys.slice(i, i + 100).map((rowKey) => ["delete", { partitionKey, rowKey }]);
        await transaction(table, batch);
        deleted += batch.length;
      }
    }
  }
  return deleted;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 120000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function failIf(result: LoadResult, what: string): void {
  if (result.failures.length > 0)
    throw new Error(`${what}: ${result.failures.length} failed, first: ${result.failures[0]}`);
}

interface Bench {
  endpoint: TimedEndpoint;
  url: string;
  load: LoadGenerator;
  connectionString: string;
  ops: StorageOp[];
  options: ThroughputOptions;
}

async function endpointRound(b: Bench, tag: string): Promise<Round> {
  const leads = Array.from({ length: b.options.roundSize }, (_, i) => uniqueLead(`${tag}-${i}`));
  b.endpoint.durations = [];
  // This process holds only the endpoint and its server during a round (the load comes from loadgen.ts).
  const cpu = process.cpuUsage();
  const result = await b.load.run({ kind: "endpoint", url: b.url, leads, concurrency: b.options.concurrency });
  failIf(result, `endpoint round ${tag}`);
  await waitFor(() => b.endpoint.durations.length >= leads.length, `the runs of round ${tag}`);
  const used = process.cpuUsage(cpu);
  const seconds = (b.endpoint.lastDone - result.startedAt) / 1000;
  const d = b.endpoint.durations;
  return {
    kind: "endpoint",
    perSecond: leads.length / seconds,
    answerP50: percentile(result.latencies, 50),
    answerP99: percentile(result.latencies, 99),
    finishedP50: percentile(d, 50),
    finishedP99: percentile(d, 99),
    cpuMsPerRun: (used.user + used.system) / 1000 / leads.length,
  };
}

async function floorRound(b: Bench, tag: string): Promise<Round> {
  const { roundSize: count, concurrency } = b.options;
  const result = await b.load.run({
    kind: "floor",
    connectionString: b.connectionString,
    ops: b.ops,
    tag,
    count,
    concurrency,
  });
  failIf(result, `floor round ${tag}`);
  const seconds = (result.endedAt - result.startedAt) / 1000;
  return {
    kind: "floor",
    perSecond: count / seconds,
    answerP50: percentile(result.latencies, 50),
    answerP99: percentile(result.latencies, 99),
  };
}

/**
 * Warm-up (`warmups` pairs, discarded), then `rounds` pairs, floor and endpoint alternating; every round
 * starts from the level's rows (clearRoundRows after each).
 */
async function measureLevel(b: Bench, archivedRows: number, nonce: string, warmups: number): Promise<Level> {
  const level: Level = { archivedRows, warmup: [], endpoint: [], floor: [] };
  const tables = [...new Set(b.ops.map((op) => op.table))];
  const cleared = async <T>(round: Promise<T>) => {
    const result = await round;
    await clearRoundRows(b.connectionString, tables);
    return result;
  };
  for (let w = 0; w < warmups; w++) {
    level.warmup.push(await cleared(floorRound(b, `${nonce}-${archivedRows}-warm${w}`)));
    level.warmup.push(await cleared(endpointRound(b, `${nonce}-${archivedRows}-warm${w}`)));
  }
  for (let r = 0; r < b.options.rounds; r++) {
    level.floor.push(await cleared(floorRound(b, `${nonce}-${archivedRows}-${r}`)));
    level.endpoint.push(await cleared(endpointRound(b, `${nonce}-${archivedRows}-${r}`)));
  }
  return level;
}

/** One stack's levels; returns the floor's operations (from a real delivered run) with them. */
export async function measureThroughput(
  stack: LoadedStack,
  connectionString: string,
  options: ThroughputOptions,
  onLevel: (level: Level, ops: StorageOp[]) => void = () => undefined,
): Promise<{ ops: StorageOp[]; levels: Level[] }> {
  const endpoint = new TimedEndpoint({
    stack,
    tablesConnectionString: connectionString,
    retryScale: 0,
    keepRuns: 20,
  });
  await endpoint.prepare();
  const nonce = `${stack.stack}${Date.now().toString(36)}`;
  const calls: HttpCall[] = [];
  const unwatch = endpoint.tables.watch((call) => calls.push(call));
  const probe = await endpoint.post({ method: "POST", headers: {}, body: uniqueLead(`${nonce}-probe`) });
  if ((await probe.done!).status !== "Succeeded") throw new Error("bench: the probe lead's run did not succeed.");
  unwatch();
  const ops = storageOpsOf(calls, LOCAL_TABLE_ENDPOINT);
  const server = await startLocalServer({ endpoint, key: "bench", triggerName: TRIGGER_NAME });
  const load = new LoadGenerator();
  const b: Bench = { endpoint, url: server.callbackUrl, load, connectionString, ops, options };
  const levels: Level[] = [];
  try {
    let rows = 0;
    for (const target of options.levels) {
      await fillArchive(endpoint.tables.table(stack.config.archiveTableName), rows, target);
      rows = target;
      const warmups = levels.length === 0 ? options.firstWarmups : options.warmups;
      levels.push(await measureLevel(b, target, nonce, warmups));
      onLevel(levels[levels.length - 1], ops);
    }
  } finally {
    load.stop();
    await server.close();
  }
  return { ops, levels };
}

/** Median and min-max of a figure over rounds; the ratio pairs each endpoint round with the floor round before it. */
export function summarize(level: Level) {
  const pick = (rounds: Round[], f: (r: Round) => number | undefined): Spread => spread(rounds.map((r) => f(r)!));
  return {
    endpoint: pick(level.endpoint, (r) => r.perSecond),
    floor: pick(level.floor, (r) => r.perSecond),
    ratio: spread(level.endpoint.map((e, i) => e.perSecond / level.floor[i].perSecond)),
    answerP50: pick(level.endpoint, (r) => r.answerP50),
    answerP99: pick(level.endpoint, (r) => r.answerP99),
    finishedP50: pick(level.endpoint, (r) => r.finishedP50),
    finishedP99: pick(level.endpoint, (r) => r.finishedP99),
    cpuPerRun: pick(level.endpoint, (r) => r.cpuMsPerRun),
    floorP99: pick(level.floor, (r) => r.answerP99),
  };
}
