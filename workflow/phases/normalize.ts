/** The lead's normalized fields: workflow expressions alone, or the function app with them as the fallback. */
import { IDENTITY_PARAMETER } from "../../definition/tableActions";
import { DISABLE_ASYNC_PATTERN, RunAfter, WorkflowAction } from "../../definition/types";
import { normalizedLead } from "../leadScreening";
import { ACTION, SECURE_ALL, SECURE_INPUTS } from "../names";

/** The function's answer is used when `Function_fields` made CRM fields of it. */
export function functionUsable(): string {
  const fields = `actions('${ACTION.functionFields}')`;
  return `and(equals(${fields}?['status'], 'Succeeded'), not(empty(${fields}?['outputs'])))`;
}

/**
 * Calls the function app's normalizeLead with the raw lead as the workflow's managed identity: the
 * function is anonymous behind App Service authentication, so no function key exists anywhere
 * (learn.microsoft.com/azure/logic-apps/call-azure-functions-from-workflows, "Enable authentication for
 * Azure function calls (Consumption workflows only)"). Brief retries: the lead waits for nothing.
 */
export function normalizerCall(): WorkflowAction {
  return {
    type: "Http",
    description: "Validates and normalizes the lead in the function app (function-code/); optional, with a fallback.",
    // First in the Switch's default case (process.ts), beside the expression mapping.
    runAfter: {},
    inputs: {
      method: "POST",
      uri: "@parameters('normalizerUrl')",
      headers: { "Content-Type": "application/json" },
      body: "@triggerBody()",
      authentication: {
        type: "ManagedServiceIdentity",
        identity: `@parameters('${IDENTITY_PARAMETER}')`,
        audience: "@parameters('normalizerAudience')",
      },
      retryPolicy: { type: "fixed", count: 2, interval: "PT5S" },
    },
    limit: { timeout: "PT30S" },
    // normalizeLead answers at once; a 202 carries no `crm` fields, so the expression mapping is used
    // (Function_fields) rather than the lead waiting on a poll (DISABLE_ASYNC_PATTERN, definition/types.ts).
    operationOptions: DISABLE_ASYNC_PATTERN,
    runtimeConfiguration: SECURE_ALL,
  };
}

/**
 * `Normalize_lead`: the expression mapping, or (with the function app) the function's `crm` fields,
 * falling back to the expression mapping (`Plain_mapping`) when the function failed or its answer has no
 * `crm` object. The answer is read in `Function_fields` alone, where a failure is harmless: a body that is
 * not an object (a platform error in plain text is kept as a string: learn.microsoft.com/azure/logic-apps/
 * logic-apps-content-type#textplain) fails the property selection, and read in `Normalize_lead` it failed
 * the lead's processing instead of falling back.
 */
export function normalizeActions(useFunction: boolean): Record<string, WorkflowAction> {
  const description = "The lead's fields, trimmed, whatever the casing of the keys Partner Center sent.";
  const mapping = (runAfter: RunAfter): WorkflowAction => ({
    type: "Compose",
    description,
    runAfter,
    inputs: normalizedLead(),
    runtimeConfiguration: SECURE_INPUTS,
  });
  if (!useFunction) return { [ACTION.normalize]: mapping({}) };
  const crm = `body('${ACTION.normalizeFunction}')?['crm']`;
  return {
    [ACTION.plainMapping]: mapping({}),
    [ACTION.functionFields]: {
      type: "Compose",
      description: "The function's CRM fields with the lead's dedup key; fails when its answer has no crm object.",
      runAfter: { [ACTION.normalizeFunction]: ["Succeeded"], [ACTION.plainMapping]: ["Succeeded"] },
      // The dedup key always comes from the expression mapping, so a lead has one key with or without the function.
      // if() evaluates both branches: an empty crm gives null (not used), a crm that is not an object fails.
      inputs: `@if(empty(${crm}), null, setProperty(${crm}, 'DedupKey', outputs('${ACTION.plainMapping}')?['DedupKey']))`,
      runtimeConfiguration: SECURE_INPUTS,
    },
    [ACTION.normalize]: {
      type: "Compose",
      description: "The function's normalized fields when it answered them, else the expression mapping.",
      runAfter: {
        [ACTION.plainMapping]: ["Succeeded"],
        [ACTION.functionFields]: ["Succeeded", "Failed", "Skipped", "TimedOut"],
      },
      inputs: `@if(${functionUsable()}, actions('${ACTION.functionFields}')?['outputs'], outputs('${ACTION.plainMapping}'))`,
      runtimeConfiguration: SECURE_INPUTS,
    },
  };
}
