/** The function app's lead normalizer: real-looking and hostile leads, exact results. */
import Ajv from "ajv";
import * as assert from "assert";
import * as fs from "fs";
import { handleNormalizeRequest } from "../src/handler";
import { describeAction } from "../src/lead/actionCode";
import { COUNTRIES, countryCode } from "../src/lead/countries";
import { parseLeadSource } from "../src/lead/leadSource";
import { normalizeLead, NormalizeResult } from "../src/lead/normalize";
import { leadSchema } from "../src/lead/schema";
import { NORMALIZED_FULL_LEAD } from "./fixtures";

const sample = (name: string) => JSON.parse(fs.readFileSync(`samples/${name}-lead.json`, "utf8"));
const ok = (body: unknown): NormalizeResult => {
  const r = handleNormalizeRequest(body);
  assert.strictEqual(r.status, 200);
  return r.jsonBody as NormalizeResult;
};

describe("function-code: lead normalizer", () => {
  it("normalizes Microsoft's sample lead", () => {
    const r = ok(sample("full"));
    assert.deepStrictEqual(r.crm, { ...NORMALIZED_FULL_LEAD, Country: "United States", CountryCode: "US" });
    assert.deepStrictEqual(r.lead.leadSource, {
      raw: "AzureMarketplace-INS|contoso.test-offer",
      source: "AzureMarketplace",
      sourceName: "Azure Marketplace",
      action: "INS",
      offerId: "contoso.test-offer",
      publisherId: "contoso",
      offerName: "test-offer",
    });
    assert.strictEqual(r.isTestLead, false);
    assert.deepStrictEqual(r.warnings, []);
  });

  it("detects Partner Center's Validate test lead", () => {
    const r = ok(sample("validate"));
    assert.strictEqual(r.isTestLead, true);
    assert.strictEqual(r.crm.Email, "msft_test_636573304831318844@test.com");
    assert.deepStrictEqual(r.warnings, []);
  });

  it("reads camelCase keys and LeadSource with spaces", () => {
    const r = ok(sample("camelcase"));
    assert.deepStrictEqual([r.crm.FirstName, r.crm.Email, r.crm.ActionCode], ["Some", "someone@contoso.com", "PLT"]);
    assert.deepStrictEqual(
      [r.lead.leadSource.sourceName, r.lead.leadSource.offerId],
      ["AppSource", "contoso.test-offer"],
    );
  });

  it("keeps a lead with missing fields, with empty values and no crash", () => {
    const r = ok(sample("minimal"));
    assert.deepStrictEqual([r.crm.FirstName, r.crm.LastName, r.crm.Company, r.crm.ActionCode], ["", "", "", ""]);
    assert.deepStrictEqual(r.lead.action, { code: "", meaning: "No action code", doNotContact: false });
  });

  it("answers no dedup key: the workflow computes the lead's own, with or without the function", () => {
    // workflow/leadScreening.ts dedupKey; Function_fields (workflow/phases/normalize.ts) reads only `crm`.
    for (const name of ["full", "validate", "camelcase", "minimal"]) {
      const keys = Object.keys(ok(sample(name))).sort();
      assert.deepStrictEqual(keys, ["crm", "isTestLead", "lead", "schemaVersion", "warnings"], name);
    }
  });

  describe("LeadSource", () => {
    const cases: Array<[string, string, string, string, string]> = [
      ["AzureMarketplace-INS|publisher.offer", "AzureMarketplace", "Azure Marketplace", "INS", "publisher.offer"],
      ["SPZA-PLT | contoso.app", "SPZA", "AppSource", "PLT", "contoso.app"],
      ["AzurePortal - Create | a.b", "AzurePortal", "Azure portal", "Create", "a.b"],
      ["AzureMarketplace", "AzureMarketplace", "Azure Marketplace", "", ""],
      ["azuremarketplace-ins|x.y", "azuremarketplace", "Azure Marketplace", "ins", "x.y"],
      ["TestDrive-StartTestDrive|p.o", "TestDrive", "Test Drive", "StartTestDrive", "p.o"],
      ["", "", "", "", ""],
    ];
    for (const [raw, source, sourceName, action, offerId] of cases) {
      it(`parses ${JSON.stringify(raw)}`, () => {
        const p = parseLeadSource(raw);
        assert.deepStrictEqual([p.source, p.sourceName, p.action, p.offerId], [source, sourceName, action, offerId]);
      });
    }
  });

  describe("ActionCode", () => {
    const cases: Array<[string, string, boolean]> = [
      ["INS", "INS", false],
      ["plt", "PLT", false],
      ["DNC", "DNC", true],
      ["create", "Create", false],
      ["StartTestDrive", "StartTestDrive", false],
      ["XYZ", "XYZ", false],
    ];
    for (const [raw, code, dnc] of cases) {
      it(`maps ${raw}`, () => {
        const a = describeAction(raw);
        assert.deepStrictEqual([a.code, a.doNotContact], [code, dnc]);
      });
    }
    it("takes the action from LeadSource when ActionCode is missing, and flags DNC", () => {
      const r = ok({ LeadSource: "SPZA-DNC|c.o", UserDetails: { Email: "a@b.co" } });
      assert.deepStrictEqual(r.lead.action, {
        code: "DNC",
        meaning: "Do not contact: heads-up only, a cross-listed partner was asked to make contact",
        doNotContact: true,
      });
      assert.strictEqual(r.crm.DoNotContact, true);
    });
  });

  describe("countries", () => {
    const cases: Array<[string, string | null]> = [
      ["US", "US"],
      ["us", "US"],
      ["USA", "US"],
      ["United States", "US"],
      ["United States of America", "US"],
      ["GBR", "GB"],
      ["UK", "GB"],
      ["Great Britain", "GB"],
      ["Deutschland", "DE"],
      ["  south   korea ", "KR"],
      ["Côte d'Ivoire", "CI"],
      ["The Netherlands", "NL"],
      ["Atlantis", null],
      ["", null],
    ];
    for (const [text, code] of cases)
      it(`${JSON.stringify(text)} -> ${code}`, () => assert.strictEqual(countryCode(text), code));

    it("knows all 249 ISO 3166-1 countries with unique codes", () => {
      assert.strictEqual(COUNTRIES.size, 249);
      assert.strictEqual(new Set([...COUNTRIES.values()].map((c) => c.alpha3)).size, 249);
    });

    it("keeps an unknown country with a warning", () => {
      const r = ok({ UserDetails: { Country: "Atlantis" } });
      assert.deepStrictEqual([r.crm.Country, r.crm.CountryCode], ["Atlantis", ""]);
      assert.deepStrictEqual(r.warnings, ['UserDetails.Country: "Atlantis" is not a recognised country; kept as is.']);
    });
  });

  describe("hostile input", () => {
    it("cuts a 10 MB field and keeps going", () => {
      const r = ok({ Description: "x".repeat(10 * 1024 * 1024), UserDetails: { Email: "a@b.co" } });
      assert.strictEqual(r.crm.Description.length, 4000);
      assert.deepStrictEqual(r.warnings, ["Description: 10485760 characters, cut to 4000."]);
    });

    it("converts wrong scalar types and ignores objects in text fields, with warnings", () => {
      const r = ok({
        ActionCode: 7,
        OfferTitle: true,
        UserDetails: { FirstName: ["a"], Phone: 1234567890, Company: { n: 1 } },
      });
      assert.deepStrictEqual(
        [r.crm.ActionCode, r.crm.OfferTitle, r.crm.FirstName, r.crm.Phone, r.crm.Company],
        ["7", "true", "", "1234567890", ""],
      );
      assert.deepStrictEqual(r.warnings, [
        "schema: /ActionCode must be string.",
        "schema: /OfferTitle must be string.",
        "schema: /UserDetails/Company must be string.",
        "schema: /UserDetails/FirstName must be string.",
        "schema: /UserDetails/Phone must be string.",
        'ActionCode: expected text, received a number; converted to "7".',
        "UserDetails.FirstName: expected text, received an array; ignored.",
        'UserDetails.Phone: expected text, received a number; converted to "1234567890".',
        "UserDetails.Company: expected text, received an object; ignored.",
        'OfferTitle: expected text, received a boolean; converted to "true".',
      ]);
    });

    it("ignores a UserDetails that is not an object", () => {
      const r = ok({ UserDetails: "Some One" });
      assert.strictEqual(r.crm.FirstName, "");
      assert.ok(r.warnings.includes("UserDetails: expected an object; ignored."));
    });

    it("keeps unicode, strips control characters, collapses spaces in names", () => {
      const r = ok({
        UserDetails: { FirstName: "  Zoë\u0000  Łukasz ", LastName: "李", Company: "Société\u0007 Générale" },
      });
      assert.deepStrictEqual(
        [r.crm.FirstName, r.crm.LastName, r.crm.Company],
        ["Zoë Łukasz", "李", "Société Générale"],
      );
    });

    it("treats expressions and markup as plain data, and defuses spreadsheet formulas", () => {
      const r = ok({
        Description: "@{triggerBody()} <script>alert(1)</script>",
        UserDetails: { Company: '=HYPERLINK("http://x")', Title: "+1 CEO" },
      });
      // Never evaluated: it stays text; a leading "@" is a spreadsheet formula character, so it is escaped too.
      assert.strictEqual(r.lead.description, "@{triggerBody()} <script>alert(1)</script>");
      assert.strictEqual(r.crm.Description, "'@{triggerBody()} <script>alert(1)</script>");
      assert.deepStrictEqual([r.crm.Company, r.crm.Title], ['\'=HYPERLINK("http://x")', "'+1 CEO"]);
      assert.strictEqual(r.lead.company, '=HYPERLINK("http://x")', "the raw value is kept in lead");
    });

    for (const [label, body, received] of [
      ["an array", [1, 2], "an array of 2 item(s)"],
      ["a string", "lead", "a string"],
      ["null", null, "an empty body"],
      ["a number", 5, "a number"],
    ] as const) {
      it(`answers 400 to ${label}`, () => {
        assert.deepStrictEqual(handleNormalizeRequest(body), {
          status: 400,
          jsonBody: {
            error: { code: "LeadNotAnObject", message: `The lead must be a JSON object; received ${received}.` },
          },
        });
      });
    }
  });

  it("normalizeLead is the handler's logic", () => {
    assert.deepStrictEqual(normalizeLead(sample("full")), ok(sample("full")));
  });

  it("the lead schema it checks against is valid JSON Schema (checked here, not at each cold start)", () => {
    const ajv = new Ajv({ strict: false });
    assert.strictEqual(ajv.validateSchema(leadSchema()), true, ajv.errorsText());
    assert.strictEqual(ajv.validateSchema({ ...leadSchema(), required: "Email" }), false);
  });
});
