/**
 * Campaign attribution, one table of cases run against both normalizers: the workflow's expression
 * mapping (evaluated by the local WDL engine on the trigger body) and the function app's normalizeLead.
 */
import * as assert from "assert";
import { evaluateValue } from "../../emulator/expressions";
import { ExpressionHost } from "../../emulator/types";
import { normalizeLead } from "../../function-code/src/lead/normalize";
import { normalizedLead } from "../../workflow/leadScreening";
import { ATTRIBUTION_FIELDS } from "../../workflow/attribution";

type Expected = Partial<Record<(typeof ATTRIBUTION_FIELDS)[number], string>>;

const NONE = Object.fromEntries(ATTRIBUTION_FIELDS.map((f) => [f, ""]));

const CASES: Array<{ name: string; LeadSource?: unknown; Description?: unknown; expect: Expected }> = [
  {
    name: "documented LeadSource, plain notes",
    LeadSource: "AzureMarketplace-INS|contoso.test-offer",
    Description: "Test run through Power Automate",
    expect: { OfferId: "contoso.test-offer", LeadSourceChannel: "AzureMarketplace", LeadSourceAction: "INS" },
  },
  {
    name: "Validate test lead: the source alone",
    LeadSource: "AzureMarketplace",
    Description: "MSFT_TEST_636573304831318844",
    expect: { LeadSourceChannel: "AzureMarketplace" },
  },
  {
    name: "spaces around | and -, a second | kept in the offer id",
    LeadSource: "  SPZA - PLT | contoso.offer|x ",
    expect: { OfferId: "contoso.offer|x", LeadSourceChannel: "SPZA", LeadSourceAction: "PLT" },
  },
  {
    name: "query string with & separators, the last of a repeated key wins",
    LeadSource: "SPZA-PLT|contoso.crm",
    Description: "src=website&mktcmpid=blogpost_12&utm_source=linkedin&utm_medium=social&mktcmpid=spring_26",
    expect: {
      OfferId: "contoso.crm",
      LeadSourceChannel: "SPZA",
      LeadSourceAction: "PLT",
      Campaign: "spring_26",
      UtmSource: "linkedin",
      UtmMedium: "social",
    },
  },
  {
    name: "pairs in free text, whitespace- and newline-separated, after a URL's ?",
    Description:
      "Call me on Monday.\nhttps://appsource.microsoft.com/product/x?mktcmpid=NewCampaign partnerid=4321\tutm_term=crm",
    expect: { Campaign: "NewCampaign", PartnerId: "4321", UtmTerm: "crm" },
  },
  {
    name: "URL-encoded query (separators decoded, other escapes kept)",
    Description: "mktcmpid%3Dblog_12%26utm_campaign%3Dspring%2B26%26utm_content%3Dhero",
    expect: { Campaign: "blog_12", UtmCampaign: "spring%2B26", UtmContent: "hero" },
  },
  {
    name: "a JSON object",
    Description: '{"mktcmpid": "blog_12", "partnerid":"4321", "utm_source":"bing", "note": "hi"}',
    expect: { Campaign: "blog_12", PartnerId: "4321", UtmSource: "bing" },
  },
  {
    name: "keys match case-sensitively and whole (xmktcmpid is not mktcmpid)",
    Description: "MKTCMPID=upper xmktcmpid=prefixed utm_source_x=other",
    expect: {},
  },
  { name: "no LeadSource, no Description", expect: {} },
  {
    name: "non-text fields as JSON text",
    LeadSource: 42,
    Description: { mktcmpid: "obj" },
    expect: { LeadSourceChannel: "42", Campaign: "obj" },
  },
];

function host(body: unknown): ExpressionHost {
  const none = () => undefined;
  return {
    trigger: () => ({ name: "manual", startTime: "2026-11-24T10:00:00Z", outputs: { headers: {}, body } }),
    action: none,
    result: () => [],
    parameter: none,
    variable: none,
    workflow: () => ({ name: "wf", run: { name: "run1" } }),
    item: none,
    items: () => null,
    now: () => new Date("2026-11-24T10:00:00Z"),
    newGuid: () => "00000000-0000-0000-0000-000000000000",
  } as ExpressionHost;
}

const pickAttribution = (fields: Record<string, unknown>) =>
  Object.fromEntries(ATTRIBUTION_FIELDS.map((f) => [f, fields[f]]));

describe("campaign attribution: one table, both normalizers", () => {
  for (const c of CASES) {
    const body = {
      UserDetails: { FirstName: "Ada", LastName: "Lovelace", Email: "ada@contoso.com" },
      ...(c.LeadSource !== undefined && { LeadSource: c.LeadSource }),
      ...(c.Description !== undefined && { Description: c.Description }),
    };
    const expected = { ...NONE, ...c.expect };
    it(`expression mapping: ${c.name}`, () => {
      const mapped = evaluateValue(normalizedLead(), host(body)) as Record<string, unknown>;
      assert.deepStrictEqual(pickAttribution(mapped), expected);
    });
    it(`function app: ${c.name}`, () => {
      assert.deepStrictEqual(pickAttribution(normalizeLead(body).crm as unknown as Record<string, unknown>), expected);
    });
  }
});
