/**
 * `npm run docs:cost`: runs every lead path on every stack locally and regenerates README.md's cost table
 * (scripts/bench/costTable.ts, loaded only to run: --help and a usage error answer at once).
 */
import { Command, EXIT, main, Values } from "../ops/cli";

export const DOCS_COST: Command<Values> = {
  name: "docs:cost",
  usage: ["npm run docs:cost   (runs every lead path on every stack locally and regenerates README.md's cost table)"],
  flags: {},
  run: async () => (await (await import("./bench/costTable")).writeCostTable(), EXIT.ok),
};

if (require.main === module) main(DOCS_COST);
