"use strict";
// The compile hook of `leadkit`, the npm scripts and mocha: TypeScript sources are compiled by esbuild
// on first load and the result is kept in node_modules/.cache/leadkit-cli, keyed by the file's path and
// content; a later start reads the cached JavaScript and never starts esbuild (its native process cost about
// 150 ms of a 460 ms `verify --help`). Type checks belong to `npm test`. Dynamic import() is compiled to
// require() so that commands load on demand through this same hook. LEADKIT_COMPILE_CACHE moves the cache.
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const CACHE = process.env.LEADKIT_COMPILE_CACHE || path.join(__dirname, "..", "node_modules", ".cache", "leadkit-cli");
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  supported: { "dynamic-import": false },
  sourcemap: "inline",
};
const SALT = `${require("esbuild/package.json").version}\0${JSON.stringify(OPTIONS)}`;
/** esbuild's transformSync, loaded on the first cache miss only. */
let transformSync;

/** The compiled JavaScript of `filename`, from the cache when its content was compiled before. */
function compiled(filename, source) {
  const key = crypto.createHash("sha256").update(`${SALT}\0${filename}\0${source}`).digest("hex");
  const file = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    transformSync ??= require("esbuild").transformSync;
    const { code } = transformSync(source, { ...OPTIONS, sourcefile: filename });
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, code);
      fs.renameSync(partial, file); // whole or absent: a reader never sees half a file
    } catch {
      // A read-only tree: compile every time, as before.
    }
    return code;
  }
}

Module._extensions[".ts"] = (module, filename) => {
  module._compile(compiled(filename, fs.readFileSync(filename, "utf8")), filename);
};
process.setSourceMapsEnabled(true); // stack traces name the TypeScript lines
