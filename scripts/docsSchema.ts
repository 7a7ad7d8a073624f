/**
 * `npm run docs:schema`: regenerates lib/schema.json, the schema Pulumi's analyzer reads off lib/index.ts
 * (scripts/schema.ts, loaded only to run: --help and a usage error answer at once). `npm test` fails while the
 * committed file differs from it.
 */
import * as path from "path";
import { Command, EXIT, main, Values } from "../ops/cli";

const ROOT = path.join(__dirname, "..");
export const SCHEMA_FILE = path.join(ROOT, "lib", "schema.json");

export const DOCS_SCHEMA: Command<Values> = {
  name: "docs:schema",
  usage: ["npm run docs:schema   (regenerates lib/schema.json from the component's TypeScript, as Pulumi reads it)"],
  flags: {},
  run: async () => {
    const changed = await (await import("./schema")).writeSchema(SCHEMA_FILE, ROOT);
    console.log(changed ? "lib/schema.json regenerated: commit it." : "lib/schema.json is up to date.");
    return EXIT.ok;
  },
};

if (require.main === module) main(DOCS_SCHEMA);
