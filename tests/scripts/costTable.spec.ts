/** The README's cost table comes from real local runs of each lead path; it must match them (`npm run docs:cost`). */
import * as assert from "assert";
import * as fs from "fs";
import { costStacks, measureCosts, renderCostBlock } from "../../scripts/bench/costTable";
import { LEAD_PATHS } from "../../scripts/bench/paths";
import { README } from "../../scripts/docs";
import { useAzurite } from "../support/azurite";

describe("README cost table", function () {
  this.timeout(60000);

  it("matches the billed executions of real runs of every path on every stack (run `npm run docs:cost`)", async () => {
    const azurite = await useAzurite();
    const stacks = costStacks();
    const costs = await measureCosts(azurite.connectionString, stacks);
    assert.deepStrictEqual(
      costs.map((c) => `${c.stack} ${c.path}`),
      stacks.flatMap((s) => LEAD_PATHS.map((p) => `${s.stack} ${p}`)),
      "every stack has a CRM target, so every path runs",
    );
    const text = fs.readFileSync(README, "utf8");
    assert.strictEqual(text, renderCostBlock(text, costs, stacks));
  });
});
