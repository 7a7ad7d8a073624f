"use strict";
// Mocha's spec reporter, plus the plain closing line CI reads: "N passed, N failed[, N skipped]".
// Under --dry-run no test runs, yet mocha counts each as a pass: report them as not run instead.
// Before that line, the slowest spec files (hooks included), so a slow suite names where its time goes.
const path = require("path");
const Mocha = require("mocha");
const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

const SLOWEST_SHOWN = 5;

function summary(stats, dryRun) {
  if (dryRun) return `0 passed, 0 failed, ${stats.passes || 0} not run (dry run)`;
  const skipped = stats.pending ? `, ${stats.pending} skipped` : "";
  return `${stats.passes || 0} passed, ${stats.failures || 0} failed${skipped}`;
}

/** "slowest: tests/a.spec.ts 41.2 s, ..." from milliseconds per file; undefined when nothing was timed. */
function slowest(msByFile, shown = SLOWEST_SHOWN) {
  const top = [...msByFile].sort((a, b) => b[1] - a[1]).slice(0, shown);
  if (top.length === 0) return undefined;
  return `slowest: ${top.map(([file, ms]) => `${file} ${(ms / 1000).toFixed(1)} s`).join(", ")}`;
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const dryRun = Boolean(runner.dryRun ?? options?.dryRun);
    // A file's time: from its first top-level suite's start to its last one's end (serial runs).
    const msByFile = new Map();
    const started = new Map();
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.parent?.root && suite.file) started.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      if (!started.has(suite)) return;
      const file = path.relative(process.cwd(), suite.file);
      msByFile.set(file, (msByFile.get(file) || 0) + Date.now() - started.get(suite));
    });
    runner.once(EVENT_RUN_END, () => {
      const slow = dryRun ? undefined : slowest(msByFile);
      if (slow) process.stdout.write(`${slow}\n`);
      process.stdout.write(`${summary(runner.stats || {}, dryRun)}\n`);
    });
  }
}

module.exports = SummaryReporter;
module.exports.slowest = slowest;
