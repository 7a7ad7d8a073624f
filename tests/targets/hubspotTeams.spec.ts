/**
 * The HubSpot target and the Teams notice, run locally from the exact definition (Azurite + recording
 * stand-ins): the exact requests each stand-in received, the ledger, Retry-After, and the config errors.
 */
import * as assert from "assert";
import { LocalEndpoint } from "../../local/endpoint";
import { WorkflowRun } from "../../emulator/types";
import { stackFromSettings } from "../../program/stacks";
import { parseStackConfig, StackConfigError } from "../../config/stackConfig";
import { useAzurite } from "../support/azurite";
import { owedTargets } from "../../function-code/src/replay/owedTargets";
import { retryAfterMs } from "../../emulator/runtime/retry";
import { sample } from "../support/fixtures";

const SETTINGS = {
  targets: "dataverse,hubspot,teams",
  dataverseUrl: "https://contoso.crm4.dynamics.com",
  dataverseTenantId: "11111111-2222-3333-4444-555555555555",
  dataverseClientId: "66666666-7777-8888-9999-000000000000",
  // Campaign stays out of the request below: the sample lead has none, and an empty value is left out.
  hubspotPropertyMap:
    "ActionCode=marketplace_action,LeadSource=lead_source_detail,OfferId=marketplace_offer,Campaign=marketplace_campaign",
  archiveTableName: "LeadArchiveHs",
  dedupTableName: "LeadDedupHs",
};
const NOW = new Date("2026-11-24T10:00:00.000Z");

async function endpoint(settings: Record<string, string> = SETTINGS): Promise<LocalEndpoint> {
  const azurite = await useAzurite();
  const e = new LocalEndpoint({
    stack: stackFromSettings("hubspot-teams", settings),
    tablesConnectionString: azurite.connectionString,
    retryScale: 0,
    now: () => NOW,
  });
  await e.tables
    .table(settings.dedupTableName)
    .deleteTable()
    .catch(() => undefined);
  await e.prepare();
  return e;
}

async function post(e: LocalEndpoint, body: unknown): Promise<WorkflowRun> {
  const posted = await e.post({ method: "POST", headers: { "content-type": "application/json" }, body });
  assert.ok(posted.done, `no run started: ${JSON.stringify(posted.response)}`);
  return posted.done;
}

const card = (body: any) => body.attachments[0].content;
/** A card's labelled lines as "Label: value". */
const lines = (content: any) => content.body.slice(1).map((b: any) => b.inlines.map((i: any) => i.text).join(""));

describe("HubSpot target and Teams notice", function () {
  this.timeout(30000);

  it("upserts the contact by e-mail with the standard and the mapped properties, bearer token", async () => {
    const e = await endpoint();
    const run = await post(e, sample("full"));
    assert.strictEqual(run.status, "Succeeded");
    const [req] = e.standins.to("hubspot");
    assert.strictEqual(req.method, "POST");
    assert.strictEqual(req.path, "https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert");
    assert.deepStrictEqual(req.headers, {
      "Content-Type": "application/json",
      Authorization: "Bearer local-hubspot-token-0123456789",
    });
    assert.deepStrictEqual(req.body, {
      inputs: [
        {
          idProperty: "email",
          id: "someone@contoso.com",
          properties: {
            email: "someone@contoso.com",
            firstname: "Some",
            lastname: "One",
            phone: "16175555555",
            company: "Contoso",
            jobtitle: "Esquire",
            country: "USA",
            marketplace_action: "INS",
            lead_source_detail: "AzureMarketplace-INS|contoso.test-offer",
            marketplace_offer: "contoso.test-offer",
          },
        },
      ],
    });
    // The ledger records HubSpot's contact id (results[0].id; `sent` if it were not found).
    const row = await e.tables.table("LeadArchiveHs").getEntity("2026-11", run.name);
    assert.match(String(row.Sent_hubspot), /^\d+$/);
  });

  it("leaves out empty values (an update with '' would clear HubSpot's), creates a lead with no e-mail", async () => {
    const e = await endpoint();
    const lead = sample("full");
    lead.UserDetails.Email = "";
    lead.UserDetails.Title = "";
    const run = await post(e, lead);
    assert.strictEqual(run.status, "Succeeded");
    const [req] = e.standins.to("hubspot");
    assert.strictEqual(req.path, "https://api.hubapi.com/crm/v3/objects/contacts");
    assert.deepStrictEqual(req.body, {
      properties: {
        firstname: "Some",
        lastname: "One",
        phone: "16175555555",
        company: "Contoso",
        country: "USA",
        marketplace_action: "INS",
        lead_source_detail: "AzureMarketplace-INS|contoso.test-offer",
        marketplace_offer: "contoso.test-offer",
      },
    });
    // The create answers the contact itself: its `id` is the ledger's record id.
    const row = await e.tables.table("LeadArchiveHs").getEntity("2026-11", run.name);
    assert.match(String(row.Sent_hubspot), /^\d+$/);
  });

  it("maps a campaign field parsed out of the Description to the property the user named", async () => {
    const e = await endpoint();
    const lead = sample("full");
    lead.UserDetails.Email = `campaign-${Date.now()}@contoso.com`;
    lead.Description = "Contact me please. mktcmpid=spring-launch&utm_source=newsletter";
    const run = await post(e, lead);
    assert.strictEqual(run.status, "Succeeded");
    const [req] = e.standins.to("hubspot");
    const props = (req.body as { inputs: Array<{ properties: Record<string, unknown> }> }).inputs[0].properties;
    assert.deepStrictEqual(
      [props.marketplace_offer, props.marketplace_campaign],
      ["contoso.test-offer", "spring-launch"],
    );
  });

  it("a 429 is retried after the Retry-After HubSpot sent, then the lead is delivered", async () => {
    const e = await endpoint();
    e.standins.fail("hubspot", { times: 2, statusCode: 429, headers: { "Retry-After": "10" }, body: {} });
    const run = await post(e, sample("full"));
    assert.strictEqual(run.status, "Succeeded");
    assert.strictEqual(e.standins.to("hubspot").length, 3);
    assert.strictEqual(
      Object.values(run.actions).find((a) => a.name === "Upsert_hubspot_contact")?.retryHistory?.length,
      2,
    );
  });

  it("a webhook answering 202 with a Location has the lead: delivered once, the Location not polled", async () => {
    // Without DisableAsyncPattern Azure would poll the Location (Learn, connectors-native-http, asynchronous
    // request-response behavior), and the local runtime would fail the action (AsyncPatternNotSupported).
    const e = await endpoint({ ...SETTINGS, targets: "dataverse,teams" });
    const location = "http://127.0.0.1/local-standin/teams/status/1";
    e.standins.fail("teams", { times: 1, statusCode: 202, headers: { Location: location }, body: { id: "1" } });
    const run = await post(e, sample("full"));
    assert.strictEqual(run.status, "Succeeded");
    const notice = run.actions.Post_teams_notice;
    assert.deepStrictEqual([notice.status, notice.code, notice.error], ["Succeeded", "Accepted", undefined]);
    assert.deepStrictEqual(
      e.standins.to("teams").map((r) => `${r.method} ${r.path}`),
      ["POST http://127.0.0.1/local-standin/teams"],
    );
    const row = await e.tables.table("LeadArchiveHs").getEntity("2026-11", run.name);
    assert.deepStrictEqual([row.Status, row.DeliveredTargets], ["delivered", "dataverse,teams"]);
  });

  it("posts the Teams card: plain text runs, the action's meaning, a link to the Dataverse lead", async () => {
    const e = await endpoint();
    const lead = sample("full");
    lead.UserDetails.FirstName = "*Bold* _it_";
    lead.UserDetails.Company = "[Contoso](https://evil.example)";
    lead.ActionCode = "PLT";
    const run = await post(e, lead);
    assert.strictEqual(run.status, "Succeeded");
    const [req] = e.standins.to("teams");
    assert.strictEqual(req.path, "http://127.0.0.1/local-standin/teams");
    assert.deepStrictEqual(req.headers, { "Content-Type": "application/json" });
    const row = await e.tables.table("LeadArchiveHs").getEntity("2026-11", run.name);
    const leadId = String(row.Sent_dataverse);
    assert.match(leadId, /^[0-9a-f-]{36}$/);
    assert.deepStrictEqual(req.body, {
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "TextBlock", text: "New Marketplace lead", weight: "Bolder", size: "Medium", wrap: true },
              ...[
                ["Name", "*Bold* _it_ One"],
                ["Company", "[Contoso](https://evil.example)"],
                ["Offer", "Test Microsoft"],
                ["Action", "Contact me (partner-led trial)"],
                ["Country", "USA"],
              ].map(([label, text]) => ({
                type: "RichTextBlock",
                inlines: [
                  { type: "TextRun", text: `${label}: `, weight: "Bolder" },
                  { type: "TextRun", text },
                ],
              })),
            ],
            actions: [
              {
                type: "Action.OpenUrl",
                title: "Open the CRM record",
                url: `https://contoso.crm4.dynamics.com/main.aspx?etn=lead&id=${leadId}&pagetype=entityrecord`,
              },
            ],
          },
        },
      ],
    });
  });

  it("waits for the CRM before it: a failed CRM call dead-letters the lead and the notice stays owed", async () => {
    const e = await endpoint({ ...SETTINGS, targets: "dataverse,teams" });
    e.standins.fail("commondataservice", { statusCode: 400 });
    const run = await post(e, sample("full"));
    assert.strictEqual(run.status, "Failed");
    assert.deepStrictEqual(e.standins.to("teams"), []);
    const row = await e.tables.table("LeadArchiveHs").getEntity("2026-11", run.name);
    assert.strictEqual(row.Status, "dead-letter");
    assert.strictEqual(row.FailedTargets, "dataverse");
    // The ledger still owes both: the replay sends the lead to Dataverse, then the card with its link.
    assert.deepStrictEqual(owedTargets(row, `2026-11/${run.name}`), { kind: "send", targets: ["dataverse", "teams"] });
  });

  it("on a replay that owes Dataverse nothing, the notice goes without a link", async () => {
    const e = await endpoint({ ...SETTINGS, targets: "dataverse,teams" });
    const lead = sample("full");
    lead.ActionCode = "Create";
    const posted = await e.post({
      method: "POST",
      headers: { "content-type": "application/json", "x-leadkit-replay-targets": "teams" },
      body: lead,
    });
    const run = await posted.done!;
    assert.strictEqual(run.status, "Succeeded");
    assert.deepStrictEqual(e.standins.to("commondataservice"), []);
    const [req] = e.standins.to("teams");
    assert.deepStrictEqual(card(req.body).actions, []);
    assert.ok(lines(card(req.body)).includes("Action: Subscribed in the Azure portal"));
  });

  it("a code it does not know is shown as received", async () => {
    const e = await endpoint({ ...SETTINGS, targets: "teams" });
    const lead = sample("full");
    lead.ActionCode = "XYZ";
    await post(e, lead);
    const [req] = e.standins.to("teams");
    assert.deepStrictEqual(lines(card(req.body)), [
      "Name: Some One",
      "Company: Contoso",
      "Offer: Test Microsoft",
      "Action: XYZ",
      "Country: USA",
    ]);
    assert.strictEqual(card(req.body).actions, undefined);
  });

  it("the Validate test lead never reaches Teams nor HubSpot", async () => {
    const e = await endpoint();
    const run = await post(e, sample("validate"));
    assert.strictEqual(run.status, "Succeeded");
    assert.deepStrictEqual(e.standins.to("teams"), []);
    assert.deepStrictEqual(e.standins.to("hubspot"), []);
  });

  it("the runtime reads a 429's Retry-After in seconds, in any header casing, and nothing else", () => {
    assert.strictEqual(retryAfterMs(429, { "Retry-After": "10" }), 10000);
    assert.strictEqual(retryAfterMs(429, { "retry-after": " 3 " }), 3000);
    assert.strictEqual(retryAfterMs(503, { "Retry-After": "10" }), undefined);
    assert.strictEqual(retryAfterMs(429, {}), undefined);
  });

  describe("config", () => {
    const base = { targets: "hubspot", hubspotToken: "pat-na1-0123456789abcdefghij" };
    const errors = (raw: Record<string, string>) => {
      try {
        parseStackConfig(raw, [], { project: "p" });
      } catch (err) {
        return (err as StackConfigError).problems;
      }
      return [];
    };
    const fix =
      "Fix: pulumi config set hubspotPropertyMap ActionCode=marketplace_action,OfferId=marketplace_offer,Campaign=marketplace_campaign";

    it("names the unknown lead value, the pair and the fix", () => {
      assert.deepStrictEqual(errors({ ...base, hubspotPropertyMap: "ActionCode=marketplace_action,Campaing=utm" }), [
        `p:hubspotPropertyMap: "Campaing=utm" maps "Campaing", which is not a lead value (ActionCode, OfferTitle, ` +
          `LeadSource, Description, FirstName, LastName, Email, Phone, Country, Company, Title, OfferId, ` +
          `LeadSourceChannel, LeadSourceAction, Campaign, PartnerId, UtmSource, UtmMedium, UtmCampaign, UtmTerm, ` +
          `UtmContent). ${fix}`,
      ]);
    });

    it("refuses a property that is not an internal name, a pair without '=', a property filled twice", () => {
      assert.deepStrictEqual(errors({ ...base, hubspotPropertyMap: "ActionCode=Marketplace Action" }), [
        `p:hubspotPropertyMap: "ActionCode=Marketplace Action" maps to "Marketplace Action", which is not a ` +
          `HubSpot internal property name (lower-case letters, digits and '_', starting with a letter). ${fix}`,
      ]);
      assert.deepStrictEqual(errors({ ...base, hubspotPropertyMap: "ActionCode" }), [
        `p:hubspotPropertyMap: "ActionCode" is not a Field=property pair. ${fix}`,
      ]);
      assert.deepStrictEqual(errors({ ...base, hubspotPropertyMap: "OfferTitle=email" }), [
        `p:hubspotPropertyMap: "OfferTitle=email" maps to "email", which another value already fills. ${fix}`,
      ]);
    });

    it("requires the token and the Teams webhook URL, as secrets", () => {
      assert.deepStrictEqual(errors({ targets: "hubspot,teams" }), [
        `p:hubspotToken: missing; required because targets includes "hubspot". Fix: pulumi config set --secret hubspotToken '<pat-na1-...>'`,
        `p:teamsWebhookUrl: missing; required because targets includes "teams". Fix: pulumi config set --secret teamsWebhookUrl '<https://...logic.azure.com/workflows/...>'`,
      ]);
    });
  });
});
