"use strict";
// The compile hook of `leadkit`, the npm scripts and mocha: TypeScript sources are compiled by esbuild
// on first load and the result is kept in node_modules/.cache/leadkit-cli, keyed by the file's path and
// content; a later start reads the cached JavaScript and never starts esbuild (its native process cost about
// 150 ms of a 460 ms `verify --help`). Type checks belong to `npm test`. Dynamic import() is compiled to
// require() so that commands load on demand through this same hook. LEADKIT_COMPILE_CACHE moves the cache.
const { Buffer } = require("buffer");
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

/**
 * Stack traces name the TypeScript lines: each compiled file's inline map is kept (as text) and parsed on the
 * first stack frame in that file. Node's own source maps (process.setSourceMapsEnabled) read and parse the map
 * of every module loaded, node_modules' too, and map every frame of every `error.stack`, which the Pulumi SDK
 * reads for each of its promises: they cost a fifth of the CPU of a mocha run of the component tests. The source
 * line Node prints above an uncaught error's stack is the compiled JavaScript's (the frames below are mapped).
 */
const MAP_COMMENT = "//# sourceMappingURL=data:application/json;base64,";
const maps = new Map(); // filename -> the map's base64 text until first used, then a SourceMap (null: unreadable)

function mapOf(filename) {
  let map = maps.get(filename);
  if (typeof map === "string") {
    try {
      map = new Module.SourceMap(JSON.parse(Buffer.from(map, "base64").toString("utf8")));
    } catch {
      map = null; // the frame keeps its JavaScript position
    }
    maps.set(filename, map);
  }
  return map;
}

/** V8's text for one frame, its position moved to the TypeScript line and column when the file has a map. */
function frameText(frame) {
  const text = String(frame);
  const file = frame.getFileName();
  const map = file && maps.has(file) ? mapOf(file) : undefined;
  if (!map) return text;
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const entry = map.findEntry(line - 1, column - 1);
  const at = `${file}:${line}:${column}`;
  const i = text.lastIndexOf(at);
  if (entry.originalLine === undefined || i < 0) return text;
  return `${text.slice(0, i)}${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(i + at.length)}`;
}

/** V8's stack text ("Error: message" then "    at ..." per frame), with the frames mapped as above. */
Error.prepareStackTrace = (error, frames) => {
  let head;
  try {
    // Node's own errors head their stack with their code: `TypeError [ERR_INVALID_ARG_TYPE]: ...`. Which errors are
    // Node's is private to Node: any with an own ERR_* code gets it, after a non-empty name. An AssertionError's
    // name carries its code while its stack is taken: not twice.
    const base = Error.prototype.toString.call(error);
    const code = Object.hasOwn(error, "code") && error.code;
    const tag = typeof code === "string" && /^ERR_[A-Z0-9_]+$/.test(code) ? ` [${code}]` : "";
    const name = error.name;
    head =
      tag && typeof name === "string" && name !== "" && !name.endsWith(tag) && base.startsWith(name)
        ? `${name}${tag}${base.slice(name.length)}`
        : base;
  } catch {
    head = "<error>";
  }
  return frames.length === 0 ? head : `${head}\n    at ${frames.map(frameText).join("\n    at ")}`;
};

Module._extensions[".ts"] = (module, filename) => {
  const code = compiled(filename, fs.readFileSync(filename, "utf8"));
  const at = code.lastIndexOf(MAP_COMMENT);
  if (at >= 0) maps.set(filename, code.slice(at + MAP_COMMENT.length).trim());
  module._compile(code, filename);
};
