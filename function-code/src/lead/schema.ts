import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";

/**
 * The published lead schema, the same file the Request trigger uses: `schemas/` at the repo root in
 * development, copied to `dist/schemas/` by the build for the deployed package.
 */
const CANDIDATES = [
  path.join(__dirname, "..", "..", "schemas", "marketplace-lead.schema.json"),
  path.join(__dirname, "..", "..", "..", "schemas", "marketplace-lead.schema.json"),
];

function load(): Record<string, unknown> {
  const file = CANDIDATES.find((f) => fs.existsSync(f));
  if (!file) throw new Error(`marketplace-lead.schema.json not found (looked in ${CANDIDATES.join(", ")}).`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Drops `$schema`/`id` (draft-04 keywords ajv cannot use) but never property names. */
function strip(value: unknown, inProperties = false): unknown {
  if (Array.isArray(value)) return value.map((v) => strip(v));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!inProperties && (k === "$schema" || k === "id" || k === "definitions")) continue;
      out[k] = strip(v, !inProperties && k === "properties");
    }
    return out;
  }
  return value;
}

/** The schema the validator compiles: the published file without the keywords ajv cannot use. */
export function leadSchema(): Record<string, unknown> {
  return strip(load()) as Record<string, unknown>;
}

// No meta-schema check at each cold start: compiling JSON Schema's own schema was most of this module's
// load time; the tests check leadSchema() against it instead.
const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(leadSchema());

/** Schema problems of a lead as readable warnings; never a reason to refuse it. */
export function schemaWarnings(lead: unknown): string[] {
  if (validate(lead)) return [];
  return (validate.errors ?? []).map((e) => `schema: ${e.instancePath || "lead"} ${e.message}.`);
}
