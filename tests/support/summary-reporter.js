"use strict";
// Mocha's spec reporter, plus the plain closing line CI reads: "N passed, N failed[, N skipped]".
// Under --dry-run no test runs, yet mocha counts each as a pass: report them as not run instead.
// Before that line, the slowest spec files, so a slow suite names where its time goes: wall time per file
// with its hooks in a serial run; in a parallel run (files replayed from the workers, hooks not reported)
// the sum of its tests' own durations.
const path = require("path");
const Mocha = require("mocha");
const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_END } = Mocha.Runner.constants;

const SLOWEST_SHOWN = 5;

function summary(stats, dryRun) {
  if (dryRun) return `0 passed, 0 failed, ${stats.passes || 0} not run (dry run)`;
  const skipped = stats.pending ? `, ${stats.pending} skipped` : "";
  return `${stats.passes || 0} passed, ${stats.failures || 0} failed${skipped}`;
}

/** "slowest: tests/a.spec.ts 41.2 s, ..." from milliseconds per file; undefined when nothing was timed. */
function slowest(msByFile, shown = SLOWEST_SHOWN, what = "") {
  const top = [...msByFile].sort((a, b) => b[1] - a[1]).slice(0, shown);
  if (top.length === 0) return undefined;
  return `slowest${what}: ${top.map(([file, ms]) => `${file} ${(ms / 1000).toFixed(1)} s`).join(", ")}`;
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
    // Parallel runs replay each file's events without `suite.file`; tests still carry file and duration.
    const testMsByFile = new Map();
    runner.on(EVENT_TEST_END, (test) => {
      if (!test.file) return;
      const file = path.relative(process.cwd(), test.file);
      testMsByFile.set(file, (testMsByFile.get(file) || 0) + (test.duration || 0));
    });
    runner.once(EVENT_RUN_END, () => {
      const byFile = msByFile.size > 0 ? msByFile : testMsByFile;
      const slow = dryRun ? undefined : slowest(byFile, SLOWEST_SHOWN, msByFile.size > 0 ? "" : " (tests' own time)");
      if (slow) process.stdout.write(`${slow}\n`);
      process.stdout.write(`${summary(runner.stats || {}, dryRun)}\n`);
    });
  }
}

module.exports = SummaryReporter;
module.exports.slowest = slowest;
