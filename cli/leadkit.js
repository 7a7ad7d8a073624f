#!/usr/bin/env node
// `npx leadkit <command>` and the npm scripts of the CLIs. The sources are TypeScript, compiled on load by
// esbuild through cli/register.js (cached between starts): it starts in a fraction of ts-node's time, which
// loads the TypeScript compiler first.
"use strict";
require("./register.js");
require("./leadkit.ts").main();
