/** The differential test's workflow and report format (scripts/wdlDifferential.ts), on a hand-made sample. */
import * as assert from "assert";
import {
  compareResults,
  differentialWorkflow,
  formatDiff,
  portableRows,
  rowId,
} from "../../../scripts/wdlDifferential";
import sample from "./differential-sample.json";
import data from "../../../emulator/expressions/reference/examples.json";

describe("WDL differential test against Microsoft's runtime", () => {
  it("runs every context-free row as a Compose action and returns each output by row id", () => {
    const rows = portableRows();
    assert.ok(rows.length > 150, `${rows.length} portable rows`);
    const wf = differentialWorkflow() as { definition: { actions: Record<string, { type: string; inputs: unknown }> } };
    const actions = wf.definition.actions;
    assert.ok(data.rows.some((r) => (r as { expression?: string }).expression === "div(11,5.0)"));
    const divRow = rowId("@div(11,5.0)");
    assert.strictEqual(divRow, "cd5caaa5b65c");
    assert.deepStrictEqual(actions[`Row_${divRow}`], { type: "Compose", inputs: "@div(11,5.0)", runAfter: {} });
    assert.strictEqual(
      (actions.Respond.inputs as { body: Record<string, string> }).body[divRow],
      `@outputs('Row_${divRow}')`,
    );
    assert.ok(!rows.some((r) => /parameters\(|utcNow/.test(r.template)), "rows needing context stay local");
  });

  it("reports the same rows and one line per difference with both values", () => {
    const divRow = rowId("@div(11,5)");
    const result = compareResults(sample.results);
    assert.strictEqual(result.same, 3);
    assert.deepStrictEqual(result.differences, [{ id: divRow, template: "@div(11,5)", azure: 2.0000001, local: 2 }]);
    assert.strictEqual(
      formatDiff(result),
      `3 same, 1 different\nDIFF row ${divRow} @div(11,5)\n  azure: 2.0000001\n  local: 2`,
    );
  });
});
