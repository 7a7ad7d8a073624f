/** Workflow functions of the functions reference: the run's trigger, actions, parameters, variables and loops. */
import { ExpressionHost } from "../../types";
import { define, fail, str, table } from "../signature";
import { find, isObject, lookup, MISSING, typeName } from "../values";

function action(host: ExpressionHost, name: unknown, fn: string): Record<string, unknown> {
  const record = host.action(str(fn, name));
  if (!isObject(record)) {
    fail(
      `The template language expression cannot be evaluated because the action '${String(name)}' referenced by '${fn}' has not run or does not exist in the workflow.`,
    );
  }
  return record as Record<string, unknown>;
}

const outputsOf = (host: ExpressionHost, name: unknown, fn: string) => action(host, name, fn).outputs as unknown;
const bodyOf = (record: unknown) => {
  const outputs = isObject(record) ? record.outputs : undefined;
  if (!isObject(outputs)) return null;
  const body = find(outputs, "body");
  return body === MISSING ? null : (body ?? null);
};

/** Values of `key` in a form-encoded body (application/x-www-form-urlencoded) of a trigger or action record. */
function formValues(fn: string, record: unknown, key: unknown): string[] {
  const outputs = isObject(record) ? (record.outputs as unknown) : undefined;
  const body = isObject(outputs) ? lookup(outputs, "body").value : undefined;
  if (typeof body !== "string")
    return fail(
      `The template language function '${fn}' expects form-encoded outputs; the body is of type '${typeName(body)}'.`,
    );
  return new URLSearchParams(body).getAll(str(fn, key, fn.startsWith("trigger") ? 1 : 2));
}

function single(fn: string, values: string[]): string | null {
  if (values.length > 1)
    return fail(`The template language function '${fn}' found ${values.length} values for the key; expected one.`);
  return values[0] ?? null;
}

export const WORKFLOW_FUNCTIONS = table(
  define("trigger", "", (_a, host) => host.trigger()),
  define("triggerBody", "", (_a, host) => bodyOf(host.trigger())),
  define("triggerOutputs", "", (_a, host) => (host.trigger() as { outputs?: unknown })?.outputs ?? null),
  define("triggerFormDataValue", "x", ([key], host) =>
    single("triggerFormDataValue", formValues("triggerFormDataValue", host.trigger(), key)),
  ),
  define("triggerFormDataMultiValues", "x", ([key], host) =>
    formValues("triggerFormDataMultiValues", host.trigger(), key),
  ),
  define("formDataValue", "x,x", ([name, key], host) =>
    single("formDataValue", formValues("formDataValue", action(host, name, "formDataValue"), key)),
  ),
  define("formDataMultiValues", "x,x", ([name, key], host) =>
    formValues("formDataMultiValues", action(host, name, "formDataMultiValues"), key),
  ),
  define("actions", "x", ([name], host) => action(host, name, "actions")),
  define("body", "x", ([name], host) => bodyOf(action(host, name, "body"))),
  define("actionBody", "x", ([name], host) => bodyOf(action(host, name, "actionBody"))),
  define("outputs", "x", ([name], host) => outputsOf(host, name, "outputs") ?? null),
  define("actionOutputs", "x", ([name], host) => outputsOf(host, name, "actionOutputs") ?? null),
  define("result", "s", ([name], host) => host.result(name as string)),
  define("parameters", "s", ([name], host) => host.parameter(name as string)),
  define("variables", "s", ([name], host) => host.variable(name as string)),
  define("workflow", "", (_a, host) => host.workflow()),
  define("item", "", (_a, host) => host.item()),
  define("items", "s", ([name], host) => host.items(name as string)),
  define("iterationIndexes", "s", ([name], host) =>
    host.iterationIndexes
      ? host.iterationIndexes(name as string)
      : fail("iterationIndexes() is only valid inside an Until loop."),
  ),
  define("listCallbackUrl", "", () => "http://127.0.0.1/local-runtime/callback-url-not-available"),
);
