/** The extractor of the functions reference's examples (scripts/wdlReference.ts), on a small sample in the page's shapes. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkTable, extractExamples, formatCheck, pageDate } from "../../../scripts/wdlReference";

const sample = fs.readFileSync(path.join(__dirname, "../../fixtures/wdl-reference-sample.md"), "utf8");

describe("WDL reference extractor", () => {
  it("reads every example and the result the page prints, in each of the page's shapes", () => {
    assert.strictEqual(pageDate(sample), "10/06/2025");
    assert.deepStrictEqual(extractExamples(sample), [
      { fn: "add", expression: "add(1, 1.5)", docResult: "2.5" },
      { fn: "and", expression: "and(true, true)", docResult: "true" },
      { fn: "and", expression: "and(false, true)", docResult: "false" },
      { fn: "bool", expression: "bool(1)", docResult: "true" },
      { fn: "bool", expression: "bool('false')", docResult: "false" },
      { fn: "decimal", expression: "decimal('1.5')", docResult: "1.5" },
      { fn: "decimal", expression: "string(decimal('1.50'))", docResult: '"1.50"' },
      { fn: "div", expression: "div(10,5)", docResult: "2" },
      { fn: "div", expression: "div(11,5)", docResult: "2" },
      { fn: "formatNumber", expression: "formatNumber(17.35, 'C2')", docResult: '"$17.35"' },
      { fn: "xml", expression: "xml('<name>Sophia Owen</name>')" },
      { fn: "xml", expression: 'xml(\n  json(\'{"root":{"array":[1, 2]}}\')\n)' },
      { fn: "item", expression: "item().body" },
      {
        fn: "xpath",
        expression: `xpath(xml(body('Http')), '/*[name()="file"]/*[name()="location"]')`,
        docResult: "Paris",
      },
    ]);
  });

  it("reports examples without a row, rows the page lacks, and printed results a row contradicts without a typo", () => {
    const rows = [
      { fn: "add", expression: "add(1, 1.5)", expected: 2.5 },
      { fn: "and", expression: "and(true, true)", expected: true },
      { fn: "and", expression: "and(false,  true)", expected: true },
      { fn: "bool", expression: "bool(1)", expected: false, typo: "a deliberate one" },
      { fn: "bool", expression: "bool('false')", expected: false },
      { fn: "decimal", expression: "decimal('1.5')", expected: 1.5 },
      { fn: "decimal", expression: "string(decimal('1.50'))", expected: "1.50" },
      { fn: "div", expression: "div(10,5)", expected: 2 },
      { fn: "div", expression: "div(11,5)", expected: 2 },
      { fn: "formatNumber", expression: "formatNumber(17.35, 'C2')", expected: "$17.35" },
      { fn: "xml", docExpression: "xml('<name>Sophia Owen</name>')", expression: "xml('<name>Sophia Owen</name>')" },
      { fn: "sub", expression: "sub(10.3, .3)", expected: 10 },
      { fn: "nthIndexOf", expression: "nthIndexOf('a', 'a', -1)", expected: 0, note: "a rule in prose" },
    ];
    const without = [
      { expression: "item().body" },
      { expression: `xpath(xml(body('Http')), '/*[name()="file"]/*[name()="location"]')` },
    ];
    const check = checkTable(extractExamples(sample), rows, without);
    assert.strictEqual(
      formatCheck(check),
      [
        "1 missing, 1 stale, 1 differing",
        'MISSING xml: xml(\n  json(\'{"root":{"array":[1, 2]}}\')\n)',
        "STALE sub(10.3, .3)",
        "DIFFERS and(false, true): the page prints false, the row expects true",
      ].join("\n"),
    );
  });
});
