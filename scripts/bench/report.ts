/**
 * The body of `npm run bench` (scripts/bench.ts parses the flags and loads this only to run): the cost table,
 * the throughput levels of each stack, the expression engine and the CLI start-up, printed as measured.
 */
import * as os from "os";
import { startAzurite } from "../../local/azurite";
import { listStacks, loadStack } from "../../program/stacks";
import { BARE_FLOW, costPer1000, listBilled } from "./billing";
import { CLI_ENTRIES, cliStartup, serveReadyMs } from "./clis";
import { costStacks, costTable, DATAVERSE_ONLY, measureCosts, targetsByStack } from "./costTable";
import { expressionSpeed, referenceSpeed } from "./expressions";
import { formatSpread } from "./stats";
import { describeOps } from "./storageOps";
import { Level, measureThroughput, Round, summarize, ThroughputOptions } from "./throughput";
import { UsageError, Values } from "../../ops/cli";

/** The parsed flags of this run (set once by bench()). */
let flags: Values = {};

function option(name: string, fallback: string): string {
  const value = flags[name];
  return typeof value === "string" ? value : fallback;
}

function numberOption(name: string, fallback: number): number {
  const text = option(name, String(fallback));
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} is "${text}": give a whole number of at least 1.`);
  return n;
}

async function costs(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const stacks = costStacks();
    const all = await measureCosts(azurite.connectionString, stacks);
    console.log("1. Azure cost per lead path (real local runs; US list prices):\n");
    console.log(costTable(all, targetsByStack(stacks)));
    const bare = costPer1000(BARE_FLOW);
    console.log(
      `\nBare flow: ${BARE_FLOW.builtIn} built-in + ${BARE_FLOW.connector} connector = $${bare.toFixed(3)}/1,000`,
    );
    for (const c of all.filter((x) => x.stack === DATAVERSE_ONLY && ["delivered", "validate"].includes(x.path))) {
      const goal = c.path === "delivered" ? 2 : 1;
      const ratio = c.cost / bare;
      const verdict = ratio <= goal ? "meets" : "misses";
      console.log(`  ${c.path} on ${c.stack}: ${ratio.toFixed(2)}x the bare flow (goal <= ${goal}x: ${verdict})`);
      console.log(`    billed: ${listBilled(c.billed)}`);
    }
  } finally {
    await azurite.stop();
  }
}

/**
 * The first level's discarded warm-up, round by round: it meets a freshly started Azurite and endpoint, so
 * a reader can see that the warm-up reached the plateau the measured rounds report.
 */
export function warmupLine(level: Level): string {
  const perSecond = (kind: Round["kind"]) =>
    level.warmup
      .filter((r) => r.kind === kind)
      .map((r) => r.perSecond.toFixed(0))
      .join(" ");
  return `warm-up at ${level.archivedRows} rows (discarded), per round: floor ${perSecond("floor")}; endpoint ${perSecond("endpoint")}`;
}

function printLevel(level: Level): void {
  const s = summarize(level);
  const cells = [
    String(level.archivedRows).padStart(8),
    formatSpread(s.endpoint).padEnd(17),
    formatSpread(s.floor).padEnd(17),
    formatSpread(s.ratio, 2).padEnd(17),
    `${formatSpread(s.answerP50)} / ${formatSpread(s.answerP99)}`.padEnd(29),
    `${formatSpread(s.finishedP50)} / ${formatSpread(s.finishedP99)}`.padEnd(31),
    formatSpread(s.cpuPerRun, 2),
  ];
  console.log(`   ${cells.join(" ")}`);
}

async function throughput(stackName: string, options: ThroughputOptions): Promise<void> {
  const azurite = await startAzurite(); // a fresh archive per stack (the stacks share table names)
  try {
    console.log(
      `\n2. Stack ${stackName}: ${options.concurrency} concurrent unique leads, rounds of ${options.roundSize},`,
    );
    console.log(
      `   ${options.rounds} floor + ${options.rounds} endpoint rounds alternating after ${options.firstWarmups} warm-up pairs (${options.warmups} at later levels); median (min-max);`,
    );
    console.log(
      "   each round starts from the level's archived rows (the rounds' own rows are deleted between rounds)",
    );
    let first = true;
    await measureThroughput(loadStack(stackName), azurite.connectionString, options, (level, ops) => {
      if (first) {
        console.log(`   floor per lead, from a real delivered run's storage actions: ${describeOps(ops)}`);
        console.log(`   ${warmupLine(level)}`);
        console.log(
          "   archived  endpoint runs/s   floor leads/s     ratio             answer p50 / p99 ms           finished p50 / p99 ms           endpoint CPU ms/run",
        );
        first = false;
      }
      printLevel(level);
    });
  } finally {
    await azurite.stop();
  }
}

async function engineAndClis(cliRuns: number): Promise<void> {
  const definitions = listStacks().map((s) => loadStack(s).definition);
  const speed = expressionSpeed(definitions);
  console.log(
    `\n3. Expression engine: ${speed.microsPerEvaluation.toFixed(1)} µs per evaluation (${speed.perSecond.toFixed(0)}/s) over the ${speed.evaluable} of`,
  );
  console.log(
    `   ${speed.total} expressions of the stack definitions that a fixed host can evaluate (parse cached, as at run time)`,
  );
  const table = referenceSpeed();
  console.log(
    `   ${table.microsPerEvaluation.toFixed(1)} µs per evaluation over the ${table.rows} rows of the functions reference table`,
  );
  if (table.refused.length)
    console.log(`   not timed (refused, README: known differences): ${table.refused.join("; ")}`);
  console.log(`\n4. CLI start-up ('<command> --help', directly and through npm run), median of ${cliRuns}:`);
  for (const name of Object.keys(CLI_ENTRIES) as Array<keyof typeof CLI_ENTRIES>) {
    const c = cliStartup(name, cliRuns);
    console.log(
      `   ${name.padEnd(7)} ${String(c.modules).padStart(5)} modules  direct ${c.directMs.toFixed(0)} ms  via npm run ${c.npmMs.toFixed(0)} ms`,
    );
  }
  const ready = await serveReadyMs(cliRuns);
  console.log(`   npm start (serve, direct) to its banner on a fresh state folder: ${ready.toFixed(0)} ms`);
}

export async function bench(values: Values): Promise<void> {
  flags = values;
  const options: ThroughputOptions = {
    concurrency: numberOption("concurrency", 50),
    roundSize: numberOption("round", 100),
    rounds: numberOption("rounds", 9),
    firstWarmups: numberOption("first-warmups", 12),
    warmups: numberOption("warmups", 3),
    levels: option("levels", "0,10000,50000").split(",").map(Number),
  };
  const stacks = option("stacks", listStacks().join(",")).split(",");
  console.log(
    `npm run bench, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores ${os.cpus()[0]?.model ?? ""}, node ${process.version}\n`,
  );
  await costs();
  for (const stack of stacks) await throughput(stack, options);
  await engineAndClis(numberOption("cli-runs", 5));
}
