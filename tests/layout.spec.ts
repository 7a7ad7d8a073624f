/**
 * The tree's floors: every import points down (or stays in its room). A room is a top-level folder;
 * its floor is its place below. Moving a helper up a floor, or importing a command from a library,
 * fails here with the file and the import that broke the order.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Bottom to top. Rooms on one floor do not import each other. */
export const FLOORS: readonly (readonly string[])[] = [
  // self-contained: the deployed function app; the Logic Apps emulator; the policy pack (its own package,
  // whose secureData table azure-rules/ reads)
  ["function-code", "emulator", "policy"],
  ["definition"], // the vocabulary of workflow definitions (types, expressions, table actions)
  ["targets"], // one row per CRM target
  ["config"], // the settings table and stack validation
  ["workflow"], // the lead workflow, phase by phase
  ["components"], // Pulumi components
  ["program", "lib"], // stack config -> component args; the package entry (components for other programs)
  ["ops"], // operator commands and their libraries
  ["local"], // the local harness: server, endpoint, stand-ins, Azurite
  ["(root)", "cli", "scripts", "azure-rules"], // the Pulumi program, `leadkit`, project scripts, test-time rules
];

const ROOT = path.resolve(__dirname, "..");
const floorOf = new Map(FLOORS.flatMap((rooms, floor) => rooms.map((room) => [room, floor] as const)));

/** The room of a repository path: its top-level folder, or "(root)" for a file at the top. */
export function roomOf(file: string): string {
  const [top, ...rest] = file.split("/");
  const isFolder = rest.length > 0 || fs.statSync(path.join(ROOT, top), { throwIfNoEntry: false })?.isDirectory();
  return isFolder ? top : "(root)";
}

/** Relative imports of a source (static, dynamic and require), resolved to repository paths. */
export function importsOf(file: string, source: string): string[] {
  const found = source.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["'](\.{1,2}\/[^"']*)["']/g);
  return [...found].map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
}

/** Imports that run up a floor or sideways into another room of the same floor. */
export function upwardImports(files: Record<string, string>): string[] {
  const wrong: string[] = [];
  for (const [file, source] of Object.entries(files)) {
    const from = roomOf(file);
    for (const target of importsOf(file, source)) {
      const to = roomOf(target);
      if (to === from || to === "node_modules") continue;
      const [a, b] = [floorOf.get(from), floorOf.get(to)];
      if (a === undefined || b === undefined) wrong.push(`${file} -> ${target} (room not on a floor)`);
      else if (b >= a) wrong.push(`${file} -> ${target} (${from} is floor ${a}, ${to} is floor ${b})`);
    }
  }
  return wrong;
}

function sources(): Record<string, string> {
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts", "*.js"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const files = listed
    .split("\n")
    .filter((f) => f && !f.startsWith("tests/") && !f.includes("/tests/"))
    .filter(
      (f) => !f.endsWith(".d.ts") && !f.startsWith("function-code/scripts/") && fs.existsSync(path.join(ROOT, f)),
    );
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));
}

describe("layout: every import points down the floors (README 'Project layout')", () => {
  it("finds no import running up a floor or across rooms of one floor", () => {
    assert.deepStrictEqual(upwardImports(sources()), []);
  });

  it("puts every top-level source folder on a floor", () => {
    const rooms = new Set(Object.keys(sources()).map(roomOf));
    assert.deepStrictEqual([...rooms].filter((r) => !floorOf.has(r)).sort(), []);
  });

  it("the README's layout draws the floors in this order", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const drawing = /## Project layout[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const drawn = drawing
      .split("\n")
      .map((line) => line.split(/\s{2,}/).filter((w) => /^[\w.-]+\/?$|^index\.ts$/.test(w)))
      .filter((rooms) => rooms.length > 0)
      .map((rooms) => rooms.map((r) => (r === "index.ts" ? "(root)" : r.replace(/\/$/, ""))));
    // azure-rules/ and policy/ sit "Beside them" in the README.
    const expected = FLOORS.map((rooms) => rooms.filter((r) => r !== "azure-rules" && r !== "policy"));
    assert.deepStrictEqual(drawn, expected);
  });

  it("catches an import up a floor, sideways, and through import() and require()", () => {
    const wrong = upwardImports({
      "config/a.ts": 'import { x } from "../workflow/b";',
      "emulator/c.ts": 'const d = await import("../function-code/src/d");',
      "definition/e.ts": 'const f = require("./f");\nimport { g } from "../emulator/g";',
      "ops/h.ts": 'import { i } from "../local/i";',
      "policy/j.ts": 'import { k } from "../definition/k";',
      "azure-rules/l.ts": 'import { m } from "../policy/m";',
    });
    assert.deepStrictEqual(wrong, [
      "config/a.ts -> workflow/b (config is floor 3, workflow is floor 4)",
      "emulator/c.ts -> function-code/src/d (emulator is floor 0, function-code is floor 0)",
      "ops/h.ts -> local/i (ops is floor 7, local is floor 8)",
      "policy/j.ts -> definition/k (policy is floor 0, definition is floor 1)",
    ]);
  });
});

describe("lint: Pulumi's type-aware rules reach every source that imports a Pulumi SDK", () => {
  it("PULUMI_FILES (eslint.config.mjs) is tsconfig.eslint.json's include and covers each such file", () => {
    const config = fs.readFileSync(path.join(ROOT, "eslint.config.mjs"), "utf8");
    const list = /PULUMI_FILES = (\[[^\]]*\])/.exec(config)![1].replace(/,\s*\]$/, "]"); // Prettier's trailing comma
    const globs = JSON.parse(list) as string[];
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.eslint.json"), "utf8"));
    assert.deepStrictEqual(tsconfig.include, globs);
    const covered = (file: string) =>
      globs.some((g) => (g.endsWith("/**/*.ts") ? file.startsWith(g.slice(0, -"**/*.ts".length)) : file === g));
    const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const importing = listed
      .split("\n")
      .filter((f) => f && !f.startsWith("tests/") && !f.includes("/tests/") && fs.existsSync(path.join(ROOT, f)))
      .filter((f) => /from "@pulumi\//.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    assert.ok(importing.length >= 10, importing.join(", "));
    assert.deepStrictEqual(
      importing.filter((f) => !covered(f)),
      [],
    );
  });
});
