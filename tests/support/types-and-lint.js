#!/usr/bin/env node
"use strict";
// The type check and ESLint of `npm test`, in one process over one TypeScript program. Run apart (tsc, then
// `eslint .` building its own program for the Pulumi rules) they parsed and bound azure-native's 420,000 lines
// of types twice: 37 CPU-s without caches, 26 together. ESLint's typed rules take the program through
// typescript-eslint's `parserOptions.programs`; the other rules read the syntax only, as in `eslint .`.
//
//   node tests/support/types-and-lint.js [--project tsconfig.json] [--cache <dir>] [--schema <file>] [<path>...]
//
// Run from the directory of eslint.config.mjs; its PULUMI_FILES are linted with types. --cache: keep tsc's build
// info and ESLint's per-file cache there (npm test passes it outside CI). --schema: check that this committed
// component schema is what Pulumi's analyzer generates over the same program (scripts/schema.ts). Paths: what
// ESLint lints (default "."). Exit 0 when all are clean, 1 when any reports an error, 2 on bad arguments.
const path = require("path");

/** The command line as options; throws on an unknown flag or a flag without its value. */
function parseArgs(argv) {
  const options = { project: "tsconfig.json", cache: undefined, schema: undefined, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      options.paths.push(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value.`);
    if (arg === "--project") options.project = value;
    else if (arg === "--cache") options.cache = value;
    else if (arg === "--schema") options.schema = value;
    else throw new Error(`Unknown option "${arg}". Valid options: --project, --cache, --schema.`);
  }
  if (options.paths.length === 0) options.paths.push(".");
  return options;
}

/** tsc's check of `project`: the builder program (incremental when `cache` is given) and its diagnostics. */
function typeCheck(ts, project, cache) {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => console.error(formatted(ts, [d])) };
  const config = ts.getParsedCommandLineOfConfigFile(project, { noEmit: true }, host);
  if (!config) throw new Error(`Cannot read ${project}.`);
  const options = cache
    ? { ...config.options, incremental: true, tsBuildInfoFile: path.join(cache, "tsbuildinfo") }
    : config.options;
  const builder = ts.createIncrementalProgram({ rootNames: config.fileNames, options, projectReferences: [] });
  const diagnostics = [
    ...config.errors,
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  if (cache) builder.emit(); // with noEmit: the build info only, so the next run checks what changed
  return { program: builder.getProgram(), diagnostics };
}

/** scripts/schema.ts's check of the committed `file`, through the kit's compile hook (plain node here). */
function schemaCheck(program, file, project) {
  require("../../cli/register.js");
  const { checkSchema } = require("../../scripts/schema.ts");
  return checkSchema(program, file, path.dirname(path.resolve(project)));
}

function formatted(ts, diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => "\n",
  });
}

async function main(argv) {
  const options = parseArgs(argv);
  const ts = require("typescript");
  const { ESLint } = require("eslint");
  const { PULUMI_FILES, typedRules } = await import(path.join(process.cwd(), "eslint.config.mjs"));
  const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

  const started = Date.now();
  const { program, diagnostics } = typeCheck(ts, options.project, options.cache);
  const typesMs = Date.now() - started;
  const found = `Found ${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"}.`; // as tsc says it
  if (diagnostics.length) process.stdout.write(`${formatted(ts, diagnostics)}${found}\n`);

  // ESLint's cache keys on the config as JSON; a program is not JSON, so it stands there as its project's name
  // (as `parserOptions.project` did).
  const programs = Object.assign([program], { toJSON: () => options.project });
  const eslint = new ESLint({
    overrideConfig: [typedRules(PULUMI_FILES, { programs })],
    ...(options.cache
      ? { cache: true, cacheStrategy: "content", cacheLocation: path.join(options.cache, "eslint") }
      : {}),
  });
  const results = await eslint.lintFiles(options.paths);
  const report = (await eslint.loadFormatter("stylish")).format(results);
  if (report) process.stdout.write(report);
  const lintErrors = results.reduce((n, r) => n + r.errorCount, 0); // fatal (unparsable) ones included
  const lintMs = Date.now() - started - typesMs;
  const schemaProblems = options.schema ? schemaCheck(program, options.schema, options.project) : [];
  for (const problem of schemaProblems) console.log(problem);
  const schemaNote = options.schema ? `, then the schema ${secs(Date.now() - started - typesMs - lintMs)}` : "";
  console.log(`typecheck ${secs(typesMs)}, then eslint ${secs(lintMs)}${schemaNote} on its program`);
  return diagnostics.length || lintErrors || schemaProblems.length ? 1 : 0;
}

module.exports = { parseArgs };

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
