/**
 * The README's cost table, generated from real local runs (paths.ts) of every stack file and of a
 * Dataverse-only stack, compared with Microsoft's manual flow. A test fails when the README drifts.
 *
 *   npm run docs:cost    # rewrite the cost table in README.md (starts its own Azurite)
 */
import * as fs from "fs";
import { startAzurite } from "../../local/azurite";
import { LocalEndpoint } from "../../local/endpoint";
import { listStacks, LoadedStack, loadStack, stackFromSettings } from "../../program/stacks";
import { README, replaceBlock } from "../docs";
import { BARE_FLOW, costPer1000, listBilled } from "./billing";
import { costPaths, PathCost } from "./paths";

/** Microsoft's manual flow delivers to Dataverse alone: the fair comparison is a kit stack with that target only. */
export const DATAVERSE_ONLY = "dataverse-only";

export function dataverseOnlyStack(): LoadedStack {
  return stackFromSettings(DATAVERSE_ONLY, {
    targets: "dataverse",
    dataverseUrl: "https://contoso.crm4.dynamics.com",
    dataverseTenantId: "11111111-2222-3333-4444-555555555555",
    dataverseClientId: "66666666-7777-8888-9999-000000000000",
  });
}

/** The stacks the table covers: every Pulumi.<stack>.yaml, then the Dataverse-only stack. */
export function costStacks(): LoadedStack[] {
  return [...listStacks().map((s) => loadStack(s)), dataverseOnlyStack()];
}

/** Every path of every stack, from real runs against the Table service at `connectionString`. */
export async function measureCosts(connectionString: string, stacks = costStacks()): Promise<PathCost[]> {
  const nonce = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const all: PathCost[] = [];
  for (const stack of stacks) {
    const endpoint = new LocalEndpoint({ stack, tablesConnectionString: connectionString, retryScale: 0 });
    await endpoint.prepare();
    all.push(...(await costPaths(endpoint, stack, `${stack.stack}-${nonce}`)));
  }
  return all;
}

const money = (n: number) => `$${n.toFixed(3)}`;
const BARE_COST = costPer1000(BARE_FLOW);

/** One row per stack and path; `x bare` compares with the manual flow's price. */
export function costTable(costs: PathCost[], targetsOf: Record<string, string[]>): string {
  const rows = costs.map((c) => {
    const stack = `${c.stack} (${targetsOf[c.stack]?.join(", ") || "archive only"})`;
    const ratio = (c.cost / BARE_COST).toFixed(2);
    const cells = [stack, c.path, c.runStatus, c.executions.builtIn, c.executions.connector, money(c.cost), ratio];
    return `| ${cells.join(" | ")} |`;
  });
  const head = [
    "| Stack (targets) | Path | Run | Built-in executions | Connector calls | $ per 1,000 leads | x bare flow |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: |",
  ];
  return [...head, ...rows].join("\n");
}

/** The table, the bare flow's price, and where a delivered lead's cost goes on the Dataverse-only stack. */
export function costSection(costs: PathCost[], targetsOf: Record<string, string[]>): string {
  const bare = `Bare flow (Request trigger + one Dataverse action): ${BARE_FLOW.builtIn} built-in + ${BARE_FLOW.connector} connector call = ${money(BARE_COST)} per 1,000 leads.`;
  const where = costs
    .filter((c) => c.stack === DATAVERSE_ONLY && (c.path === "delivered" || c.path === "validate"))
    .map((c) => `Billed on a ${c.path} lead, ${c.stack}: ${listBilled(c.billed)}.`);
  return [costTable(costs, targetsOf), "", bare, "", ...where.flatMap((w) => [w, ""])].join("\n").trimEnd();
}

export function targetsByStack(stacks: LoadedStack[]): Record<string, string[]> {
  return Object.fromEntries(stacks.map((s) => [s.stack, s.config.targets]));
}

/** README text with the cost block regenerated. */
export function renderCostBlock(text: string, costs: PathCost[], stacks: LoadedStack[]): string {
  return replaceBlock(text, "cost-table", costSection(costs, targetsByStack(stacks)));
}

/** `npm run docs:cost` (scripts/docsCost.ts): every lead path on every stack, run locally, into README.md. */
export async function writeCostTable(): Promise<void> {
  const azurite = await startAzurite();
  try {
    const stacks = costStacks();
    const costs = await measureCosts(azurite.connectionString, stacks);
    const before = fs.readFileSync(README, "utf8");
    const after = renderCostBlock(before, costs, stacks);
    fs.writeFileSync(README, after);
    console.log(before === after ? "README.md cost table unchanged" : "README.md cost table updated");
  } finally {
    await azurite.stop();
  }
}
