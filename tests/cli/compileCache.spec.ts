/** cli/register.js: TypeScript compiled once and cached; later starts skip esbuild; an edit is compiled again. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tempDir } from "../support/tempDirs";

const REGISTER = path.join(__dirname, "..", "..", "cli", "register.js");

describe("CLI compile cache", function () {
  this.timeout(30000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-compile-"));
  const cache = path.join(dir, "cache");
  const source = path.join(dir, "x.ts");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Loads x.ts through the hook in a fresh node; prints its value, whether esbuild loaded, and any stack. */
  const load = (): { value: unknown; esbuild: boolean; stack?: string } =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          "-e",
          `require(${JSON.stringify(REGISTER)});let value, stack;` +
            `try { value = require(${JSON.stringify(source)}).value; } catch (e) { stack = e.stack; }` +
            "console.log(JSON.stringify({ value, stack, esbuild: Object.keys(require.cache).some((f) => /node_modules[\\\\/]esbuild[\\\\/]lib/.test(f)) }));",
        ],
        { encoding: "utf8", env: { ...process.env, LEADKIT_COMPILE_CACHE: cache } },
      ),
    );

  it("compiles on the first start, then reads the cache without starting esbuild", () => {
    fs.writeFileSync(source, "interface T { a: number }\nexport const value: T = { a: 1 };\n");
    assert.deepStrictEqual(load(), { value: { a: 1 }, esbuild: true });
    assert.deepStrictEqual(load(), { value: { a: 1 }, esbuild: false });
    assert.strictEqual(fs.readdirSync(cache).length, 1);
  });

  it("compiles an edited file again instead of serving the old code", () => {
    fs.writeFileSync(source, "export const value: number = 2;\n");
    assert.deepStrictEqual(load(), { value: 2, esbuild: true });
  });

  it("names the TypeScript line in a stack trace (inline source maps)", () => {
    fs.writeFileSync(
      source,
      "type A = string;\ninterface B { b: A }\n\nexport const value = (() => {\n  throw new Error('x');\n})();\n",
    );
    assert.match(load().stack!, /x\.ts:5:/);
  });
});

describe("settings validator cache (config/settingsValidator.ts)", function () {
  this.timeout(30000);

  it("compiles with Ajv once; later the cached code validates alike, and a changed schema is compiled again", async () => {
    const { cachedValidator } = await import("../../config/settingsValidator");
    const dir = tempDir("leadkit-validator");
    const schema = {
      type: "object",
      properties: { n: { type: "integer", minimum: 1 }, s: { type: "string", pattern: "^a" } },
      additionalProperties: false,
    };
    const options = { allErrors: true, coerceTypes: true, strict: true };
    const first = cachedValidator(schema, options, dir);
    const again = cachedValidator(schema, options, dir);
    assert.deepStrictEqual([first.compiled, again.compiled], [true, false]);
    const run = (v: typeof first.validate, data: Record<string, unknown>) => {
      const ok = v(data);
      return { ok, data, errors: (v.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`) };
    };
    for (const data of [
      { n: "3", s: "ab" },
      { n: 0, s: "b", x: 1 },
    ])
      assert.deepStrictEqual(run(again.validate, { ...data }), run(first.validate, { ...data }));
    assert.deepStrictEqual(run(again.validate, { n: "3" }), { ok: true, data: { n: 3 }, errors: [] }); // coerced
    assert.strictEqual(cachedValidator({ ...schema, required: ["n"] }, options, dir).compiled, true);
    assert.strictEqual(fs.readdirSync(dir).length, 2);
    // A damaged or empty file is compiled again and replaced, not trusted.
    for (const damaged of ["", "module.exports = 1;", "this is not JavaScript"]) {
      for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), damaged);
      const repaired = cachedValidator(schema, options, dir);
      assert.deepStrictEqual([repaired.compiled, run(repaired.validate, { n: "3" }).ok], [true, true], damaged);
      assert.strictEqual(cachedValidator(schema, options, dir).compiled, false, damaged);
    }
  });

  it("a warm start of the stack settings loads Ajv's runtime helpers only, not Ajv", () => {
    const cache = tempDir("leadkit-validator");
    const ajvFiles = () =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            "-e",
            `require(${JSON.stringify(REGISTER)});require(${JSON.stringify(path.join(__dirname, "..", "..", "config", "stackConfig.ts"))});` +
              "console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/]ajv[\\\\/]/.test(f)).map((f) => f.split(/node_modules[\\\\/]ajv[\\\\/]/)[1])));",
          ],
          { encoding: "utf8", env: { ...process.env, LEADKIT_COMPILE_CACHE: cache } },
        ),
      ) as string[];
    assert.ok(ajvFiles().includes("dist/core.js"), "the first start compiles with Ajv");
    assert.deepStrictEqual(ajvFiles(), ["dist/runtime/ucs2length.js"]);
  });
});
