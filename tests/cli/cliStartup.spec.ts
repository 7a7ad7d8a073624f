/**
 * CLI start-up is the import graph: a command loads its SDKs when it works, not for --help or a usage
 * error. Loading each command module through the CLIs' own compile hook (cli/leadkit.js) must not pull
 * the storage or management SDKs, Pulumi, or the TypeScript compiler. (Times live in `npm run bench`.)
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadAsCli } from "../../scripts/bench/clis";

const ROOT = path.join(__dirname, "..", "..");
const HEAVY = /^(@azure\/|@pulumi\/|typescript$|ts-node$)/;

/**
 * The packages each of `entries` loads, required the way cli/leadkit.js loads commands. One node loads them in
 * turn, each from an empty require.cache: the same modules as a fresh start each (a node start per entry cost
 * more than the loading).
 */
function packagesLoaded(entries: readonly string[]): Record<string, string[]> {
  const code =
    'const names = () => [...new Set(Object.keys(require.cache).filter((f) => f.includes("node_modules/")).map((f) => {' +
    '  const rest = f.slice(f.lastIndexOf("node_modules/") + 13).split("/");' +
    '  return rest[0].startsWith("@") ? rest[0] + "/" + rest[1] : rest[0]; }))].sort();' +
    "const loaded = {};" +
    entries
      .map(
        (entry) =>
          "for (const f of Object.keys(require.cache)) delete require.cache[f];" +
          `${loadAsCli(entry)}loaded[${JSON.stringify(entry)}] = names();`,
      )
      .join("") +
    "console.log(JSON.stringify(loaded));";
  return JSON.parse(execFileSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8" }));
}

describe("CLI start-up: what a command loads before it works", function () {
  this.timeout(60000);
  // A stack's workflow is built from its settings alone (components/workflowOptions.ts): `npm start`,
  // render and the bench may load the storage SDK, never the Pulumi SDK (about 1,000 modules and 1.5 s).
  const PULUMI_OR_COMPILER = /^(@pulumi\/|typescript$|ts-node$)/;
  const ENTRIES = [
    ["the dispatcher", "cli/leadkit.ts", HEAVY],
    ["send", "ops/send.ts", HEAVY],
    ["replay", "ops/replay.ts", HEAVY],
    ["verify", "ops/verify.ts", HEAVY],
    ["leads", "ops/leads.ts", HEAVY],
    ["standin", "ops/standin.ts", HEAVY],
    ["npm start's stack loading", "program/stacks.ts", PULUMI_OR_COMPILER],
    ["npm run render", "scripts/render.ts", PULUMI_OR_COMPILER],
    // The measuring code loads only to run: --help and a usage error answer at once.
    ["npm run bench", "scripts/bench.ts", HEAVY],
    ["npm run docs:cost", "scripts/docsCost.ts", HEAVY],
    ["npm run docs:schema", "scripts/docsSchema.ts", HEAVY],
  ] as const;
  let loadedBy: Record<string, string[]>;
  before(() => (loadedBy = packagesLoaded(ENTRIES.map(([, entry]) => entry))));
  for (const [what, entry, heavy] of ENTRIES) {
    const none = heavy === HEAVY ? "no SDK, Pulumi" : "no Pulumi SDK";
    it(`${what} loads ${none} or TypeScript compiler`, () => {
      const loaded = loadedBy[entry];
      assert.deepStrictEqual(
        loaded.filter((p) => heavy.test(p)),
        [],
        `${entry} loads: ${loaded.join(", ")}`,
      );
    });
  }

  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;

  it("the npm scripts of the CLIs go through cli/leadkit.js (esbuild), not ts-node", () => {
    for (const [script, command] of Object.entries({
      start: "serve",
      send: "send",
      replay: "replay",
      verify: "verify",
      leads: "leads",
      standin: "standin",
    }))
      assert.strictEqual(scripts[script], `node cli/leadkit.js ${command}`, script);
  });

  it("the other TypeScript scripts and mocha load through the same cached compile hook, not ts-node", () => {
    for (const [script, file] of Object.entries({
      render: "scripts/render.ts",
      docs: "scripts/docs.ts",
      bench: "scripts/bench.ts",
      "docs:cost": "scripts/docsCost.ts",
      "docs:schema": "scripts/docsSchema.ts",
    }))
      assert.strictEqual(scripts[script], `node -r ./cli/register.js ${file}`, script);
    const mocharc = fs.readFileSync(path.join(ROOT, ".mocharc.js"), "utf8");
    assert.match(mocharc, /^ {2}require: \["\.\/cli\/register\.js", /m);
  });
});
