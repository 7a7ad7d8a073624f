/**
 * The settings schema's validator. Ajv compiles it once, and its standalone code is kept in the compile cache of
 * the CLIs (node_modules/.cache/leadkit-cli, LEADKIT_COMPILE_CACHE moves it: cli/register.js), keyed by the
 * schema, Ajv's version and the options. A later start loads neither Ajv nor its compiler: about 0.1 CPU-s of
 * every command that reads a stack (`npm start`, render, leads, purge...). The cache is trusted as
 * node_modules is (cli/register.js runs its compiled TypeScript from the same folder); a damaged file is
 * compiled again.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Options, ValidateFunction } from "ajv";

const CACHE = process.env.LEADKIT_COMPILE_CACHE || path.join(__dirname, "..", "node_modules", ".cache", "leadkit-cli");

/** The validator of `schema`, from the cache when it was compiled before; `compiled` says whether Ajv ran. */
export function cachedValidator(
  schema: object,
  options: Options,
  cacheDir = CACHE,
): { validate: ValidateFunction; compiled: boolean } {
  const ajvVersion = (JSON.parse(fs.readFileSync(require.resolve("ajv/package.json"), "utf8")) as { version: string })
    .version;
  const key = createHash("sha256")
    .update(JSON.stringify([ajvVersion, options, schema]))
    .digest("hex");
  const file = path.join(cacheDir, `settings-validator-${key}.js`);
  try {
    return { validate: evaluate(fs.readFileSync(file, "utf8")), compiled: false };
  } catch {
    // Not compiled yet, or a damaged file: compiled (again) below.
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = (require("ajv") as typeof import("ajv")).default;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standalone = (require("ajv/dist/standalone") as typeof import("ajv/dist/standalone")).default;
  const ajv = new Ajv({ ...options, code: { source: true } });
  const code = standalone(ajv, ajv.compile(schema));
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, file); // whole or absent: a reader never sees half a file
  } catch {
    // A read-only tree: compile at every start, as before.
  }
  return { validate: evaluate(code), compiled: true };
}

/** The validator that standalone `code` exports; throws when it exports none. */
function evaluate(code: string): ValidateFunction {
  // The code requires Ajv's small runtime helpers: resolved from here, wherever the cache lives.
  const module = { exports: {} as { default?: ValidateFunction } };
  new Function("require", "module", "exports", code)(require, module, module.exports);
  const validate = module.exports.default ?? module.exports;
  if (typeof validate !== "function") throw new Error("the cached code exports no validator");
  return validate as ValidateFunction;
}
