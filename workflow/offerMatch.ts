/**
 * How a per-offer setting (offerRoutes, offerOwners) finds the lead's offer: by offer id, then by display name,
 * both lower case. Reads the trigger only, so any action (the archive write first) can compute it.
 */
import { lit } from "../definition/expressions";
import { offerIdOf } from "./attribution";
import { fromTrigger } from "./leadScreening";

/** A table (keys lower case) as a WDL object. */
export const offerTable = (table: Record<string, string>) => `json(${lit(JSON.stringify(table))})`;

/** The table's value for the lead's offer id, and for its display name (null when not listed). */
export function offerMatches(table: string): [byOffer: string, byName: string] {
  return [`${table}?[toLower(${offerIdOf(fromTrigger)})]`, `${table}?[toLower(${fromTrigger("OfferTitle")})]`];
}
