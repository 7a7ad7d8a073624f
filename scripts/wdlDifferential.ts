/**
 * Differential test of the local expression engine against Microsoft's Logic Apps Standard runtime.
 *
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts build <dir>        # a Standard project: one Compose per row
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts diff <azure.json>  # compare the run's results, exit 1 on a difference
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts standins <port>    # the kit's stand-ins behind HTTP (until killed)
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts kit-run <host> <out.json>  # post every sample lead to the kit's workflows
 *   npx ts-node --transpile-only scripts/wdlDifferential.ts kit-diff <out.json>         # the same leads through the local runner, diffed
 *
 * `build` also writes the kit's rendered definitions as Standard workflows `lead-<stack>` with built-in actions only
 * (scripts/wdl/kitDifferential.ts says how they are adapted); their stand-ins listen on STANDIN_URL
 * (default http://localhost:7080, the `standins` command).
 *
 * Only rows that need no context (no parameters, actions, trigger, clock or randomness) run there: the workflow has
 * a Request trigger and Compose actions, nothing else. The Response returns { "<row id>": <Compose output> }.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { evaluateValue } from "../emulator/expressions";
import { startAzurite } from "../local/azurite";
import { localConnectors } from "../local/connectors/standins";
import { LOCAL_NORMALIZER_URL, LOCAL_TABLE_ENDPOINT, LocalEndpoint } from "../local/endpoint";
import { listStacks, loadStack } from "../program/stacks";
import {
  azureRun,
  compareRuns,
  formatKitDiff,
  localSummary,
  RunSummary,
  standardWorkflow,
  standinServer,
} from "./wdl/kitDifferential";
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

const STANDIN_URL = process.env.STANDIN_URL ?? "http://localhost:7080";
const SAMPLES_DIR = path.join(__dirname, "..", "samples");
const samples = () =>
  fs
    .readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();

function build(dir: string): void {
  fs.mkdirSync(path.join(dir, "reference"), { recursive: true });
  fs.writeFileSync(path.join(dir, "reference", "workflow.json"), JSON.stringify(differentialWorkflow(), null, 2));
  for (const stack of listStacks()) {
    fs.mkdirSync(path.join(dir, `lead-${stack}`), { recursive: true });
    const definition = loadStack(stack).definition as unknown as Record<string, unknown>;
    const workflow = standardWorkflow(definition, STANDIN_URL);
    fs.writeFileSync(path.join(dir, `lead-${stack}`, "workflow.json"), JSON.stringify(workflow, null, 2));
  }
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

/** The kit's stand-ins behind HTTP, their tables in an Azurite of their own. */
async function serveStandins(port: number): Promise<void> {
  const azurite = await startAzurite();
  const endpoint = new LocalEndpoint({ stack: loadStack("dev"), tablesConnectionString: azurite.connectionString });
  for (const stack of listStacks())
    await new LocalEndpoint({ stack: loadStack(stack), tablesConnectionString: azurite.connectionString }).prepare();
  const connectors = localConnectors(endpoint.tables, endpoint.standins, {
    tables: LOCAL_TABLE_ENDPOINT,
    function: LOCAL_NORMALIZER_URL,
  });
  standinServer(connectors).listen(port, "127.0.0.1", () => console.log(`stand-ins on http://localhost:${port}`));
}

/** Posts every sample lead to every kit workflow of the Standard host; writes { "<stack>/<sample>": RunSummary }. */
async function kitRun(host: string, out: string): Promise<void> {
  const management = `${host}/runtime/webhooks/workflow/api/management`;
  const runs: Record<string, RunSummary> = {};
  for (const stack of listStacks()) {
    const workflow = `lead-${stack}`;
    const callback = await fetch(
      `${management}/workflows/${workflow}/triggers/manual/listCallbackUrl?api-version=2020-05-01-preview`,
      { method: "POST" },
    );
    const url = ((await callback.json()) as { value: string }).value;
    for (const sample of samples()) {
      const body = fs.readFileSync(path.join(SAMPLES_DIR, sample), "utf8");
      const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
      const runId = res.headers.get("x-ms-workflow-run-id");
      if (!runId) throw new Error(`${workflow} ${sample}: no run (HTTP ${res.status} ${await res.text()})`);
      runs[`${stack}/${sample}`] = await azureRun(management, workflow, runId);
    }
  }
  fs.writeFileSync(out, JSON.stringify(runs, null, 2));
}

/** The same leads through the local runner (one Azurite, stacks and samples in kitRun's order), diffed. */
async function kitDiff(file: string): Promise<number> {
  const azure = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, RunSummary>;
  const azurite = await startAzurite();
  const results = [];
  try {
    for (const stack of listStacks()) {
      const endpoint = new LocalEndpoint({
        stack: loadStack(stack),
        tablesConnectionString: azurite.connectionString,
        retryScale: 0,
      });
      await endpoint.prepare();
      for (const sample of samples()) {
        const key = `${stack}/${sample}`;
        if (!azure[key]) continue;
        const body = JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, sample), "utf8"));
        const posted = await endpoint.post({ method: "POST", headers: { "content-type": "application/json" }, body });
        if (!posted.done)
          throw new Error(`${key}: the local trigger refused the lead (HTTP ${posted.response.statusCode})`);
        results.push({ sample: key, ...compareRuns(key, azure[key], localSummary(await posted.done)) });
      }
    }
  } finally {
    await azurite.stop();
  }
  console.log(formatKitDiff(results));
  return results.some((r) => r.differences.length) ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, a, b] = argv;
  if (command === "build" && a) build(a);
  else if (command === "diff" && a) {
    const result = compareResults(JSON.parse(fs.readFileSync(a, "utf8")));
    console.log(formatDiff(result));
    return result.differences.length ? 1 : 0;
  } else if (command === "standins" && a) await serveStandins(Number(a));
  else if (command === "kit-run" && a && b) await kitRun(a, b);
  else if (command === "kit-diff" && a) return kitDiff(a);
  else {
    console.error(
      "usage: wdlDifferential.ts build <dir> | diff <azure-results.json> | standins <port> | kit-run <host> <out.json> | kit-diff <out.json>",
    );
    return 2;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
