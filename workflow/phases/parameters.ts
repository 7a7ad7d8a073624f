/** Phase 0: what the definition is given (its parameters) and how a lead comes in (the Request trigger). */
import { CRM_TARGETS, targetSpec } from "../../targets";
import { IDENTITY_PARAMETER, TABLE_ENDPOINT_PARAMETER } from "../../definition/tableActions";
import { WorkflowDefinition, WorkflowParameter } from "../../definition/types";
import { TRIGGER_NAME } from "../../function-code/src/contract";
import { triggerLeadSchema } from "../leadSchema";
import { LeadWorkflowOptions } from "../names";

/** The definition's parameters: connections, storage and identity, and per option what it calls. */
export function workflowParameters(options: LeadWorkflowOptions): Record<string, WorkflowParameter> {
  const parameters: Record<string, WorkflowParameter> = {
    $connections: { type: "Object", defaultValue: {} },
    [TABLE_ENDPOINT_PARAMETER]: {
      type: "String",
      metadata: { description: "Table service endpoint of the archive's storage account (with a trailing '/')." },
    },
    [IDENTITY_PARAMETER]: {
      type: "String",
      metadata: {
        description: "ARM id of the workflow's user-assigned managed identity (storage and function calls).",
      },
    },
  };
  if (options.normalizerFunction) {
    parameters.normalizerUrl = { type: "String", metadata: { description: "URL of the normalizeLead function." } };
    parameters.normalizerAudience = {
      type: "String",
      metadata: { description: "Token audience the function app's authentication accepts." },
    };
  }
  // The parameters of each configured target (its URL, its secret), declared by its row in TARGETS.
  for (const target of CRM_TARGETS) {
    if (!options[target]) continue;
    for (const [name, parameter] of Object.entries(targetSpec(target).parameters ?? {})) {
      parameters[name] = parameter.declaration;
    }
  }
  return parameters;
}

/** The Request trigger Partner Center posts each lead to. */
export function leadTrigger(): WorkflowDefinition["triggers"] {
  return {
    [TRIGGER_NAME]: {
      type: "Request",
      kind: "Http",
      description: "Partner Center POSTs each lead here (the HTTPS endpoint URL of the offer's lead settings).",
      inputs: { method: "POST", schema: triggerLeadSchema() },
      // Refuses bodies that are not JSON objects with 400; the schema enforces nothing else.
      operationOptions: "EnableSchemaValidation",
      runtimeConfiguration: { secureData: { properties: ["outputs"] } },
    },
  };
}
