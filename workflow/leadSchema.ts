import * as fs from "fs";
import * as path from "path";

/**
 * Path of the published Marketplace lead schema (Partner Center's HTTPS-endpoint guide), kept verbatim.
 * It is the one source of truth for the trigger schema and for the function app's validation.
 */
export const LEAD_SCHEMA_PATH = path.join(__dirname, "..", "schemas", "marketplace-lead.schema.json");

type JsonObject = Record<string, unknown>;

/** The published schema as Microsoft prints it (draft-04, with `id` keywords). */
export function publishedLeadSchema(): JsonObject {
  return JSON.parse(fs.readFileSync(LEAD_SCHEMA_PATH, "utf8")) as JsonObject;
}

/**
 * The published schema without `$schema`, `id` and `definitions`: ajv cannot compile the
 * `https://json-schema.org/draft-04/schema#` meta-schema id, and `id` is not a keyword of later drafts.
 */
export function strictLeadSchema(): JsonObject {
  return stripKeys(publishedLeadSchema(), new Set(["$schema", "id", "definitions"])) as JsonObject;
}

/**
 * The schema the Request trigger carries. Same properties (they give the designer its tokens), but
 * only the root `type: object` constrains: Partner Center does not guarantee casing or field types,
 * and a 400 answer loses the lead for good (it is never re-sent). Anything that is a JSON object is
 * accepted and archived; bad fields are dealt with after archiving.
 */
export function triggerLeadSchema(): JsonObject {
  const strict = strictLeadSchema();
  return { type: "object", properties: untype(strict.properties as JsonObject) };
}

function untype(properties: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, schema] of Object.entries(properties)) {
    const s = schema as JsonObject;
    const expected = s.type === "object" ? "object" : String(s.type);
    out[name] = s.properties
      ? { description: `Expected: ${expected}. Not enforced.`, properties: untype(s.properties as JsonObject) }
      : { description: `Expected: ${expected}. Not enforced.` };
  }
  return out;
}

function stripKeys(value: unknown, keys: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => stripKeys(v, keys));
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as JsonObject)) {
      // Inside "properties" the keys are field names, not keywords: never strip those.
      if (!keys.has(k)) out[k] = k === "properties" ? stripFieldMap(v as JsonObject, keys) : stripKeys(v, keys);
    }
    return out;
  }
  return value;
}

function stripFieldMap(fields: JsonObject, keys: Set<string>): JsonObject {
  const out: JsonObject = {};
  for (const [name, schema] of Object.entries(fields)) out[name] = stripKeys(schema, keys);
  return out;
}
