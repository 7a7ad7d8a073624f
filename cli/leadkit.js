#!/usr/bin/env node
// `npx leadkit <command>` and the npm scripts of the CLIs. The sources are TypeScript, compiled on load by
// esbuild (esbuild-register): it starts in a fraction of ts-node's time, which loads the TypeScript
// compiler first. Type checks belong to `npm test`, as with ts-node --transpile-only. Dynamic import() is
// compiled to require() so that commands load on demand through the same hook.
"use strict";
require("esbuild-register/dist/node").register({ target: "node20", supported: { "dynamic-import": false } });
require("./leadkit.ts").main();
