#!/usr/bin/env node
"use strict";
// `npm test`: the type check with ESLint, and Prettier, run alongside mocha instead of before it. They are
// CPU-bound and get a lower priority, so they use the CPU while mocha waits on Azurite, child processes
// and sockets, and its timing-sensitive tests keep first call on the CPU. Each phase's output is shown
// (mocha's live, the others' when they end), then each phase's duration, the slowest named, and last the
// plain line CI reads: "N passed, N failed" (a failed tsc/eslint/prettier phase counts as one failure).
// Mocha runs its files on one worker per core (LEADKIT_TEST_JOBS=1: serially). Arguments go to mocha:
// `npm test -- tests/x.spec.ts`.
const { spawn } = require("child_process");
const os = require("os");
const path = require("path");

const ROOT = path.join(__dirname, "..", "..");
const bin = (file) => path.join(ROOT, "node_modules", file);

/**
 * Where the checks keep what they learnt between runs (inside node_modules: `npm ci` starts it afresh). A
 * re-run checks only what changed: tsc's build info follows imports; ESLint's and Prettier's caches are per
 * file, so a type-aware lint result can go stale when another file's types change. CI (CI=true) uses none.
 */
const CACHE = path.join("node_modules", ".cache", "leadkit-checks");
const cached = (flags) => (process.env.CI ? [] : flags);

/**
 * The static checks: name and node arguments. The type check, ESLint and the check of the committed component
 * schema (Pulumi's analyzer) share one TypeScript program (types-and-lint.js): apart, each parsed azure-native's
 * types.
 */
const CHECKS = [
  {
    name: "typecheck+eslint",
    args: [path.join(__dirname, "types-and-lint.js"), "--schema", "lib/schema.json", ...cached(["--cache", CACHE])],
  },
  {
    name: "prettier",
    args: [
      bin("prettier/bin/prettier.cjs"),
      "--check",
      ".",
      ...cached(["--cache", "--cache-strategy", "content", "--cache-location", path.join(CACHE, "prettier")]),
    ],
  },
];
/**
 * Mocha's flags for `jobs` workers: its spec files are mostly waiting (Azurite, child processes, sockets),
 * so two workers on two cores took 90 s where one took 130-160 s. LEADKIT_TEST_JOBS=1 runs serially (one
 * process, hooks timed per file); the default is one worker per core.
 */
function parallelFlags(env = process.env) {
  const jobs = env.LEADKIT_TEST_JOBS ? Number(env.LEADKIT_TEST_JOBS) : os.availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`LEADKIT_TEST_JOBS is "${env.LEADKIT_TEST_JOBS}": give a whole number of at least 1.`);
  return jobs === 1 ? [] : ["--parallel", "--jobs", String(jobs)];
}
const MOCHA = { name: "mocha", args: [bin("mocha/bin/mocha.js"), ...parallelFlags()] };
const SUMMARY = /^(\d+) passed, (\d+) failed(.*)$/;
/** os.setPriority's scale: 19 is the lowest; 10 yields to mocha without starving the checks. */
const CHECK_PRIORITY = 10;

/** Runs one phase; `onLine` gets its stdout lines live when given, else output is kept for later. */
function runPhase(phase, { onLine, priority } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, phase.args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    if (priority !== undefined) {
      try {
        os.setPriority(child.pid, priority);
      } catch {
        // Not permitted here: the check still runs, at normal priority.
      }
    }
    let out = "";
    let pending = "";
    child.stdout.on("data", (chunk) => {
      if (!onLine) return void (out += chunk);
      const lines = (pending + chunk).split("\n");
      pending = lines.pop();
      for (const line of lines) onLine(line);
    });
    child.stderr.on("data", (chunk) => (onLine ? process.stderr.write(chunk) : (out += chunk)));
    const finish = (code, error) => {
      if (onLine && pending) onLine(pending);
      resolve({ name: phase.name, code, out: out + (error ? `${error.message}\n` : ""), ms: Date.now() - started });
    };
    child.on("error", (error) => finish(null, error));
    child.on("close", (code) => finish(code));
  });
}

/** Runs the checks and mocha together; prints everything and returns the exit code. */
async function runAll({ checks = CHECKS, mocha = MOCHA, mochaArgs = [], write = (s) => process.stdout.write(s) } = {}) {
  const started = Date.now();
  const pendingChecks = checks.map((check) => runPhase(check, { priority: CHECK_PRIORITY }));
  let summary;
  const colour = process.stdout.isTTY ? ["--color"] : [];
  const mochaRun = runPhase(
    { ...mocha, args: [...mocha.args, ...colour, ...mochaArgs] },
    { onLine: (line) => (SUMMARY.test(line) ? (summary = SUMMARY.exec(line)) : write(`${line}\n`)) },
  );
  const results = [await mochaRun, ...(await Promise.all(pendingChecks))];
  for (const r of results.slice(1)) {
    write(`\n${r.name}: ${r.code === 0 ? "ok" : `FAILED (exit ${r.code})`}\n`);
    if (r.code !== 0 || r.out.trim()) write(r.out.endsWith("\n") || !r.out ? r.out : `${r.out}\n`);
  }
  const byTime = [...results].sort((a, b) => b.ms - a.ms);
  const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
  write(`\nphases (run together): ${byTime.map((r) => `${r.name} ${secs(r.ms)}`).join(", ")}\n`);
  write(`slowest phase: ${byTime[0].name} ${secs(byTime[0].ms)}; wall ${secs(Date.now() - started)}\n`);
  const failedChecks = results.slice(1).filter((r) => r.code !== 0);
  const mochaBroke = !summary || (results[0].code !== 0 && Number(summary[2]) === 0);
  const passed = summary ? Number(summary[1]) : 0;
  const failed = (summary ? Number(summary[2]) : 0) + failedChecks.length + (mochaBroke ? 1 : 0);
  if (failedChecks.length) write(`failed checks: ${failedChecks.map((r) => r.name).join(", ")}\n`);
  if (mochaBroke) write(`mocha exited ${results[0].code} ${summary ? "" : "without its summary line"}\n`);
  write(`${passed} passed, ${failed} failed${summary ? summary[3] : ""}\n`);
  return failed > 0 ? 1 : 0;
}

module.exports = { runAll, CHECKS, MOCHA, parallelFlags };

if (require.main === module) {
  runAll({ mochaArgs: process.argv.slice(2) }).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
