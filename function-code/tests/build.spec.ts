/** The deployable package: compiled code plus its own copy of the one lead schema. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const DIST = path.join(ROOT, "function-code", "dist");

describe("function-code build (npm run build:function)", function () {
  this.timeout(60000);
  before(() => {
    fs.rmSync(DIST, { recursive: true, force: true });
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "function-code", "tsconfig.json")], { cwd: ROOT });
    execFileSync(process.execPath, [path.join(ROOT, "function-code", "scripts", "copy-schema.js")], { cwd: ROOT });
  });
  after(() => fs.rmSync(DIST, { recursive: true, force: true }));

  it("emits the v4 entry point the package.json main points at", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "function-code", "package.json"), "utf8"));
    assert.strictEqual(pkg.main, "dist/src/functions/*.js");
    assert.ok(fs.existsSync(path.join(DIST, "src", "functions", "normalizeLead.js")));
  });

  it("carries the same schema file as the trigger, and the compiled handler uses it", async () => {
    assert.strictEqual(
      fs.readFileSync(path.join(DIST, "schemas", "marketplace-lead.schema.json"), "utf8"),
      fs.readFileSync(path.join(ROOT, "schemas", "marketplace-lead.schema.json"), "utf8"),
    );
    const { handleNormalizeRequest } = await import(path.join(DIST, "src", "handler.js"));
    const result = handleNormalizeRequest({ ActionCode: 1, UserDetails: { Country: "uk" } });
    assert.deepStrictEqual(
      [result.jsonBody.crm.Country, result.jsonBody.warnings[0]],
      ["United Kingdom", "schema: /ActionCode must be string."],
    );
  });
});

describe("function-code package (what `npm ci` installs before a publish)", () => {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
  const pkg = read("function-code/package.json");

  it("its lockfile matches its package.json: npm ci there, the publish step, refuses a lockfile out of step", () => {
    const root = read("function-code/package-lock.json").packages[""];
    assert.deepStrictEqual(
      [root.dependencies, root.devDependencies],
      [pkg.dependencies, pkg.devDependencies],
      "run `npm install` in function-code/ and commit package-lock.json",
    );
  });

  it("pins the versions the kit's own tests run it with (the project's node_modules)", () => {
    const kit = read("package.json");
    const all = { ...kit.dependencies, ...kit.devDependencies };
    const differ = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
      .filter(([name, version]) => all[name] !== version)
      .map(([name, version]) => `${name}: function-code ${version}, kit ${all[name]}`);
    assert.deepStrictEqual(differ, []);
  });
});
