"use strict";
// Mocha merges a config file's `spec` with the files named on the command line, so the default list is used
// only when no spec file is named: `npx mocha tests/x.spec.ts` runs that file alone, `npx mocha` runs all.
const fs = require("fs");

// The tests assert what the example stacks (examples/) do: a Pulumi.<stack>.yaml of the user's own, next to
// Pulumi.yaml, is not read (program/stackFiles.ts). Set here, it reaches mocha's workers and every child process.
process.env.LEADKIT_EXAMPLE_STACKS = "1";

const DEFAULT_SPEC = ["tests/**/*.spec.ts", "function-code/tests/**/*.spec.ts"];
const namesSpec = (arg) =>
  !arg.startsWith("-") && /\.[cm]?[jt]s$/.test(arg) && (arg.includes("*") || fs.existsSync(arg));
/** Mocha options whose next argument is their value, not a spec (`--config x.js`, `-r y.js`). */
const TAKES_VALUE = new Set(["--config", "--require", "-r", "--reporter", "-R", "--reporter-option", "-O", "--file"]);
const specsNamed = (args) => args.some((arg, i) => namesSpec(arg) && !TAKES_VALUE.has(args[i - 1]));

module.exports = {
  // TypeScript through the same esbuild compile cache as the CLIs (cli/register.js): about twice as fast
  // as ts-node to load; types are checked by the typecheck phase of `npm test`.
  require: ["./cli/register.js", "tests/support/azurite.ts"],
  extension: ["ts"],
  ...(specsNamed(process.argv.slice(2)) ? {} : { spec: DEFAULT_SPEC }),
  reporter: "tests/support/summary-reporter.js",
  timeout: 20000,
};
