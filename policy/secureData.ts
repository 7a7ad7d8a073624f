/**
 * Which Secure Inputs / Secure Outputs settings (runtimeConfiguration.secureData.properties) Azure
 * accepts on each built-in trigger and action type: the one table of the policy pack and of the
 * offline Azure rules (azure-rules/definitionRules.ts imports it; the pack is its own package and
 * imports nothing outside policy/, so the table lives here).
 *
 * Source: SECURE_DATA_SOURCE. Its table has two columns, "Secure Inputs - Unsupported" and "Secure
 * Outputs - Unsupported": a type in both has neither setting (NO_SECURE_DATA), a type only in the
 * second has Secure Inputs only (SECURE_INPUTS_ONLY). "All managed connectors and custom connectors
 * support these options", and so do the built-ins it does not list (Http, Function, Query, Select,
 * Request...). Learn's display names are written here as workflow definition types.
 */
export const SECURE_DATA_SOURCE =
  'learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#obfuscate, "Secure data in run history by using obfuscation" (MicrosoftDocs/azure-docs articles/logic-apps/logic-apps-securing-a-logic-app.md)';

/** In both columns: no secureData at all. */
export const NO_SECURE_DATA: readonly string[] = [
  "AppendToArrayVariable",
  "AppendToStringVariable",
  "DecrementVariable",
  "Foreach",
  "If",
  "IncrementVariable",
  "InitializeVariable",
  "Recurrence",
  "Scope",
  "SetVariable",
  "Switch",
  "Terminate",
  "Until",
];

/**
 * In "Secure Outputs - Unsupported" only: secureData ["inputs"]; "outputs" fails the deployment with
 * InvalidSecureDataConfiguration (Azure/Azure-Sentinel PR #13946: "Compose actions only support
 * "inputs" in secureData.properties").
 */
export const SECURE_INPUTS_ONLY: readonly string[] = ["Compose", "ParseJson", "Response", "Wait"];

/**
 * Of those, the ones whose Secure Inputs also hides the outputs (same section: "The Compose, Parse
 * JSON, and Response actions has only the Secure Inputs setting. When turned on, the setting also
 * hides these actions' outputs.").
 */
export const INPUTS_HIDE_OUTPUTS: readonly string[] = ["Compose", "ParseJson", "Response"];

/** What a type may set: nothing, "inputs" only, or both. */
export type SecureDataSupport = "none" | "inputs" | "both";

const lower = (types: readonly string[]) => new Set(types.map((t) => t.toLowerCase()));
const NONE = lower(NO_SECURE_DATA);
const INPUTS = lower(SECURE_INPUTS_ONLY);
const HIDES = lower(INPUTS_HIDE_OUTPUTS);

/** The settings a trigger or action type takes; types compare case-insensitively (Azure accepts "foreach"). */
export function secureDataSupport(type: unknown): SecureDataSupport {
  const kind = String(type ?? "").toLowerCase();
  return NONE.has(kind) ? "none" : INPUTS.has(kind) ? "inputs" : "both";
}

/** Whether Secure Inputs on this type also hides its outputs. */
export const inputsHideOutputs = (type: unknown): boolean => HIDES.has(String(type ?? "").toLowerCase());
