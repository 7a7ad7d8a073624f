/** The fixed context (clock, parameters, actions, trigger) of the reference examples. */
import { ExpressionHost } from "../../types";
import data from "./examples.json";

export const ctx = data.context as unknown as {
  now: string;
  guid: string;
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
  actions: Record<string, unknown>;
  trigger: unknown;
};

/** The 100-ns ticks past the millisecond of an ISO timestamp with up to seven fraction digits (`.3384797` is 4797). */
function subMillisecondTicks(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? "";
  return Number(fraction.padEnd(7, "0").slice(3, 7));
}

export function referenceHost(now = ctx.now): ExpressionHost {
  return {
    trigger: () => ctx.trigger,
    action: (name) => ctx.actions[name],
    result: () => [],
    parameter: (name) => {
      if (!(name in ctx.parameters)) throw new Error(`parameter ${name} is not declared`);
      return ctx.parameters[name];
    },
    variable: (name) => ctx.variables[name],
    workflow: () => ({ name: "reference", run: { name: "run" } }),
    item: () => null,
    items: () => null,
    now: () => new Date(now),
    nowTicks: () => subMillisecondTicks(now),
    newGuid: () => ctx.guid,
  };
}
