/** The test command itself: one named file runs alone, and a dry run reports nothing as passed. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { checkSchema, writeSchema } from "../scripts/schema";
import { tempDir } from "./support/tempDirs";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runAll, CHECKS, MOCHA: MOCHA_PHASE, parallelFlags } = require("./support/run-tests.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseArgs } = require("./support/types-and-lint.js");

const MOCHA = path.join("node_modules", "mocha", "bin", "mocha.js");
/** A file with exactly two tests, outside the default spec list. */
const FIXTURE = "tests/fixtures/twoTests.fixture.ts";

function lastLine(args: string[]): string {
  const out = execFileSync(process.execPath, [MOCHA, ...args], { encoding: "utf8", timeout: 60000 });
  return out.trim().split("\n").pop()!;
}

describe("test tooling", function () {
  this.timeout(60000);

  it("`mocha <file>` runs that file only and ends with the plain summary line", () => {
    assert.strictEqual(lastLine([FIXTURE]), "2 passed, 0 failed");
  });

  it("`mocha --dry-run` reports the tests as not run, never as passed", () => {
    assert.strictEqual(lastLine(["--dry-run", FIXTURE]), "0 passed, 0 failed, 2 not run (dry run)");
  });

  it("a file given as an option's value (`--file x.ts`) is not taken for the spec: the default list still runs", () => {
    // Mocha's own option loader, as `mocha` calls it (the config reads the command line when it loads), on each
    // command line in turn, in this process: without loading every spec file twice to count them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadOptions } = require(path.resolve("node_modules/mocha/lib/cli/options.cjs"));
    const configFile = require.resolve("../.mocharc.js");
    const [argv, config] = [process.argv, require.cache[configFile]];
    const lines = [["--file", FIXTURE], ["-r", FIXTURE], [FIXTURE], []];
    let loaded;
    try {
      loaded = lines.map((args) => {
        process.argv = [argv[0], "mocha", ...args];
        delete require.cache[configFile];
        const o = loadOptions(args);
        return { spec: o._, file: o.file ?? [] };
      });
    } finally {
      process.argv = argv;
      if (config) require.cache[configFile] = config;
      else delete require.cache[configFile];
    }
    const DEFAULT_SPEC = ["tests/**/*.spec.ts", "function-code/tests/**/*.spec.ts"];
    assert.deepStrictEqual(loaded, [
      { spec: DEFAULT_SPEC, file: [FIXTURE] },
      { spec: DEFAULT_SPEC, file: [] },
      { spec: [FIXTURE], file: [] },
      { spec: DEFAULT_SPEC, file: [] },
    ]);
  });

  it("`mocha --parallel` keeps a worker's Azurite for all its files (root hooks run after each file there)", () => {
    // Three files on two workers: one worker runs two of them.
    const files = [1, 2, 3].map((n) => `tests/fixtures/usesAzurite${n}.fixture.ts`);
    assert.strictEqual(lastLine(["--parallel", "--jobs", "2", ...files]), "3 passed, 0 failed");
  });

  it("a test's tempDir folder is removed when its process exits, as a mocha worker does", () => {
    const code = 'const { tempDir } = require("./tests/support/tempDirs.ts"); console.log(tempDir("leadkit-exit"));';
    const made = execFileSync(process.execPath, ["-r", "./cli/register.js", "-e", code], { encoding: "utf8" }).trim();
    assert.match(path.basename(made), /^leadkit-exit-\w{6}$/);
    assert.strictEqual(fs.existsSync(made), false, `${made} is left`);
  });

  it("`npm test` keeps the checks' caches locally and uses none in CI (CI=true checks every file afresh), and checks lib/schema.json", () => {
    // run-tests.js reads CI when it loads: loaded afresh here with each value.
    const argsWith = (ci: string): string[][] => {
      const file = require.resolve("./support/run-tests.js");
      const [saved, loaded] = [process.env.CI, require.cache[file]];
      process.env.CI = ci;
      delete require.cache[file];
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file).CHECKS.map((c: { args: string[] }) => c.args.slice(1));
      } finally {
        if (saved === undefined) delete process.env.CI;
        else process.env.CI = saved;
        if (loaded) require.cache[file] = loaded;
        else delete require.cache[file];
      }
    };
    const local = argsWith("");
    const ci = argsWith("true");
    assert.deepStrictEqual(ci, [
      ["--schema", "lib/schema.json"],
      ["--check", "."],
    ]);
    assert.deepStrictEqual(
      local.map((args) => args.filter((a) => a.startsWith("--")).filter((a) => a !== "--check" && a !== "--schema")),
      [["--cache"], ["--cache", "--cache-strategy", "--cache-location"]],
    );
  });

  it("`npm test` runs mocha on one worker per core; LEADKIT_TEST_JOBS=1 runs it serially, a bad value is named", () => {
    assert.deepStrictEqual(parallelFlags({}), ["--parallel", "--jobs", String(os.availableParallelism())]);
    assert.deepStrictEqual(parallelFlags({ LEADKIT_TEST_JOBS: "3" }), ["--parallel", "--jobs", "3"]);
    assert.deepStrictEqual(parallelFlags({ LEADKIT_TEST_JOBS: "1" }), []);
    assert.throws(() => parallelFlags({ LEADKIT_TEST_JOBS: "two" }), {
      message: 'LEADKIT_TEST_JOBS is "two": give a whole number of at least 1.',
    });
    assert.deepStrictEqual(MOCHA_PHASE.args.slice(1), parallelFlags(process.env));
  });

  /** `npm test`'s runner over the fixture: its printed lines and exit code. */
  async function runTests(checks: Array<{ name: string; args: string[] }>, mocha = MOCHA_PHASE) {
    let out = "";
    const code = await runAll({ checks, mocha, mochaArgs: [FIXTURE], write: (s: string) => (out += s) });
    return { code, lines: out.trimEnd().split("\n") };
  }
  const prettier = CHECKS.find((c: { name: string }) => c.name === "prettier")!;
  const prettierOn = (text: string) => {
    const file = path.join(tempDir("leadkit-tooling"), "x.ts");
    fs.writeFileSync(file, text);
    return { name: "prettier", args: [prettier.args[0], "--check", file] };
  };

  // Both runs at once: each is a mocha start-up and a prettier run, mostly waiting. The failing one runs mocha as
  // LEADKIT_TEST_JOBS=1 has it (serially: no worker process to start), its point being the check's failure.
  const serial = { ...MOCHA_PHASE, args: [MOCHA_PHASE.args[0], ...parallelFlags({ LEADKIT_TEST_JOBS: "1" })] };
  let passing: { code: number; lines: string[] };
  let failing: { code: number; lines: string[] };
  before(async () => {
    [passing, failing] = await Promise.all([
      runTests([prettierOn("export const a = 1;\n")]),
      runTests([prettierOn("export const a   =  1\n")], serial),
    ]);
  });

  it("`npm test` prints each phase's duration and the slowest, then the plain summary line; exit 0", () => {
    const { code, lines } = passing;
    assert.strictEqual(code, 0, lines.join("\n"));
    assert.strictEqual(lines.at(-1), "2 passed, 0 failed");
    assert.match(lines.at(-2)!, /^slowest phase: (mocha|prettier) \d+\.\d s; wall \d+\.\d s$/);
    assert.match(lines.at(-3)!, /^phases \(run together\): (mocha|prettier) \d+\.\d s, (mocha|prettier) \d+\.\d s$/);
    assert.ok(
      lines.some((l) => /^slowest( \(tests' own time\))?: tests\/fixtures\/twoTests\.fixture\.ts \d+\.\d s$/.test(l)),
      lines.join("\n"),
    );
  });

  it("`npm test` fails (exit 1, counted in the summary line) when a check such as prettier fails", () => {
    const { code, lines } = failing;
    assert.strictEqual(code, 1);
    assert.strictEqual(lines.at(-1), "2 passed, 1 failed");
    assert.strictEqual(lines.at(-2), "failed checks: prettier");
    assert.ok(lines.includes("prettier: FAILED (exit 1)"), lines.join("\n"));
    assert.ok(
      // Prettier colours its output when the environment asks for colour (CI=true does): compare without it.
      lines.some((l) =>
        /\[warn\] .*x\.ts/.test(l.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")),
      ),
      lines.join("\n"),
    );
  });

  describe("the type check and ESLint on one program (tests/support/types-and-lint.js)", () => {
    const SCRIPT = path.resolve("tests/support/types-and-lint.js");
    /**
     * The global types tsc needs when it reads no lib (noLib): lib.es5.d.ts's 4,500 lines were most of each check's
     * program. Lint-clean, like the files under test.
     */
    const GLOBALS = Object.entries({
      "Array<T>": "[n: number]: T",
      Boolean: "valueOf(): boolean",
      CallableFunction: "length: number",
      Function: "length: number",
      IArguments: "length: number",
      NewableFunction: "length: number",
      Number: "valueOf(): number",
      Object: "valueOf(): unknown",
      RegExp: "source: string",
      String: "length: number",
    })
      .map(([name, member]) => `interface ${name} {\n  ${member};\n}\n`)
      .join("");
    /** A project beside the kit's own ESLint config: PULUMI_FILES (components/ here) are linted with types. */
    function project(files: Record<string, string>): string {
      const dir = tempDir("leadkit-checks");
      const config = JSON.stringify(path.resolve("eslint.config.mjs"));
      fs.writeFileSync(
        path.join(dir, "eslint.config.mjs"),
        `export * from ${config};\nexport { default } from ${config};\n`,
      );
      const options = { strict: true, noLib: true, types: [], skipLibCheck: true }; // the least to check
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: options, include: ["**/*.ts"] }),
      );
      for (const [name, text] of Object.entries({ "globals.d.ts": GLOBALS, ...files })) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      return dir;
    }
    function check(dir: string, args: string[] = []): { code: number; lines: string[] } {
      const run = (): { status: number; stdout: string; stderr: string } => {
        try {
          const options = { cwd: dir, encoding: "utf8" as const, stdio: "pipe" as const };
          return { status: 0, stdout: execFileSync(process.execPath, [SCRIPT, ...args], options), stderr: "" };
        } catch (e) {
          return e as { status: number; stdout: string; stderr: string };
        }
      };
      const { status, stdout, stderr } = run();
      return {
        code: status,
        lines: (stdout + stderr)
          .trimEnd()
          .split("\n")
          .map((l) => l.trim()),
      };
    }
    // The Pulumi rules look for a value typed by an alias named Output (@pulumi/eslint-plugin): this one is
    // enough, without the SDK's types.
    const OUTPUT_IN_TEMPLATE =
      "type Output<T> = { apply<U>(f: (t: T) => U): Output<U> };\n" +
      "declare const name: Output<string>;\nexport const url = `https://${name}`;\n";
    const SUMMARY = /^typecheck \d+\.\d s, then eslint \d+\.\d s on its program$/;
    const lintErrors = (lines: string[]) => lines.filter((l) => /^\d+:\d+ +error /.test(l));
    // Exit 0 on a clean tree is what every `npm test` run of the kit's own tree checks.

    it("program code may not use mocha's globals, which the one program declares for every file", async () => {
      const { ESLint } = await import("eslint");
      const eslint = new ESLint({ cwd: process.cwd() });
      const lint = async (filePath: string, text: string) =>
        (await eslint.lintText(text, { filePath }))[0].messages.map(
          (m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`,
        );
      const CALLS = "export const go = () => describe(run);\n";
      assert.deepStrictEqual(await lint("local/calls.ts", CALLS), [
        "no-restricted-globals 1:25 Unexpected use of 'describe'. It is a mocha global, undefined outside the tests: " +
          "declare or import what you meant.",
        "no-restricted-globals 1:34 Unexpected use of 'run'. It is a mocha global, undefined outside the tests: " +
          "declare or import what you meant.",
      ]);
      assert.deepStrictEqual(await lint("tests/calls.ts", CALLS), []);
      const OWN = "const describe = (n: number) => `${n}`;\nexport const go = () => describe(1);\n";
      assert.deepStrictEqual(await lint("config/own.ts", OWN), []);
    });

    it("ESLint's errors alone, the typed Pulumi rule on PULUMI_FILES included, fail it (exit 1)", () => {
      const { code, lines } = check(
        project({
          "components/url.ts": OUTPUT_IN_TEMPLATE,
          "tests/url.ts": OUTPUT_IN_TEMPLATE, // not in PULUMI_FILES: no typed rules there
          "lib/count.ts": "export const count = 3;\nconst unused = 1;\n",
        }),
      );
      assert.strictEqual(code, 1, lines.join("\n"));
      assert.deepStrictEqual(
        lines.filter((l) => / error TS/.test(l)),
        [],
      );
      const lint = lintErrors(lines);
      assert.strictEqual(lint.length, 2, lines.join("\n"));
      assert.match(lint[0], /^3:\d+ +error .*@pulumi\/no-output-in-template-literal$/); // components/url.ts
      assert.match(lint[1], /^2:7 +error +'unused' is assigned a value but never used/); // lib/count.ts
      assert.match(lines.at(-1)!, SUMMARY);
    });

    it("tsc's errors alone fail it (exit 1), printed as tsc prints them; a bad option is named (exit 2)", () => {
      const dir = project({ "lib/count.ts": 'export const count: number = "three";\n' });
      const { code, lines } = check(dir);
      assert.strictEqual(code, 1, lines.join("\n"));
      assert.deepStrictEqual(lines.slice(0, 2), [
        "lib/count.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.",
        "Found 1 error.",
      ]);
      assert.deepStrictEqual(lintErrors(lines), []);
      assert.match(lines.at(-1)!, SUMMARY);
      assert.deepStrictEqual(check(dir, ["--typed", "x"]), {
        code: 2,
        lines: ['Unknown option "--typed". Valid options: --project, --cache, --schema.'],
      });
      assert.throws(() => parseArgs(["--cache"]), { message: "--cache needs a value." });
      assert.deepStrictEqual(parseArgs(["--cache", "c", "--schema", "lib/schema.json", "src"]), {
        project: "tsconfig.json",
        cache: "c",
        schema: "lib/schema.json",
        paths: ["src"],
      });
    });

    it("--schema: Pulumi's analyzer over the same program; a stale committed schema fails it, naming where", async () => {
      // The analyzer knows a component by its base class: ComponentResource declared in a resource.d.ts.
      const dir = project({
        "package.json": JSON.stringify({ name: "tiny", version: "1.2.3", description: "Tiny.", main: "index.ts" }),
        "resource.d.ts": "export declare class ComponentResource {\n  constructor(type: string, name: string);\n}\n",
        "index.ts":
          'import { ComponentResource } from "./resource";\n' +
          "export interface ThingArgs {\n  /** How big. */\n  size: string;\n  colour?: string;\n}\n" +
          "export class Thing extends ComponentResource {\n" +
          "  constructor(name: string, args: ThingArgs) {\n    super(`tiny:index:Thing`, name);\n    void args;\n  }\n}\n",
      });
      // What Pulumi's analyzer (3.248.0) generates for it: plain inputs (not Input<T>), no outputs.
      const respect = { respectSchemaVersion: true };
      const schema = (description: string) => ({
        name: "tiny",
        version: "1.2.3",
        description: "Tiny.",
        resources: {
          "tiny:index:Thing": {
            type: "object",
            isComponent: true,
            inputProperties: {
              size: { type: "string", plain: true, description },
              colour: { type: "string", optional: true, plain: true },
            },
            requiredInputs: ["size"],
            properties: {},
            required: [],
          },
        },
        types: {},
        language: { nodejs: respect, python: respect, csharp: respect, java: respect, go: respect },
        dependencies: [],
      });
      fs.writeFileSync(path.join(dir, "schema.json"), JSON.stringify(schema("How large.")));
      const stale = check(dir, ["--schema", "schema.json"]);
      assert.deepStrictEqual(
        [stale.code, stale.lines.slice(0, -1)],
        [
          1,
          [
            "schema.json is not the schema Pulumi's analyzer generates from the code; it differs at: " +
              "resources.tiny:index:Thing.inputProperties.size.description. Regenerate it with `npm run docs:schema` " +
              "and commit it.",
          ],
        ],
      );
      // The writer of `npm run docs:schema`, on this project: the check passes again.
      assert.strictEqual(await writeSchema(path.join(dir, "schema.json"), dir), true);
      assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, "schema.json"), "utf8")), schema("How big."));
      const fresh = check(dir, ["--schema", "schema.json"]);
      assert.strictEqual(fresh.code, 0, fresh.lines.join("\n"));
      assert.match(
        fresh.lines.at(-1)!,
        /^typecheck \d+\.\d s, then eslint \d+\.\d s, then the schema \d+\.\d s on its program$/,
      );
      assert.strictEqual(await writeSchema(path.join(dir, "schema.json"), dir), false, "unchanged the second time");
      // A file that is not JSON, and an analyzer that fails (here: a component the code lacks), are named.
      const program = ts.createProgram([path.join(dir, "globals.d.ts"), path.join(dir, "index.ts")], {
        strict: true,
        noLib: true,
        types: [],
      });
      fs.writeFileSync(path.join(dir, "broken.json"), "{");
      assert.deepStrictEqual(checkSchema(program, path.join(dir, "broken.json"), dir), [
        `${path.join(dir, "broken.json")} cannot be read as JSON (Expected property name or '}' in JSON at position 1). ` +
          "Regenerate it with `npm run docs:schema`.",
      ]);
      fs.writeFileSync(
        path.join(dir, "nope.json"),
        JSON.stringify({ name: "tiny", resources: { "tiny:index:Nope": {} } }),
      );
      const [failed] = checkSchema(program, path.join(dir, "nope.json"), dir);
      assert.match(
        failed,
        /^Pulumi's analyzer failed on the type check's program: Failed to find the following components: Nope\.[\s\S]* \(scripts\/schema\.ts sets the analyzer's fields itself: after an SDK upgrade, compare them with its constructor\)\.$/,
      );
    });
  });
});
