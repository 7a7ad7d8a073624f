#!/usr/bin/env node
// `npx leadkit <command>`: the kit's CLIs without npm's banner. The sources are TypeScript, run through
// ts-node (a runtime dependency for that reason), type checks skipped as in the npm scripts.
"use strict";
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../local/cli.ts").main();
