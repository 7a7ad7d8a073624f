/** The README's tables are generated from the code; they must match it (`npm run docs` fixes drift). */
import * as assert from "assert";
import * as fs from "fs";
import { OUTPUT_DOCS, programExports, README, renderReadme } from "../scripts/docs";

describe("README", () => {
  const text = fs.readFileSync(README, "utf8");

  it("has configuration and outputs tables matching the code (run `npm run docs` after a change)", () => {
    assert.strictEqual(text, renderReadme(text));
  });

  it("documents exactly the outputs index.ts exports", () => {
    assert.deepStrictEqual(programExports().sort(), Object.keys(OUTPUT_DOCS).sort());
  });

  it("gives the two set-up commands and the Azure path", () => {
    for (const line of [
      "npm ci && npm start",
      "npm test",
      "pulumi stack init dev",
      "pulumi config set --secret dataverseClientSecret <client-secret>",
      "pulumi up",
      "pulumi stack output leadEndpointUrl --show-secrets",
    ]) {
      assert.ok(text.includes(line), line);
    }
  });
});
