/**
 * `offerOwners`: per offer, the owner (user, team or queue) of the record each target creates. The owner rules
 * (field, id shapes) are each target's (TargetSpec.owner); this checks a stack's map against them.
 */
import { CRM_TARGETS, CrmTarget, targetSpec } from "../targets";
import { shellWord } from "./shell";

/** Offer id or display name (as written) to each target's owner (as written, e.g. `team/<GUID>`). */
export type OfferOwners = Record<string, Partial<Record<CrmTarget, string>>>;

/** Targets whose record has an owner the kit can set, in table order. */
export const OWNER_TARGETS = CRM_TARGETS.filter((t) => targetSpec(t).owner !== undefined);

/** The settings' example: an owner for each target that takes one. */
export const OWNERS_EXAMPLE = `contoso.offer-a=${OWNER_TARGETS.map((t) => `${t}:${targetSpec(t).owner?.example}`).join("+")}`;

/** `offer=target:owner+...` of a parsed map (parseMap's lists), with one entry replaced or removed. */
function ownersText(map: Record<string, string[]>, offer: string, entry: string, replacement?: string): string {
  return Object.entries(map)
    .map(([o, entries]) => {
      const kept =
        o !== offer ? entries : entries.flatMap((e) => (e !== entry ? [e] : replacement ? [replacement] : []));
      return kept.length > 0 ? `${o}=${kept.join("+")}` : "";
    })
    .filter((r) => r !== "")
    .join(";");
}

/**
 * Each `target:owner` of each offer: a target of the stack that takes owners, an owner it takes, once per
 * offer. Problems name the entry, the value and a fixed `pulumi config set`. `targets`: the stack's (not empty).
 */
export function checkOfferOwners(
  map: Record<string, string[]>,
  targets: readonly string[],
): { owners: OfferOwners; problems: string[] } {
  const problems: string[] = [];
  const owners: OfferOwners = {};
  const capable = OWNER_TARGETS.filter((t) => targets.includes(t));
  const fallback = capable[0] ?? OWNER_TARGETS[0];
  const example = `${fallback}:${targetSpec(fallback).owner?.example}`;
  for (const [offer, entries] of Object.entries(map)) {
    owners[offer] = {};
    for (const entry of entries) {
      const problem = (text: string, replacement: string | undefined = example) =>
        problems.push(
          `offerOwners: "${offer}=${entry}": ${text}. Fix: pulumi config set offerOwners ${shellWord(ownersText(map, offer, entry, replacement))}`,
        );
      const colon = entry.indexOf(":");
      const [target, owner] = [entry.slice(0, Math.max(colon, 0)).trim(), entry.slice(colon + 1).trim()];
      const rule = (CRM_TARGETS as string[]).includes(target) ? targetSpec(target as CrmTarget).owner : undefined;
      if (colon < 0) problem(`"${entry}" is not target:owner`);
      else if (!targets.includes(target)) problem(`'${target}' is not a target of the stack (${targets.join(", ")})`);
      else if (!rule) problem(`'${target}' has no record owner: owners are set for ${OWNER_TARGETS.join(", ")}`);
      else if (!rule.valid(owner))
        problem(`"${owner}" is not a ${target} owner: must be ${rule.expect}`, `${target}:${rule.example}`);
      else if (owners[offer][target as CrmTarget] !== undefined)
        problem(`offer "${offer}" already has a ${target} owner: one owner per target`, "");
      else owners[offer][target as CrmTarget] = owner;
    }
  }
  return { owners, problems };
}
