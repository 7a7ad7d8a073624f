/**
 * A target is one file in targets/ plus one row of TARGETS: no other source names a target. The scan reads
 * every source file outside targets/ (code only: comments are prose and may name a CRM) and fails on a
 * target's key, managed API, stand-in or action name written as a literal, a property or a regex branch.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CRM_TARGETS, targetSpec } from "../../targets";

const ROOT = path.join(__dirname, "..", "..");
/** Not scanned: the table itself, tests, generated or example files, and the separate packages' own data. */
const SKIP_DIRS = new Set([
  "node_modules",
  ".git",
  "targets",
  "tests",
  "rendered",
  "examples",
  "samples",
  "bin",
  "dist",
]);
const CODE = /\.(ts|js|mjs|cjs)$/;

/**
 * Files that must still name a target, and why. Each entry lists the names it may use; anything else fails.
 */
const ALLOWED: Record<string, { names: string[]; why: string }> = {
  "components/leadEndpoint.ts": {
    names: ["dataverse", "salesforce", "hubspot", "email", "webhook", "azureTable", "teams"],
    why:
      "LeadEndpointArgs names each target's args as a named interface property: Pulumi's schema analyzer turns " +
      "exactly those into lib/schema.json types (tests/package.spec.ts); a mapped type would not be analyzed.",
  },
  "program/endpointArgs.ts": {
    names: ["dataverse", "salesforce", "hubspot", "email", "webhook", "azureTable", "teams"],
    why: "maps each target's config block and its secret to the named args above (typed, so a miss fails tsc).",
  },
  "program/pulumiConfig.ts": {
    names: ["dataverse", "webhook", "hubspot", "teams"],
    why: "reads the secret settings with requireSecret into SecretSettings (typed by endpointArgs.ts).",
  },
  "local/endpoint.ts": {
    names: ["azureTable"],
    why: "the local runtime creates the Azure Table target's table in Azurite (to read TargetSpec.tables next).",
  },
  "scripts/bench/costTable.ts": {
    names: ["dataverse"],
    why: "the README compares with Microsoft's manual flow, a single Dataverse action: that stack is Dataverse-only.",
  },
  "ops/forget.ts": {
    names: ["email"],
    why: 'finds the lead\'s e-mail field in archived JSON (`"email": ...`), not the e-mail target.',
  },
  "function-code/src/lead/normalize.ts": {
    names: ["email"],
    why: "the normalized lead's e-mail field (`lead.email`), not the e-mail target.",
  },
  "function-code/src/replay/owedTargets.ts": {
    names: ["dataverse", "salesforce", "hubspot", "email", "webhook", "azureTable", "teams"],
    why: "function-code imports nothing of the kit; tests/function-code/replayLedger.spec.ts checks its list equals TARGETS.",
  },
};

/** Every name that belongs to a target: its key, managed API, stand-in and action. */
function targetNames(): string[] {
  const names = new Set<string>();
  for (const t of CRM_TARGETS) {
    const spec = targetSpec(t);
    for (const n of [t, spec.api, spec.standin?.name, spec.action]) if (n) names.add(n);
  }
  return [...names];
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) sourceFiles(path.join(dir, entry.name), out);
    } else if (CODE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path.join(dir, entry.name));
  }
  return out;
}

/** Code without its comments (line and block), strings kept. Good enough for this tree's formatting. */
export function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Where `name` is written as a string, a property, a key or a regex branch. */
export function literalUses(code: string, name: string): number {
  const n = name.replace(/[$]/g, "\\$");
  const forms = [`["'\`]${n}["'\`]`, `\\.${n}\\b`, `\\b${n}\\??:`, `\\|${n}\\b`, `\\b${n}\\|`];
  if (name.includes("_")) forms.push(`\\b${n}\\b`);
  return (code.match(new RegExp(forms.join("|"), "g")) ?? []).length;
}

describe("targets: one file plus one TARGETS row", () => {
  it("the scan finds every form it looks for (it can fail)", () => {
    const code = withoutComments(
      `const a = "salesforce"; x.salesforce; ({ salesforce?: 1 }); /(commondataservice|office365)/; // "webhook"`,
    );
    assert.deepStrictEqual(
      ["salesforce", "commondataservice", "office365", "webhook"].map((n) => literalUses(code, n)),
      [3, 1, 1, 0],
    );
  });

  it("no source outside targets/ names a target, except the files allowed with a reason", () => {
    const names = targetNames();
    const found: string[] = [];
    for (const file of sourceFiles(ROOT)) {
      const rel = path.relative(ROOT, file).split(path.sep).join("/");
      if (rel.startsWith("function-code/tests/") || rel.startsWith("policy/tests/")) continue;
      const code = withoutComments(fs.readFileSync(file, "utf8"));
      const allowed = ALLOWED[rel]?.names ?? [];
      for (const name of names)
        if (!allowed.includes(name) && literalUses(code, name) > 0) found.push(`${rel}: ${name}`);
    }
    assert.deepStrictEqual(found, []);
  });

  it("every allowed file still names what it is allowed to (no stale entry)", () => {
    const stale = Object.entries(ALLOWED).flatMap(([rel, { names }]) => {
      const code = withoutComments(fs.readFileSync(path.join(ROOT, rel), "utf8"));
      return names.filter((n) => literalUses(code, n) === 0).map((n) => `${rel}: ${n}`);
    });
    assert.deepStrictEqual(stale, []);
  });
});
