/** The README's cost table comes from real local runs of each lead path; it must match them (`npm run docs:cost`). */
import * as assert from "assert";
import * as fs from "fs";
import { BARE_FLOW, costPer1000 } from "../../scripts/bench/billing";
import { costStacks, dataverseOnlyStack, measureCosts, renderCostBlock } from "../../scripts/bench/costTable";
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

  // Issue #13: against Microsoft's manual flow (a Request trigger and one Dataverse action), a lead
  // delivered to Dataverse alone costs at most 2x, a test lead at most 1x, with archive, dedup and dead letter kept.
  it("meets the cost goal on a Dataverse-only stack: delivered <= 2x the bare flow, Validate test lead <= 1x", async () => {
    const azurite = await useAzurite();
    const costs = await measureCosts(azurite.connectionString, [dataverseOnlyStack()]);
    const path = (p: string) => costs.find((c) => c.path === p)!;
    const ratio = (p: string) => path(p).cost / costPer1000(BARE_FLOW);
    const billed = (p: string) => path(p).billed.map((b) => b.name);
    assert.ok(ratio("delivered") <= 2 + 1e-9, `delivered costs ${ratio("delivered").toFixed(2)}x the bare flow`);
    assert.ok(ratio("validate") <= 1 + 1e-9, `validate costs ${ratio("validate").toFixed(2)}x the bare flow`);
    for (const kept of ["Archive_raw_lead", "Claim_dedup_key", "Create_dataverse_lead", "Mark_delivered"])
      assert.ok(billed("delivered").includes(kept), `${kept} ran on the delivered path`);
    assert.ok(!billed("validate").includes("Create_dataverse_lead"), "a test lead never reaches the CRM");
    assert.strictEqual(path("dead-letter").runStatus, "Failed", "a dead-lettered lead fails its run (the alert)");
    assert.ok(billed("dead-letter").includes("Mark_dead_letter"));
    assert.strictEqual(path("replayed").runStatus, "Succeeded");
  });
});
