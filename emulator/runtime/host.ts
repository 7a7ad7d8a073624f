/** What expressions of a run see (`trigger()`, `actions()`, `parameters()`, `item()`, ...). */
import { randomUUID } from "crypto";
import { ActionRun, ExpressionHost, JsonObject } from "../types";
import { ExpressionError } from "../expressions";

/** One enclosing Foreach/Query/Select element. */
export interface LoopFrame {
  loop: string;
  item: unknown;
}

/** What an action really received and produced (the run history may hide it: secure data). */
export interface ActionState {
  record: ActionRun;
  inputs?: unknown;
  outputs?: unknown;
  scope: string;
  /** What `actions(name)` returns, made on first read (a state is replaced, never changed). */
  view?: unknown;
}

/** The parts of a run the host reads. */
export interface HostSource {
  workflowName: string;
  runName: string;
  definition: JsonObject;
  parameters?: Record<string, unknown>;
  /** The `trigger()` record; built once per run (expression functions copy before they change a value). */
  trigger: {
    name: string;
    inputs: unknown;
    outputs: unknown;
    startTime: string;
    endTime: string;
    status: string;
    code: string;
  };
  states: ReadonlyMap<string, ActionState>;
  variables: ReadonlyMap<string, unknown>;
  now: () => Date;
  newGuid?: () => string;
}

/** A workflow parameter: the value given for the run, else the definition's `defaultValue`. */
export function parameterValue(source: HostSource, name: string): unknown {
  const { parameters } = source;
  if (parameters && name in parameters) return parameters[name];
  const declared = (source.definition.parameters ?? {}) as Record<string, JsonObject>;
  if (name in declared && "defaultValue" in declared[name]) return declared[name].defaultValue;
  throw new ExpressionError(`The workflow parameter '${name}' is not found.`);
}

function workflowObject(source: HostSource): unknown {
  const id = `/local/workflows/${source.workflowName}`;
  return {
    id,
    name: source.workflowName,
    type: "Microsoft.Logic/workflows",
    run: { id: `${id}/runs/${source.runName}`, name: source.runName, type: "Microsoft.Logic/workflows/runs" },
  };
}

/** The host for an action; `stack` holds the enclosing Foreach/Query/Select elements, innermost last. */
export function expressionHost(source: HostSource, stack: readonly LoopFrame[]): ExpressionHost {
  const { trigger, states, variables } = source;
  return {
    trigger: () => trigger,
    action: (name) => {
      const s = states.get(name);
      return s && (s.view ??= { ...s.record, inputs: s.inputs, outputs: s.outputs });
    },
    result: (scope) => [...states.values()].filter((s) => s.scope === scope).map((s) => s.record),
    parameter: (name) => parameterValue(source, name),
    variable: (name) => {
      if (!variables.has(name)) throw new ExpressionError(`The variable '${name}' is not initialized.`);
      return variables.get(name);
    },
    workflow: () => workflowObject(source),
    item: () => {
      if (!stack.length)
        throw new ExpressionError("The template function 'item' can only be used inside a Foreach, Query or Select.");
      return stack[stack.length - 1].item;
    },
    items: (loop) => {
      const frame = [...stack].reverse().find((f) => f.loop === loop);
      if (!frame)
        throw new ExpressionError(
          `The template function 'items' refers to '${loop}', which is not an enclosing Foreach.`,
        );
      return frame.item;
    },
    now: source.now,
    newGuid: source.newGuid ?? randomUUID,
  };
}
