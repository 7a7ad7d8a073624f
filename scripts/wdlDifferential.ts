/**
 * Differential test of the local expression engine against Microsoft's Logic Apps Standard runtime.
 *
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts build <dir>        # a Standard project: one Compose per row
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts diff <azure.json>  # compare the run's results, exit 1 on a difference
 *
 * Only rows that need no context (no parameters, actions, trigger, clock or randomness) run there: the workflow has
 * a Request trigger and Compose actions, nothing else. The Response returns { "<row id>": <Compose output> }.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { evaluateValue } from "../emulator/expressions";
import data from "../emulator/expressions/reference/examples.json";
import { referenceHost } from "../emulator/expressions/reference/host";

type Row = { fn: string; expression?: string; template?: string };
const CONTEXTUAL =
  /parameters|actions?\(|body\(|outputs|trigger|variables|formData|utcNow|FutureTime|PastTime|guid|rand\(/i;

/** A row's id: a hash of its template, so adding rows to the table leaves recorded results valid. */
export const rowId = (template: string) => createHash("sha256").update(template).digest("hex").slice(0, 12);

/** Rows Azure can evaluate on its own, with their id. */
export function portableRows(): Array<{ id: string; template: string }> {
  return (data.rows as Row[])
    .map((row) => row.template ?? `@${row.expression}`)
    .filter((template) => !CONTEXTUAL.test(template))
    .map((template) => ({ id: rowId(template), template }));
}

/** workflow.json of a stateful workflow whose Response returns every Compose output. */
export function differentialWorkflow(): object {
  const rows = portableRows();
  const actions: Record<string, object> = {};
  for (const r of rows) actions[`Row_${r.id}`] = { type: "Compose", inputs: r.template, runAfter: {} };
  const body = Object.fromEntries(rows.map((r) => [r.id, `@outputs('Row_${r.id}')`]));
  actions.Respond = {
    type: "Response",
    kind: "Http",
    inputs: { statusCode: 200, body },
    runAfter: Object.fromEntries(rows.map((r) => [`Row_${r.id}`, ["Succeeded", "Failed"]])),
  };
  return {
    definition: {
      $schema:
        "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
      contentVersion: "1.0.0.0",
      triggers: { manual: { type: "Request", kind: "Http", inputs: {} } },
      actions,
      outputs: {},
    },
    kind: "Stateful",
  };
}

export interface Difference {
  id: string;
  template: string;
  azure: unknown;
  local: unknown;
}

/** Rows whose Azure result differs from the local engine's (local errors are reported as { error }). */
export function compareResults(azure: Record<string, unknown>): { same: number; differences: Difference[] } {
  const differences: Difference[] = [];
  let same = 0;
  for (const r of portableRows()) {
    if (!(r.id in azure)) continue;
    let local: unknown;
    try {
      local = JSON.parse(JSON.stringify(evaluateValue(r.template, referenceHost()) ?? null));
    } catch (err) {
      local = { error: (err as Error).message };
    }
    const remote = azure[r.id];
    if (JSON.stringify(local) === JSON.stringify(remote)) same++;
    else differences.push({ id: r.id, template: r.template, azure: remote, local });
  }
  return { same, differences };
}

/** The report: one summary line, then one line per difference (row, template, Azure's value, the local value). */
export function formatDiff(result: { same: number; differences: Difference[] }): string {
  const lines = [`${result.same} same, ${result.differences.length} different`];
  for (const d of result.differences)
    lines.push(
      `DIFF row ${d.id} ${d.template}\n  azure: ${JSON.stringify(d.azure)}\n  local: ${JSON.stringify(d.local)}`,
    );
  return lines.join("\n");
}

function build(dir: string): void {
  fs.mkdirSync(path.join(dir, "reference"), { recursive: true });
  fs.writeFileSync(path.join(dir, "reference", "workflow.json"), JSON.stringify(differentialWorkflow(), null, 2));
  // The Logic Apps Standard workflows extension bundle, as a Standard project's host.json declares it.
  const host = {
    version: "2.0",
    extensionBundle: { id: "Microsoft.Azure.Functions.ExtensionBundle.Workflows", version: "[1.*, 2.0.0)" },
  };
  fs.writeFileSync(path.join(dir, "host.json"), JSON.stringify(host, null, 2));
  const settings = {
    IsEncrypted: false,
    Values: {
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      FUNCTIONS_WORKER_RUNTIME: "node",
      APP_KIND: "workflowApp",
    },
  };
  fs.writeFileSync(path.join(dir, "local.settings.json"), JSON.stringify(settings, null, 2));
}

if (require.main === module) {
  const [command, target] = process.argv.slice(2);
  if (command === "build" && target) build(target);
  else if (command === "diff" && target) {
    const result = compareResults(JSON.parse(fs.readFileSync(target, "utf8")));
    console.log(formatDiff(result));
    process.exitCode = result.differences.length ? 1 : 0;
  } else {
    console.error("usage: wdlDifferential.ts build <dir> | diff <azure-results.json>");
    process.exitCode = 2;
  }
}
