"use strict";
// Mocha merges a config file's `spec` with the files named on the command line, so the default list is used
// only when no spec file is named: `npx mocha tests/x.spec.ts` runs that file alone, `npx mocha` runs all.
const fs = require("fs");

const DEFAULT_SPEC = ["tests/**/*.spec.ts", "function-code/tests/**/*.spec.ts"];
const namesSpec = (arg) =>
  !arg.startsWith("-") && /\.[cm]?[jt]s$/.test(arg) && (arg.includes("*") || fs.existsSync(arg));

module.exports = {
  require: ["ts-node/register/transpile-only", "tests/support/azurite.ts"],
  extension: ["ts"],
  ...(process.argv.slice(2).some(namesSpec) ? {} : { spec: DEFAULT_SPEC }),
  reporter: "tests/support/summary-reporter.js",
  timeout: 20000,
};
