/** Expression engine speed on the kit's own definitions: every template string, evaluated against a fixed host. */
import { performance } from "perf_hooks";
import { ExpressionHost } from "../../emulator/types";
import { evaluateValue } from "../../emulator/expressions";
import { TRIGGER_NAME } from "../../function-code/src/contract";
import reference from "../../emulator/expressions/reference/examples.json";
import { referenceHost } from "../../emulator/expressions/reference/host";
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
  // Read once: a run's trigger record is one object; reading the sample per call timed the disk.
  const trigger = { name: TRIGGER_NAME, outputs: { headers: {}, body: loadSample("full") } };
  return {
    trigger: () => trigger,
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
  /** Mean time of one evaluation, in microseconds. */
  microsPerEvaluation: number;
}

/** Evaluates `templates` round after round for `ms` milliseconds; evaluations per second and µs per evaluation. */
function timeLoop(templates: string[], host: ExpressionHost, ms: number): { perSecond: number; micros: number } {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const t of templates) evaluateValue(t, host);
    count += templates.length;
  }
  const elapsed = performance.now() - start;
  return { perSecond: count / (elapsed / 1000), micros: (elapsed * 1000) / count };
}

/** Whether `template` evaluates on `host` (the engine refuses what it cannot answer as Azure does). */
function evaluates(template: string, host: ExpressionHost): boolean {
  try {
    evaluateValue(template, host);
    return true;
  } catch {
    return false;
  }
}

/**
 * The reference table's rows (every worked example of the functions reference), each evaluated with its own clock:
 * µs per evaluation of the engine's whole vocabulary, not only what the kit's definitions use. Rows the engine
 * refuses (README: known differences) are named, not timed.
 */
export function referenceSpeed(ms = 1000): { rows: number; refused: string[]; microsPerEvaluation: number } {
  type Row = { expression?: string; template?: string; now?: string };
  const rows = (reference.rows as Row[]).filter((r) => !/rand\(|guid\(/.test(r.expression ?? ""));
  const groups = new Map<string | undefined, string[]>();
  const refused: string[] = [];
  for (const r of rows) {
    const template = r.template ?? `@${r.expression}`;
    if (!evaluates(template, referenceHost(r.now))) refused.push(r.expression ?? template);
    else groups.set(r.now, [...(groups.get(r.now) ?? []), template]);
  }
  const timed = rows.length - refused.length;
  let micros = 0;
  for (const [now, templates] of groups) {
    const share = Math.max(1, Math.round((ms * templates.length) / timed));
    micros += timeLoop(templates, referenceHost(now), share).micros * templates.length;
  }
  return { rows: timed, refused, microsPerEvaluation: micros / timed };
}

/** Evaluations per second over the expressions the fixed host can evaluate, for `ms` milliseconds. */
export function expressionSpeed(definitions: unknown[], ms = 1000): ExpressionSpeed {
  const host = fixedHost();
  const all = definitions.flatMap((d) => expressionsOf(d));
  const ok = all.filter((e) => evaluates(e, host));
  const { perSecond, micros } = timeLoop(ok, host, ms);
  return { total: all.length, evaluable: ok.length, perSecond, microsPerEvaluation: micros };
}
