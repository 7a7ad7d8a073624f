/**
 * What Azure bills for one Consumption run, counted from its run history.
 *
 * Rules, from "Usage metering, billing, and pricing for Azure Logic Apps"
 * (https://learn.microsoft.com/azure/logic-apps/logic-apps-pricing, "Trigger and action operations in the
 * Consumption model"): every trigger and action execution is metered, successful or failed, "whether or not the
 * overall workflow successfully runs"; an operation makes more than one execution when it "has retry attempts
 * enabled" (so each retry in `retryHistory` is one more execution); actions "that get skipped due to unmet
 * conditions" are not metered; a Request trigger (webhook trigger) is one execution per request; control flow
 * (conditions, scopes, switch) and built-in operations (HTTP, Azure Functions) bill at the Actions price, managed
 * connector calls (`ApiConnection`) at the Standard connector price.
 * Prices: US list prices of https://azure.microsoft.com/pricing/details/logic-apps/ (Consumption: Actions
 * $0.000025, Standard connector $0.000125 per execution); check the page for your currency and region.
 */
import { WorkflowRun } from "../../emulator/types";

export const PRICE = { builtIn: 0.000025, standardConnector: 0.000125 } as const;

export type BillingKind = "built-in" | "connector";

/** Action types by price. Anything else must be classified here first (an unknown type fails the count). */
const KIND_OF_TYPE: Record<string, BillingKind> = {
  ApiConnection: "connector",
  ApiConnectionWebhook: "connector",
  Request: "built-in",
  Http: "built-in",
  Function: "built-in",
  Compose: "built-in",
  ParseJson: "built-in",
  If: "built-in",
  Scope: "built-in",
  Switch: "built-in",
  Terminate: "built-in",
  Response: "built-in",
  Query: "built-in",
  Select: "built-in",
};

/** One billed operation of a run: the trigger or an action that ran, with its executions (retries included). */
export interface Billed {
  name: string;
  type: string;
  kind: BillingKind;
  executions: number;
}

export function billingKind(name: string, type: string): BillingKind {
  const kind = KIND_OF_TYPE[type];
  if (!kind)
    throw new Error(
      `Action "${name}" has type "${type}", which scripts/bench/billing.ts does not price: add it to KIND_OF_TYPE ` +
        `as "built-in" or "connector" (see the pricing page).`,
    );
  return kind;
}

/** The billed operations of a run in run-history order, trigger first; skipped actions are free. */
export function billedOperations(run: WorkflowRun): Billed[] {
  const trigger: Billed = { name: run.trigger.name, type: "Request", kind: "built-in", executions: 1 };
  const actions = Object.values(run.actions)
    .filter((a) => a.status !== "Skipped")
    .map((a) => ({
      name: a.name,
      type: a.type,
      kind: billingKind(a.name, a.type),
      executions: 1 + (a.retryHistory?.length ?? 0),
    }));
  return [trigger, ...actions];
}

export interface Executions {
  builtIn: number;
  connector: number;
}

export function executions(billed: Billed[]): Executions {
  const sum = (kind: BillingKind) =>
    billed.filter((b) => b.kind === kind).reduce((total, b) => total + b.executions, 0);
  return { builtIn: sum("built-in"), connector: sum("connector") };
}

/** US list price of 1,000 leads taking this path. */
export function costPer1000(e: Executions): number {
  return (e.builtIn * PRICE.builtIn + e.connector * PRICE.standardConnector) * 1000;
}

/** Microsoft's manual flow done as a Logic App: a Request trigger and one Dataverse "add a row" action. */
export const BARE_FLOW: Executions = { builtIn: 1, connector: 1 };

/** "Archive_raw_lead, Respond, Create_dataverse_lead x5, ..." (x N when retried). */
export function listBilled(billed: Billed[]): string {
  return billed.map((b) => (b.executions > 1 ? `${b.name} x${b.executions}` : b.name)).join(", ");
}
