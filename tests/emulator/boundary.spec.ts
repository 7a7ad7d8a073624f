/** The emulator imports nothing of the kit, so it could be lifted out as a package (emulator/README.md). */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "emulator");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.[cm]?[jt]s$/.test(e.name) ? [full] : [];
  });
}

/** Every module specifier of a file: `import ... from`, `export ... from`, `import("...")`, `require("...")`. */
function specifiers(text: string): string[] {
  const found = text.matchAll(
    /\bfrom\s+["']([^"']+)["']|\b(?:import|require)\s*\(\s*["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm,
  );
  return [...found].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Relative imports of the emulator's files that resolve outside emulator/, as `file: specifier`. */
function importsLeavingEmulator(): string[] {
  return sourceFiles(ROOT).flatMap((file) =>
    specifiers(fs.readFileSync(file, "utf8"))
      .filter((s) => s.startsWith("."))
      .filter((s) => path.relative(ROOT, path.resolve(path.dirname(file), s)).startsWith(".."))
      .map((s) => `${path.relative(ROOT, file)}: ${s}`),
  );
}

describe("emulator boundary", () => {
  it("reads every import form", () => {
    const text = [
      'import { a } from "../../config/settings";',
      "export type { B } from '../x';",
      'const c = require("../../y");',
      'const d = await import("./z");',
      'import "../side-effect";',
    ].join("\n");
    assert.deepStrictEqual(specifiers(text), ["../../config/settings", "../x", "../../y", "./z", "../side-effect"]);
  });

  it("finds the emulator's files", () => {
    const names = sourceFiles(ROOT).map((f) => path.relative(ROOT, f).split(path.sep).join("/"));
    for (const expected of ["types.ts", "runtime/run.ts", "runtime/actions.ts", "expressions/parse.ts"])
      assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
  });

  it("has no relative import that leaves emulator/", () => {
    assert.deepStrictEqual(importsLeavingEmulator(), []);
  });
});
