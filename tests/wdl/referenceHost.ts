/** The fixed context (clock, parameters, actions, trigger) of the reference examples. */
import { ExpressionHost } from "../../emulator/types";
import data from "./reference-examples.json";

export const ctx = data.context as unknown as {
  now: string;
  guid: string;
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
  actions: Record<string, unknown>;
  trigger: unknown;
};

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
    newGuid: () => ctx.guid,
  };
}
