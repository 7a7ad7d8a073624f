/**
 * Campaign attribution as WDL expressions: the offer id, channel and action of `LeadSource`, and the
 * campaign pairs of `Description` (mktcmpid, partnerid, utm_*). The function app computes the same
 * (function-code/src/lead/attribution.ts); tests/workflow/attribution.spec.ts runs one table of cases against both.
 */
import {
  ATTRIBUTION,
  AttributionField,
  CAMPAIGN_KEYS,
  DESCRIPTION_REWRITES,
  PAIR_SEPARATOR,
} from "../function-code/src/contract";
import { lit } from "../definition/expressions";
import type { FieldReader } from "./leadScreening";

/** Attribution fields in the order the lead, the archive row and the docs list them. */
export const ATTRIBUTION_FIELDS = Object.values(ATTRIBUTION);

/**
 * `Source-Action|publisher.offer` parts; `r` is the trimmed LeadSource text. if() evaluates both branches,
 * so each branch is safe without the `|` or `-` (split, and substring from indexOf + 1 = 0).
 */
function leadSourceParts(r: string): Record<string, string> {
  const left = `first(split(${r}, '|'))`;
  return {
    [ATTRIBUTION.offerId]: `if(contains(${r}, '|'), trim(substring(${r}, add(indexOf(${r}, '|'), 1))), '')`,
    [ATTRIBUTION.channel]: `trim(first(split(${left}, '-')))`,
    [ATTRIBUTION.action]: `if(contains(${left}, '-'), trim(substring(${left}, add(indexOf(${left}, '-'), 1))), '')`,
  };
}

/** The offer id alone (offer routes read it from the trigger, before anything else runs). */
export const offerIdOf = (f: FieldReader) => leadSourceParts(f("LeadSource"))[ATTRIBUTION.offerId];

/** `&key=value&...&` of the Description, by the contract's plain replacements. */
function pairText(description: string): string {
  const rewritten = DESCRIPTION_REWRITES.reduce(
    (t, [from, to]) => `replace(${t}, ${lit(from)}, ${lit(to)})`,
    description,
  );
  return `concat('${PAIR_SEPARATOR}', ${rewritten}, '${PAIR_SEPARATOR}')`;
}

/** Every attribution field, as a WDL expression (no `@`), from a field reader (trimmed texts). */
export function attributionFields(f: FieldReader): Record<AttributionField, string> {
  const pairs = pairText(f("Description"));
  const campaign = Object.entries(CAMPAIGN_KEYS).map(([key, name]) => [
    name,
    // After the last `&key=`, up to the next `&`: split() is case-sensitive, like the function's.
    `first(split(last(split(${pairs}, ${lit(`${PAIR_SEPARATOR}${key}=`)})), '${PAIR_SEPARATOR}'))`,
  ]);
  return { ...leadSourceParts(f("LeadSource")), ...Object.fromEntries(campaign) } as Record<AttributionField, string>;
}

/** An attribution field of the normalized lead (empty when an older function app did not send it). */
export const attributionRead = (name: AttributionField, normalizeAction: string) =>
  `coalesce(outputs('${normalizeAction}')?['${name}'], '')`;
