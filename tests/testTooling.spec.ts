/** The test command itself: one named file runs alone, and a dry run reports nothing as passed. */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const MOCHA = path.join("node_modules", "mocha", "bin", "mocha.js");
/** A file with exactly two tests, outside the default spec list. */
const FIXTURE = "tests/fixtures/twoTests.fixture.ts";

function lastLine(args: string[]): string {
  const out = execFileSync(process.execPath, [MOCHA, ...args], { encoding: "utf8", timeout: 60000 });
  return out.trim().split("\n").pop()!;
}

describe("test tooling", function () {
  this.timeout(60000);

  it("`mocha <file>` runs that file only and ends with the plain summary line", () => {
    assert.strictEqual(lastLine([FIXTURE]), "2 passed, 0 failed");
  });

  it("`mocha --dry-run` reports the tests as not run, never as passed", () => {
    assert.strictEqual(lastLine(["--dry-run", FIXTURE]), "0 passed, 0 failed, 2 not run (dry run)");
  });
});
