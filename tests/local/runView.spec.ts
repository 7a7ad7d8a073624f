/**
 * The local run page escapes everything it shows: a lead or an error text is data, never markup.
 * (The page's own escaping function, run as the browser would run it.)
 */
import * as assert from "assert";
import * as vm from "vm";
import { RUN_VIEW_HTML } from "../../local/runView";

/** The page's `esc`, evaluated from its source. */
function pageEsc(): (s: unknown) => string {
  const line = RUN_VIEW_HTML.split("\n").find((l) => l.startsWith("const esc = "));
  assert.ok(line, "the page defines esc()");
  return vm.runInNewContext(`${line}; esc`) as (s: unknown) => string;
}

describe("run page (local)", () => {
  const esc = pageEsc();
  for (const [input, shown] of [
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ['" onmouseover="x', "&quot; onmouseover=&quot;x"],
    ["Tom & Jerry", "Tom &amp; Jerry"],
    [undefined, ""],
    [null, ""],
    [42, "42"],
  ] as const) {
    it(`shows ${JSON.stringify(input)} as text`, () => assert.strictEqual(esc(input), shown));
  }

  it("passes every dynamic value through esc() (no raw interpolation of run data)", () => {
    const script = RUN_VIEW_HTML.slice(RUN_VIEW_HTML.indexOf("<script>"));
    const raw = [...script.matchAll(/\+ (?:r|a|run)\.[A-Za-z.?]+ \+/g)]
      .map((m) => m[0])
      .filter((m) => !m.endsWith(".length +")); // a count is a number, never markup
    assert.ok(script.includes("esc(run.error.message)"), "the error text is escaped too");
    assert.deepStrictEqual(raw, []);
  });
});
