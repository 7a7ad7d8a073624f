import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { COLUMN, LEAD_STATUS, SENT_PREFIX } from "../../function-code/src/contract";

const ROOT = path.join(__dirname, "..", "..");
/** The kit's sources and the function app's; tests, the separate policy package and generated files aside. */
const SKIP = new Set(["node_modules", "tests", "policy", "dist", "rendered", ".git", ".local-runs", "examples"]);
const CONTRACT = path.join("function-code", "src", "contract.ts");

/** Places where a contract word stays literal, each with its reason. */
const ALLOWED: Array<{ file: string; word: string; reason: string }> = [
  {
    file: "workflow/names.ts",
    word: "DedupKey",
    reason: "the normalized lead's field (leadScreening.ts), not the column",
  },
  {
    file: "workflow/phases/normalize.ts",
    word: "DedupKey",
    reason: "the normalized lead's field, set on the function's answer",
  },
  { file: "workflow/leadScreening.ts", word: "DedupKey", reason: "the normalized lead's field, computed here" },
  { file: "targets/webhook.ts", word: "DedupKey", reason: "the normalized lead's field, kept out of CRM bodies" },
  {
    file: "local/runView.ts",
    word: "dead-letter",
    reason: "browser script text served by the run page, not TypeScript",
  },
  { file: "local/runView.ts", word: "received", reason: "an HTML class of the run page" },
  { file: "local/runView.ts", word: "replayed", reason: "an HTML id of the run page" },
  {
    file: "function-code/src/replay/replayDeadLetters.ts",
    word: "replayed",
    reason: "a replay result (ReplayOutcome), not a Status",
  },
  {
    file: "function-code/src/replay/replayDeadLetters.ts",
    word: "needs-review",
    reason: "a replay result (ReplayOutcome)",
  },
  { file: "ops/replay.ts", word: "replayed", reason: "a replay result (ReplayOutcome), not a Status" },
  { file: "ops/replay.ts", word: "needs-review", reason: "a replay result (ReplayOutcome)" },
  { file: "scripts/bench/paths.ts", word: "delivered", reason: "a bench path name (LEAD_PATHS), not a Status value" },
  { file: "scripts/bench/paths.ts", word: "duplicate", reason: "a bench path name" },
  { file: "scripts/bench/paths.ts", word: "incomplete", reason: "a bench path name" },
  { file: "scripts/bench/paths.ts", word: "dead-letter", reason: "a bench path name" },
  { file: "scripts/bench/paths.ts", word: "replayed", reason: "a bench path name" },
  { file: "scripts/bench/report.ts", word: "delivered", reason: "a bench path name" },
  { file: "scripts/bench/costTable.ts", word: "delivered", reason: "a bench path name" },
  { file: "scripts/bench/throughput.ts", word: "Status", reason: "filler rows of a storage load test" },
  { file: "scripts/bench/throughput.ts", word: "DedupKey", reason: "filler rows of a storage load test" },
  { file: "scripts/bench/throughput.ts", word: "delivered", reason: "filler rows of a storage load test" },
];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) || (dir === "function-code" && e.name === "tests") ? [] : sources(rel);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") && rel !== CONTRACT ? [rel] : [];
  });
}

/** The code without its comments (a `//` after a colon is a URL, not a comment). */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/.*$/gm, "$1");

const escape = (s: string) => s.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&");

/** A word used as a literal: quoted on its own, as an object key, or read as a property. */
function uses(text: string, word: string, column: boolean): boolean {
  const quoted = new RegExp(`(["'\`])${escape(word)}\\1`);
  const asName = new RegExp(`(\\.${word}\\b|^\\s*${word}\\??:|[{,]\\s*${word}\\??:)`, "m");
  return quoted.test(text) || (column && asName.test(text));
}

describe("the contract between the workflow and the function app (function-code/src/contract.ts)", () => {
  const files = sources(".");
  const words = [
    ...Object.values(LEAD_STATUS).map((w) => ({ word: w, column: false })),
    ...Object.values(COLUMN).map((w) => ({ word: w, column: true })),
  ];

  it("reads the kit's sources (the scan sees the workflow, the replay and the operator commands)", () => {
    for (const f of ["workflow/leadWorkflow.ts", "function-code/src/replay/replayDeadLetters.ts", "ops/outcome.ts"])
      assert.ok(files.includes(path.normalize(f)), f);
  });

  it("no source spells a Status value, a shared column or the ledger prefix outside contract.ts", () => {
    const found: string[] = [];
    for (const file of files) {
      const text = code(fs.readFileSync(path.join(ROOT, file), "utf8"));
      const posix = file.split(path.sep).join("/");
      for (const { word, column } of words) {
        if (ALLOWED.some((a) => a.file === posix && a.word === word)) continue;
        if (uses(text, word, column)) found.push(`${posix}: ${word}`);
      }
      if (text.includes(SENT_PREFIX)) found.push(`${posix}: ${SENT_PREFIX}`);
    }
    assert.deepEqual(found, []);
  });

  it("each allowance still has a use to excuse (none is stale)", () => {
    const stale = ALLOWED.filter(({ file, word }) => {
      const full = path.join(ROOT, file);
      const column = (Object.values(COLUMN) as string[]).includes(word);
      return !fs.existsSync(full) || !uses(code(fs.readFileSync(full, "utf8")), word, column);
    });
    assert.deepEqual(stale, []);
  });
});
