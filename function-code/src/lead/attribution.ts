/**
 * Campaign attribution from `LeadSource` and `Description`, character for character what the workflow's
 * expression mapping computes (workflow/attribution.ts): one table of cases runs against both
 * (tests/workflow/attribution.spec.ts). Unknown shapes give empty fields; the texts themselves are kept whole.
 */
import { ATTRIBUTION, AttributionField, CAMPAIGN_KEYS, DESCRIPTION_REWRITES, PAIR_SEPARATOR } from "../contract";

export type Attribution = Record<AttributionField, string>;

/** `Source-Action|publisher.offer`: split on the first `|`, the left part on its first `-`, each part trimmed. */
function leadSourceParts(raw: string): Pick<Attribution, "OfferId" | "LeadSourceChannel" | "LeadSourceAction"> {
  const text = raw.trim();
  const pipe = text.indexOf("|");
  const left = pipe >= 0 ? text.slice(0, pipe) : text;
  const dash = left.indexOf("-");
  return {
    [ATTRIBUTION.offerId]: pipe >= 0 ? text.slice(pipe + 1).trim() : "",
    [ATTRIBUTION.channel]: (dash >= 0 ? left.slice(0, dash) : left).trim(),
    [ATTRIBUTION.action]: dash >= 0 ? left.slice(dash + 1).trim() : "",
  };
}

/** `Description` as `&key=value&...&` (see DESCRIPTION_REWRITES). */
export function pairText(description: string): string {
  const rewritten = DESCRIPTION_REWRITES.reduce((t, [from, to]) => t.split(from).join(to), description.trim());
  return `${PAIR_SEPARATOR}${rewritten}${PAIR_SEPARATOR}`;
}

/** The value of `key` in the pair text: after its last `&key=`, up to the next `&`; empty when absent. */
const pairValue = (pairs: string, key: string) =>
  pairs.split(`${PAIR_SEPARATOR}${key}=`).pop()!.split(PAIR_SEPARATOR)[0];

/** A field as the workflow reads it: text as is, a missing one empty, anything else as JSON text. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function attribution(leadSource: string, description: string): Attribution {
  const pairs = pairText(description);
  const campaign = Object.fromEntries(Object.entries(CAMPAIGN_KEYS).map(([key, f]) => [f, pairValue(pairs, key)]));
  return { ...leadSourceParts(leadSource), ...campaign } as Attribution;
}
