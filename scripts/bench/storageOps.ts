/**
 * The storage operations a real run made, read from its Http storage actions (audience
 * https://storage.azure.com/, uri under `@{parameters('tableEndpoint')}`), so the throughput floor performs
 * exactly what the workflow does per lead, bare. Their inputs are hidden in the run history (secure data),
 * so method and table come from the action's definition.
 */
import { WorkflowRun } from "../../emulator/types";
import { STORAGE_AUDIENCE, TABLE_ENDPOINT_PARAMETER } from "../../definition/tableActions";

export interface StorageOp {
  action: string;
  /** Table service verb: PUT (insert or replace), POST (insert), MERGE/PATCH (merge), GET, DELETE. */
  method: string;
  table: string;
}

type ActionDef = { type?: string; inputs?: Record<string, unknown>; [key: string]: unknown };

/** Every action definition by name, nested ones (Scope, If, Switch cases) included. */
export function actionDefinitions(actions: Record<string, ActionDef>): Map<string, ActionDef> {
  const found = new Map<string, ActionDef>();
  const visit = (level: Record<string, ActionDef> | undefined) => {
    for (const [name, def] of Object.entries(level ?? {})) {
      found.set(name, def);
      visit(def.actions as Record<string, ActionDef> | undefined);
      visit((def.else as { actions?: Record<string, ActionDef> } | undefined)?.actions);
      for (const c of Object.values((def.cases as Record<string, { actions: Record<string, ActionDef> }>) ?? {}))
        visit(c.actions);
      visit((def.default as { actions?: Record<string, ActionDef> } | undefined)?.actions);
    }
  };
  visit(actions);
  return found;
}

const URI_PREFIX = `@{parameters('${TABLE_ENDPOINT_PARAMETER}')}`;

function storageOp(name: string, def: ActionDef | undefined): StorageOp | undefined {
  const inputs = def?.inputs;
  const auth = inputs?.authentication as { audience?: string } | undefined;
  const uri = inputs?.uri;
  if (def?.type !== "Http" || auth?.audience !== STORAGE_AUDIENCE || typeof uri !== "string") return undefined;
  if (!uri.startsWith(URI_PREFIX)) return undefined;
  const table = /^[A-Za-z0-9]+/.exec(uri.slice(URI_PREFIX.length))?.[0];
  if (!table) throw new Error(`Storage action "${name}" has uri "${uri}" with no table name after ${URI_PREFIX}.`);
  return { action: name, method: String(inputs?.method).toUpperCase(), table };
}

/** The storage calls a run made, in run-history order (skipped actions made none). */
export function storageOpsOf(run: WorkflowRun, definition: { actions: Record<string, unknown> }): StorageOp[] {
  const defs = actionDefinitions(definition.actions as Record<string, ActionDef>);
  return Object.values(run.actions)
    .filter((a) => a.status !== "Skipped")
    .map((a) => storageOp(a.name, defs.get(a.name)))
    .filter((op): op is StorageOp => op !== undefined);
}

export const describeOps = (ops: StorageOp[]) => ops.map((o) => `${o.method} ${o.table} (${o.action})`).join(", ");
