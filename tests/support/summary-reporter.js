"use strict";
// Mocha's spec reporter, plus the plain closing line CI reads: "N passed, N failed[, N skipped]".
// Under --dry-run no test runs, yet mocha counts each as a pass: report them as not run instead.
const Mocha = require("mocha");
const { EVENT_RUN_END } = Mocha.Runner.constants;

function summary(stats, dryRun) {
  if (dryRun) return `0 passed, 0 failed, ${stats.passes || 0} not run (dry run)`;
  const skipped = stats.pending ? `, ${stats.pending} skipped` : "";
  return `${stats.passes || 0} passed, ${stats.failures || 0} failed${skipped}`;
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const dryRun = Boolean(runner.dryRun ?? options?.dryRun);
    runner.once(EVENT_RUN_END, () => process.stdout.write(`${summary(runner.stats || {}, dryRun)}\n`));
  }
}

module.exports = SummaryReporter;
