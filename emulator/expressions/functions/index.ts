/**
 * The workflow expression functions, one module per family of "Reference guide to functions in expressions for
 * workflows in Azure Logic Apps and Power Automate". Each is declared with define() (../signature.ts).
 */
import { FunctionSpec } from "../signature";
import { COLLECTION_FUNCTIONS } from "./collection";
import { CONVERSION_FUNCTIONS } from "./conversion";
import { DATE_FUNCTIONS } from "./date";
import { LOGICAL_FUNCTIONS } from "./logical";
import { MANIPULATION_FUNCTIONS } from "./manipulation";
import { MATH_FUNCTIONS } from "./math";
import { STRING_FUNCTIONS } from "./string";
import { URI_FUNCTIONS } from "./uri";
import { WORKFLOW_FUNCTIONS } from "./workflow";
import { XML_FUNCTIONS } from "./xml";

export type { FunctionSpec } from "../signature";

/** Every function by lower-case name. */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  ...STRING_FUNCTIONS,
  ...COLLECTION_FUNCTIONS,
  ...LOGICAL_FUNCTIONS,
  ...CONVERSION_FUNCTIONS,
  ...XML_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...DATE_FUNCTIONS,
  ...MANIPULATION_FUNCTIONS,
  ...URI_FUNCTIONS,
  ...WORKFLOW_FUNCTIONS,
};

/** The spec of a function by name (case-insensitive), or undefined. */
export function functionSpec(name: string): FunctionSpec | undefined {
  return FUNCTIONS[name.toLowerCase()];
}
