/** Building blocks the targets' payloads share. */
import { field, lit, NormalizedField } from "../definition/expressions";
import { DISABLE_ASYNC_PATTERN, RetryPolicy, RunAfter, WorkflowAction } from "../definition/types";
import { ATTRIBUTION, AttributionField } from "../function-code/src/contract";
import { BuildContext, ContactColumn } from "./types";

/** Run history must not show lead PII, nor the webhook secret header. */
const SECURE_ALL = { secureData: { properties: ["inputs", "outputs"] as Array<"inputs" | "outputs"> } };

/** Salesforce rejects a Lead without LastName or Company, Dataverse without lastname. */
export const NOT_PROVIDED = "(not provided)";

/** `take()` of an interpolated text to a column's limit. */
export const cut = (text: string, limit: number) => `@{take(coalesce(${text}, ''), ${limit})}`;

/**
 * Whether a text is shaped like an e-mail address, as the Salesforce stand-in tests it (`ADDRESS` there): one `@`,
 * not first, no space, a dot after the `@` with text on both sides. Exported for testing.
 */
export const addressLike = (text: string) =>
  `and(greater(indexOf(${text}, '@'), 0), equals(indexOf(${text}, '@'), lastIndexOf(${text}, '@')), ` +
  `not(contains(${text}, ' ')), greater(lastIndexOf(${text}, '.'), add(indexOf(${text}, '@'), 1)), ` +
  `less(lastIndexOf(${text}, '.'), sub(length(${text}), 1)))`;

/** Whether a column's value must be left out: too long to keep whole, or, for an address, no address. */
const leftOut = (c: ContactColumn, text: string) =>
  c.address
    ? `or(greater(length(${text}), ${c.limit}), and(not(empty(${text})), not(${addressLike(text)})))`
    : `greater(length(${text}), ${c.limit})`;

/** The column's value whole, or empty when {@link leftOut}. */
const wholeOrNone = (c: ContactColumn, text: string) => `@{if(${leftOut(c, text)}, '', ${text})}`;

/** Reads of the normalized lead, as the payloads use them. */
export function leadReads(context: BuildContext) {
  const f = (name: NormalizedField) => field(name, context.normalizeAction);
  return {
    f,
    doNotContact: `@outputs('${context.normalizeAction}')?['DoNotContact']`,
    orNotProvided: (name: NormalizedField) => `if(empty(${f(name)}), '${NOT_PROVIDED}', ${f(name)})`,
  };
}

/**
 * Longest text each CRM column takes. A longer value is refused with 400, which Logic Apps never retries
 * (it retries 408, 429 and 5xx only: learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling#retry-policies),
 * so the lead would be dead-lettered on every replay. Values are cut to these limits, a `whole` one (an e-mail
 * address) left out; the archive keeps them whole. Each contact column to its length (a required one never empty).
 */
export function contactFields(columns: readonly ContactColumn[], context: BuildContext): Record<string, string> {
  const { f, orNotProvided } = leadReads(context);
  const value = (c: ContactColumn) => {
    const text = c.required ? orNotProvided(c.field) : f(c.field);
    return c.whole || c.address ? wholeOrNone(c, `coalesce(${text}, '')`) : cut(text, c.limit);
  };
  return Object.fromEntries(columns.map((c) => [c.column, value(c)]));
}

/** When a contact field was cut or left out, the description carries them all as received (as far as it fits). */
export function asReceived(columns: readonly ContactColumn[], context: BuildContext): string {
  const { f } = leadReads(context);
  const over = columns.map((c) => leftOut(c, `coalesce(${f(c.field)}, '')`));
  const whole = columns.map((c) => `'\n${c.field}: ', ${f(c.field)}`).join(", ");
  return `if(or(${over.join(", ")}), concat('\n\nAs received (cut or left out to fit the CRM):', ${whole}), '')`;
}

/** A CRM call: secured inputs and outputs, the CRM retry policy. */
export function crmCall(
  description: string,
  runAfter: RunAfter,
  retryPolicy: RetryPolicy,
  inputs: Record<string, unknown>,
  type: "ApiConnection" | "Http" = "ApiConnection",
): WorkflowAction {
  return {
    type,
    description,
    runAfter,
    inputs: { ...inputs, retryPolicy },
    // An HTTP delivery is done when the receiver accepts it, 202 included: Azure would otherwise poll a 202's
    // location (a Durable Functions starter gives one), and a failed poll dead-letters a lead the receiver already
    // holds, whose replay sends it twice (DISABLE_ASYNC_PATTERN, definition/types.ts).
    ...(type === "Http" ? { operationOptions: DISABLE_ASYNC_PATTERN } : {}),
    runtimeConfiguration: SECURE_ALL,
  };
}

/** An attribution field of the normalized lead, empty when absent (an older function app's answer). */
export const attributionRead = (name: AttributionField, context: BuildContext) =>
  `coalesce(outputs('${context.normalizeAction}')?['${name}'], '')`;

/** The attribution fields, each its own column, for targets that carry fields (tables). */
export function attributionColumns(context: BuildContext): Record<string, string> {
  return Object.fromEntries(Object.values(ATTRIBUTION).map((name) => [name, `@{${attributionRead(name, context)}}`]));
}

/**
 * Lines of the campaign fields a lead has, for a CRM's plain-text description (none: empty text). The offer
 * id is already there, in the lead source line.
 */
const CAMPAIGN_LINES: ReadonlyArray<[string, AttributionField]> = [
  ["Campaign", ATTRIBUTION.campaign],
  ["Partner id", ATTRIBUTION.partnerId],
  ["UTM source", ATTRIBUTION.utmSource],
  ["UTM medium", ATTRIBUTION.utmMedium],
  ["UTM campaign", ATTRIBUTION.utmCampaign],
  ["UTM term", ATTRIBUTION.utmTerm],
  ["UTM content", ATTRIBUTION.utmContent],
];

/** `\nCampaign: x` for each campaign field the lead has, as a WDL text expression. */
export function campaignNote(context: BuildContext): string {
  const line = ([label, name]: [string, AttributionField]) => {
    const value = attributionRead(name, context);
    return `if(empty(${value}), '', concat('\n${label}: ', ${value}))`;
  };
  return `concat(${CAMPAIGN_LINES.map(line).join(", ")})`;
}

/**
 * A body with fields sent only when their value is not empty (`[field, WDL expression]`); none: the body as
 * it is. A key left out is absent, not null: a null lookup would clear the column, and a null owner is
 * refused. WDL writes no object literal with a conditional key, so the body becomes one expression: each
 * field set on `{}`, an empty optional one set under `_`, which is removed at the end.
 */
export function withOptionalFields(
  body: Record<string, unknown>,
  optional: ReadonlyArray<readonly [string, string]>,
): Record<string, unknown> | string {
  if (optional.length === 0) return body;
  const base = Object.entries(body).reduce(
    (object, [key, value]) => `setProperty(${object}, ${lit(key)}, ${valueExpression(key, value)})`,
    "json('{}')",
  );
  const set = optional.reduce(
    (object, [key, value]) => `setProperty(${object}, if(empty(${value}), '_', ${lit(key)}), ${value})`,
    base,
  );
  return `@removeProperty(${set}, '_')`;
}

/**
 * A body value as an expression: `@{x}` (one interpolation, text) is `string(x)`, `@x` is `x`, text without
 * `@` a literal, a boolean or number its JSON. Anything else (text mixing interpolations) is not a body value
 * the targets write, and fails the build rather than change meaning.
 */
function valueExpression(key: string, value: unknown): string {
  if (typeof value === "boolean" || typeof value === "number") return `json('${JSON.stringify(value)}')`;
  if (typeof value !== "string") throw new Error(`Body field ${key}: ${JSON.stringify(value)} is not text.`);
  if (value.startsWith("@{") && interpolationEnd(value) === value.length - 1) return `string(${value.slice(2, -1)})`;
  if (value.startsWith("@") && !value.startsWith("@{") && !value.startsWith("@@")) return value.slice(1);
  if (!value.includes("@")) return lit(value);
  throw new Error(`Body field ${key}: ${JSON.stringify(value)} mixes text and interpolations.`);
}

/** Index of the `}` closing the `@{` at 0, skipping quoted WDL strings ('' is a quote inside one). */
function interpolationEnd(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === "{") depth++;
    else if (!quoted && c === "}" && --depth === 0) return i;
  }
  return -1;
}
