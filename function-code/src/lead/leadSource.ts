/** Partner Center's `LeadSource`: `Source-Action | publisher.offer`, parsed leniently. */

/** Readable names of the documented sources. */
export const SOURCE_NAMES: Record<string, string> = {
  azuremarketplace: "Azure Marketplace",
  azureportal: "Azure portal",
  spza: "AppSource",
  appsource: "AppSource",
  testdrive: "Test Drive",
};

export interface LeadSource {
  raw: string;
  /** e.g. `AzureMarketplace`, `SPZA`; empty when absent. */
  source: string;
  /** Readable source, e.g. `AppSource` for `SPZA`; the raw source when unknown. */
  sourceName: string;
  /** The action part (`INS`, `PLT`, ...), empty when absent. */
  action: string;
  /** `publisher.offer`, empty when absent. */
  offerId: string;
  publisherId: string;
  offerName: string;
}

export function parseLeadSource(raw: string): LeadSource {
  const [left = "", ...rest] = raw.split("|");
  const offerId = rest.join("|").trim();
  const dash = left.indexOf("-");
  const source = (dash >= 0 ? left.slice(0, dash) : left).trim();
  const action = dash >= 0 ? left.slice(dash + 1).trim() : "";
  const dot = offerId.indexOf(".");
  return {
    raw,
    source,
    sourceName: SOURCE_NAMES[source.toLowerCase()] ?? source,
    action,
    offerId,
    publisherId: dot > 0 ? offerId.slice(0, dot) : "",
    offerName: dot > 0 ? offerId.slice(dot + 1) : offerId,
  };
}
