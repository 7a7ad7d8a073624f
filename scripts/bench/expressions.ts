/** Expression engine speed on the kit's own definitions: every template string, evaluated against a fixed host. */
import { performance } from "perf_hooks";
import { ExpressionHost } from "../../emulator/types";
import { evaluateValue } from "../../emulator/expressions";
import { TRIGGER_NAME } from "../../function-code/src/contract";
import { loadSample } from "../../ops/verify";

/** Every string of a definition that holds an expression (`@...` or `@{...}`), in document order. */
export function expressionsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") {
    if ((value.startsWith("@") && !value.startsWith("@@")) || value.includes("@{")) out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => expressionsOf(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => expressionsOf(v, out));
  return out;
}

/** A run frozen after every action succeeded with an empty JSON body; the trigger carries the full sample lead. */
export function fixedHost(): ExpressionHost {
  const record = (name: string) => ({
    name,
    status: "Succeeded",
    code: "OK",
    inputs: {},
    outputs: { statusCode: 200, headers: {}, body: {} },
  });
  return {
    trigger: () => ({ name: TRIGGER_NAME, outputs: { headers: {}, body: loadSample("full") } }),
    action: record,
    result: () => [],
    parameter: (name) => (name === "$connections" ? {} : `param-${name}`),
    variable: () => "",
    workflow: () => ({ id: "/local/wf", name: "wf", type: "Microsoft.Logic/workflows", run: { name: "run" } }),
    item: () => ({}),
    items: () => ({}),
    now: () => new Date("2026-11-24T10:00:00.000Z"),
    newGuid: () => "00000000-0000-0000-0000-000000000000",
  };
}

export interface ExpressionSpeed {
  total: number;
  evaluable: number;
  perSecond: number;
}

/** Evaluations per second over the expressions the fixed host can evaluate, for `ms` milliseconds. */
export function expressionSpeed(definitions: unknown[], ms = 1000): ExpressionSpeed {
  const host = fixedHost();
  const all = definitions.flatMap((d) => expressionsOf(d));
  const ok = all.filter((e) => {
    try {
      evaluateValue(e, host);
      return true;
    } catch {
      return false;
    }
  });
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const e of ok) evaluateValue(e, host);
    count += ok.length;
  }
  return { total: all.length, evaluable: ok.length, perSecond: count / ((performance.now() - start) / 1000) };
}
