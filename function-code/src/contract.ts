/**
 * The contract between the lead workflow and the code that reads its archive (the replay here, the kit's
 * operator commands and local harness above): the trigger's name, the replay headers, the archive row's
 * `Status` values and the columns both sides read or write. One place, no imports: the function app is
 * deployed on its own, so the contract lives in it and the kit imports it downward.
 */

/** Name of the Request trigger: part of the callback URL (`/triggers/manual/paths/invoke`). */
export const TRIGGER_NAME = "manual";

/** The archive row the lead replays (`<PartitionKey>/<RowKey>`). */
export const REPLAY_OF_HEADER = "x-leadkit-replay-of";
/** The targets to send it to again (comma text, never empty on a replay). */
export const REPLAY_TARGETS_HEADER = "x-leadkit-replay-targets";
/** The archive row of the lead as first received: the replay owns that lead's dedup claim. */
export const ORIGIN_HEADER = "x-leadkit-origin";
/** When the lead was first received: its dedup window runs from then, not from the replay. */
export const ORIGIN_TIME_HEADER = "x-leadkit-origin-time";

/**
 * The partition of run `runId`'s archive row, from the `row` of the endpoint's answer (`<PartitionKey>/<RowKey>`,
 * the row key being the run id); undefined when the answer names no row of that run (an endpoint deployed before
 * its answer named the row, or a value that is not one).
 */
export function answeredPartition(row: unknown, runId: string): string | undefined {
  if (typeof row !== "string" || runId === "" || !row.endsWith(`/${runId}`)) return undefined;
  return row.slice(0, -runId.length - 1) || undefined;
}

/** Values of the archive row's `Status` column: the workflow writes the first seven, the replay the rest. */
export const LEAD_STATUS = {
  /** Archived, not yet screened or delivered (a run that ends otherwise leaves it so). */
  received: "received",
  test: "test",
  incomplete: "incomplete",
  delivered: "delivered",
  /** No CRM target is configured: archived only. */
  archivedOnly: "archived",
  deadLetter: "dead-letter",
  duplicate: "duplicate",
  /** A replay holds the row (with a lease). */
  replaying: "replaying",
  replayed: "replayed",
  needsReview: "needs-review",
} as const;
export type LeadStatus = (typeof LEAD_STATUS)[keyof typeof LEAD_STATUS];

/**
 * Leads not delivered yet (nor set aside as test, incomplete or duplicate): the only copy of what Partner Center
 * sent. The retention purge keeps them past the retention until they are replayed, settled or forgotten.
 */
export const UNDELIVERED_STATUSES: readonly LeadStatus[] = [
  LEAD_STATUS.received,
  LEAD_STATUS.deadLetter,
  LEAD_STATUS.needsReview,
  LEAD_STATUS.replaying,
];

/** Archive columns written by one side and read by the other. */
export const COLUMN = {
  status: "Status",
  /** The trigger's start time as ISO text: the row's age (no later write changes it). */
  receivedTime: "ReceivedTime",
  /** Comma text: the targets the run was responsible for (the ledger's scope). */
  targets: "Targets",
  deliveredTargets: "DeliveredTargets",
  failedTargets: "FailedTargets",
  failedActions: "FailedActions",
  /** JSON list of the failed steps (name, target, status, error), cut at the table's text limit. */
  lastError: "LastError",
  leadJson: "LeadJson",
  leadJsonTruncated: "LeadJsonTruncated",
  /** On a replay's own row: the row it replays. */
  replayOf: "ReplayOf",
  /** The row of the lead as first received (a replay carries it on). */
  leadOrigin: "LeadOrigin",
  /** When the lead was first received, as ISO text (a replay carries it on): its dedup window's start. */
  leadOriginTime: "LeadOriginTime",
  dedupKey: "DedupKey",
  duplicateOf: "DuplicateOf",
  replayedBy: "ReplayedBy",
  replayedTo: "ReplayedTo",
  replayAttempts: "ReplayAttempts",
  /** A replay's token, written with each of its changes to the row: a 412 on a change that landed is told apart. */
  replayClaim: "ReplayClaim",
  /** Why the last replay failed (the operator commands show it). */
  lastReplayError: "LastReplayError",
  /** Why replay marked the row needs-review, and what to do (the operator commands show it). */
  reviewReason: "ReviewReason",
} as const;

/** Prefix of a target's ledger column. */
export const SENT_PREFIX = "Sent_";
/** Ledger column of a target: the CRM's record id (or `sent`) once the target has the lead. */
export const sentColumn = (target: string) => `${SENT_PREFIX}${target}`;

/** The workflow step that marks a lead delivered once every CRM call succeeded. */
export const MARK_DELIVERED_ACTION = "Mark_delivered";

/**
 * Campaign attribution: the lead's fields parsed out of `LeadSource` and `Description`, the same names in the
 * normalized lead (the workflow's expression mapping and the function's `crm`) and as archive columns.
 */
export const ATTRIBUTION = {
  /** `publisher.offer`, the right part of `LeadSource` (`Source-Action|publisher.offer`). */
  offerId: "OfferId",
  /** The source part of `LeadSource` (`AzureMarketplace`, `SPZA`, ...). */
  channel: "LeadSourceChannel",
  /** The action part of `LeadSource` (`INS`, `PLT`, ...). */
  action: "LeadSourceAction",
  campaign: "Campaign",
  partnerId: "PartnerId",
  utmSource: "UtmSource",
  utmMedium: "UtmMedium",
  utmCampaign: "UtmCampaign",
  utmTerm: "UtmTerm",
  utmContent: "UtmContent",
} as const;
export type AttributionField = (typeof ATTRIBUTION)[keyof typeof ATTRIBUTION];

/**
 * The `key=value` pairs of `Description` taken into fields, by key (matched case-sensitively, as the URLs write
 * them). `mktcmpid` is the marketplace campaign id ("up to 16 characters (any letter, number, _, and -)":
 * learn.microsoft.com/partner-center/marketplace-offers/promote-your-office-store-solution, MicrosoftDocs/azure-docs
 * articles/marketplace/promote-your-office-store-solution.md); the Cloud Partner Portal's "Web Analytics" page also
 * names utm_campaign, utm_source, ref and src as campaign tags. No Microsoft page documents that Partner Center
 * puts these into a lead's `Description`, nor in which shape: the text is parsed leniently and kept whole.
 */
export const CAMPAIGN_KEYS: Readonly<Record<string, AttributionField>> = {
  mktcmpid: ATTRIBUTION.campaign,
  partnerid: ATTRIBUTION.partnerId,
  utm_source: ATTRIBUTION.utmSource,
  utm_medium: ATTRIBUTION.utmMedium,
  utm_campaign: ATTRIBUTION.utmCampaign,
  utm_term: ATTRIBUTION.utmTerm,
  utm_content: ATTRIBUTION.utmContent,
};

/** Separator of the pairs once `Description` is rewritten by {@link DESCRIPTION_REWRITES}. */
export const PAIR_SEPARATOR = "&";

/**
 * How `Description` becomes `&`-separated `key=value` pairs, in order, as plain text replacements (WDL has
 * no regular expressions, and both normalizers must agree to the character): the URL escapes of the
 * separators and JSON punctuation decoded (other escapes stay as received), JSON `"key": "value"` made
 * `key=value`, then every separator (whitespace, `,`, `;`, `?`, braces) made `&`.
 */
export const DESCRIPTION_REWRITES: ReadonlyArray<readonly [string, string]> = [
  ["%3D", "="],
  ["%3d", "="],
  ["%26", "&"],
  ["%20", " "],
  ["%22", '"'],
  ["%2C", ","],
  ["%2c", ","],
  ["%3A", ":"],
  ["%3a", ":"],
  ['": "', "="],
  ['":"', "="],
  ['":', "="],
  ['"', ""],
  [" ", "&"],
  ["\t", "&"],
  ["\r", "&"],
  ["\n", "&"],
  [",", "&"],
  [";", "&"],
  ["?", "&"],
  ["{", "&"],
  ["}", "&"],
];
