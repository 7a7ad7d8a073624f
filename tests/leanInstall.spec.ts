/**
 * Lean installs: a user who only deploys runs `npm ci --omit=dev`, so every package the documented
 * non-test commands load (start, send, replay, verify, leads, standin, render, docs, the Pulumi program
 * and the package entry) must be a dependency, not a devDependency. The import graph is followed from
 * each entry through relative imports, static and dynamic, as node would load it.
 */
import * as assert from "assert";
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const ENTRIES = [
  "cli/leadkit.js",
  "cli/leadkit.ts",
  "scripts/render.ts",
  "scripts/docs.ts",
  "index.ts",
  "lib/index.ts",
  "lib/provider.ts",
];
const IMPORT =
  /(?:^|[^.\w])(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|(?:import|require)\(\s*["']([^"']+)["']\s*\)/gm;

/** Files reached from `entry` and the packages they import (`@scope/name` or `name`). */
function packagesOf(entries: string[]): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, "utf8").replace(/^\s*import type .*$/gm, "");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith(".")) {
        const base = path.resolve(path.dirname(file), spec);
        const found = [`${base}.ts`, `${base}.js`, path.join(base, "index.ts"), base].find(
          (f) => fs.existsSync(f) && fs.statSync(f).isFile(),
        );
        if (found && !found.endsWith(".json")) visit(found);
        continue;
      }
      const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
      if (!builtinModules.includes(name.replace(/^node:/, ""))) packages.set(name, path.relative(ROOT, file));
    }
  };
  for (const entry of entries) visit(path.join(ROOT, entry));
  return packages;
}

describe("lean installs (npm ci --omit=dev)", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

  it("every package the documented commands load is a dependency", () => {
    const found = [...packagesOf(ENTRIES)];
    assert.ok(found.length >= 8, `packages found: ${found.map(([n]) => n).join(", ")}`);
    const dev = found.filter(([name]) => !(name in pkg.dependencies));
    assert.deepStrictEqual(dev, [], "imported at run time but not in dependencies (name, first importer)");
  });

  it("the npm scripts users run go through those entries, with ts-node and typescript installed", () => {
    for (const script of ["start", "send", "replay", "verify", "leads", "standin"])
      assert.match(pkg.scripts[script], /^node cli\/leadkit\.js /, script);
    assert.match(pkg.scripts.render, /scripts\/render\.ts$/);
    for (const tool of ["ts-node", "typescript", "esbuild"]) assert.ok(tool in pkg.dependencies, tool);
  });

  it("follows dynamic imports (the CLI loads each command on demand)", () => {
    const packages = packagesOf(["cli/leadkit.ts"]);
    assert.ok(packages.has("@azure/data-tables"), [...packages.keys()].join(", "));
  });
});
