/**
 * Two expression engines side by side in one process: the tree's `emulator/expressions` and a baseline copy
 * (e.g. `git archive <commit> emulator | tar -x -C /tmp/base`, with a node_modules link), alternating round by
 * round after a warm-up. Reports CPU µs per evaluation (process.cpuUsage: fairer than wall time on a loaded
 * machine) as median (min-max), and first checks that both engines give the same results and error texts.
 *
 *   npx ts-node --transpile-only scripts/bench/exprCompare.ts [--baseline DIR/emulator/expressions] [--rounds 9]
 *     [--ms 400] [--only actions|plain|reference]
 * Without --baseline it times the tree's engine alone (for `node --cpu-prof`).
 */
import fs from "fs";
import path from "path";
import { parseArgs } from "util";
import { ExpressionHost } from "../../emulator/types";
import * as current from "../../emulator/expressions";
import reference from "../../emulator/expressions/reference/examples.json";
import { referenceHost } from "../../emulator/expressions/reference/host";
import { formatSpread, spread } from "./stats";
import { fixedHost } from "./expressions";

type Evaluate = (value: unknown, host: ExpressionHost) => unknown;
interface Engine {
  name: string;
  evaluate: Evaluate;
}
/** One evaluation: a JSON value (template strings inside) and the host it runs against. */
interface Job {
  value: unknown;
  host: ExpressionHost;
}

const RENDERED = ["dev", "prod"].map((stack) => path.join(__dirname, `../../rendered/${stack}.workflow.json`));

/** The fixed host with its trigger built once, as the runtime's host does (emulator/runtime/host.ts). */
function frozenHost(): ExpressionHost {
  const host = fixedHost();
  const trigger = host.trigger();
  const records = new Map<string, unknown>();
  const action = host.action.bind(host);
  return {
    ...host,
    trigger: () => trigger,
    action: (name) => records.get(name) ?? (records.set(name, action(name)), records.get(name)),
  };
}

/** What the runner evaluates per action: its `inputs`, an If's `expression`, a Foreach's list; nested actions too. */
function actionValues(actions: Record<string, Record<string, unknown>>, out: Map<string, unknown>): void {
  for (const [name, action] of Object.entries(actions)) {
    for (const key of ["inputs", "expression", "foreach"]) if (key in action) out.set(`${name}.${key}`, action[key]);
    for (const key of ["actions", "else", "default"]) {
      const inner = action[key] as { actions?: unknown } | undefined;
      if (inner) actionValues((key === "actions" ? inner : inner.actions) as Record<string, never>, out);
    }
    const cases = action.cases as Record<string, { actions: Record<string, never> }> | undefined;
    for (const c of Object.values(cases ?? {})) actionValues(c.actions, out);
  }
}

function workloads(): Record<string, Job[]> {
  const host = frozenHost();
  const values = new Map<string, unknown>();
  for (const file of RENDERED) {
    const definition = JSON.parse(fs.readFileSync(file, "utf8")) as { actions: Record<string, never> };
    actionValues(definition.actions, values);
  }
  const actions = [...values.values()].map((value) => ({ value, host }));
  const plain = [...values].filter(([k]) => k === "Plain_mapping.inputs").map(([, value]) => ({ value, host }));
  type Row = { expression?: string; template?: string; now?: string };
  const hosts = new Map<string | undefined, ExpressionHost>();
  const rows = (reference.rows as Row[]).filter((r) => !/rand\(|guid\(/.test(r.expression ?? ""));
  const referenceJobs = rows.map((r) => {
    if (!hosts.has(r.now)) hosts.set(r.now, referenceHost(r.now));
    return { value: r.template ?? `@${r.expression}`, host: hosts.get(r.now)! };
  });
  return { actions, plain, reference: referenceJobs };
}

const outcome = (evaluate: Evaluate, job: Job): string => {
  try {
    return `ok ${JSON.stringify(evaluate(job.value, job.host))}`;
  } catch (err) {
    return `error ${(err as Error).message}`;
  }
};

/** Both engines give the same value or the same error text for every job; returns the jobs that evaluate. */
function sameOutcomes(engines: Engine[], jobs: Job[], label: string): Job[] {
  const ok: Job[] = [];
  for (const job of jobs) {
    const seen = engines.map((e) => outcome(e.evaluate, job));
    if (seen.some((s) => s !== seen[0]))
      throw new Error(`${label}: engines differ on ${JSON.stringify(job.value).slice(0, 200)}:\n${seen.join("\n")}`);
    if (seen[0].startsWith("ok ")) ok.push(job);
  }
  return ok;
}

/** CPU µs per evaluation of `jobs`, looped for about `ms` of CPU time. */
function cpuMicros(evaluate: Evaluate, jobs: Job[], ms: number): number {
  let count = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    // Reading the clock costs a system call: read it about every 100 evaluations, not after each pass.
    for (let pass = 0; pass < Math.ceil(100 / jobs.length); pass++) {
      for (const job of jobs) evaluate(job.value, job.host);
      count += jobs.length;
    }
    const d = process.cpuUsage(start);
    used = d.user + d.system;
  }
  return used / count;
}

function main(): void {
  const { values: opts } = parseArgs({
    options: {
      baseline: { type: "string" },
      rounds: { type: "string", default: "9" },
      ms: { type: "string", default: "400" },
      only: { type: "string" },
    },
    strict: true,
  });
  const engines: Engine[] = [{ name: "tree", evaluate: current.evaluateValue }];
  if (opts.baseline) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const base = require(path.resolve(opts.baseline)) as { evaluateValue: Evaluate };
    engines.unshift({ name: "baseline", evaluate: base.evaluateValue });
  }
  const rounds = Number(opts.rounds);
  const ms = Number(opts.ms);
  for (const [label, all] of Object.entries(workloads())) {
    if (opts.only && opts.only !== label) continue;
    const jobs = sameOutcomes(engines, all, label);
    for (const e of engines) cpuMicros(e.evaluate, jobs, ms); // warm-up
    const samples = new Map(engines.map((e) => [e.name, [] as number[]]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...engines].reverse() : engines;
      for (const e of order) samples.get(e.name)!.push(cpuMicros(e.evaluate, jobs, ms));
    }
    const line = engines.map((e) => `${e.name} ${formatSpread(spread(samples.get(e.name)!), 1)} µs`).join("  |  ");
    console.log(`${label} (${jobs.length} of ${all.length} evaluate, ${rounds} rounds): ${line}`);
  }
}

main();
