/**
 * Per-offer record owners (`offerOwners`) and the opt-in Dataverse campaign lookup (`dataverseCampaigns`):
 * the settings and their exact errors, the rendered bodies with and without them, and local runs against the
 * recording stand-ins asserting the exact CRM payloads.
 */
import * as assert from "assert";
import { LocalEndpoint } from "../../local/endpoint";
import { WorkflowRun } from "../../emulator/types";
import { loadStack, stackFromSettings } from "../../program/stacks";
import { parseStackConfig, StackConfigError } from "../../config/stackConfig";
import { buildLeadWorkflow } from "../../workflow/leadWorkflow";
import { leadWorkflowOptions } from "../../components/workflowOptions";
import { endpointArgs } from "../../program/endpointArgs";
import { useAzurite } from "../support/azurite";
import { sample } from "../support/fixtures";

const TEAM = "2b0a4c9e-1f3d-4e5a-9b6c-7d8e9f0a1b2c";
const USER = "aa11bb22-cc33-dd44-ee55-ff6677889900";
const QUEUE = "00G5g000004XyZaEAK";
const CAMPAIGN_ROW = "c0ffee00-1234-4abc-8def-001122334455";

const SETTINGS: Record<string, string> = {
  targets: "dataverse,salesforce",
  dataverseUrl: "https://contoso.crm4.dynamics.com",
  dataverseTenantId: "11111111-2222-3333-4444-555555555555",
  dataverseClientId: "66666666-7777-8888-9999-000000000000",
  archiveTableName: "LeadArchiveOwn",
  dedupTableName: "LeadDedupOwn",
  crmRetryCount: "1",
};
const WITH_BOTH = {
  ...SETTINGS,
  // Offer A by its id (both targets), offer B by its display name (Dataverse only, a user).
  offerOwners: `contoso.offer-a=dataverse:team/${TEAM}+salesforce:${QUEUE};Contoso Offer B=dataverse:user/${USER}`,
  dataverseCampaigns: `Spring-Launch=${CAMPAIGN_ROW}`,
};
const NOW = new Date("2026-11-24T10:00:00.000Z");

/** A stack's settings with the Dataverse secret set (as `pulumi config set --secret` would). */
const parse = (raw: Record<string, string>) => parseStackConfig({ dataverseClientSecret: "s", ...raw });

function problemsOf(raw: Record<string, string>): string[] {
  try {
    parse(raw);
  } catch (err) {
    assert.ok(err instanceof StackConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a StackConfigError");
}

const definitionOf = (settings: Record<string, string>) => {
  const config = parseStackConfig(settings, [], { secretsAvailable: false });
  return buildLeadWorkflow(leadWorkflowOptions(endpointArgs(config, { dataverseClientSecret: "s" }))).definition;
};
/** A CRM action inside its gate (several targets) in the Screen_lead Switch's default case. */
const crmAction = (definition: any, target: string, action: string) =>
  definition.actions.Screen_lead.default.actions[`Send_to_${target}`].actions[action];

describe("per-offer owners and the Dataverse campaign lookup: settings", () => {
  it("reads offerOwners as text and as a map of lists (JSON text, how a YAML map reaches the program), dataverseCampaigns as text and JSON", () => {
    const owners = {
      "contoso.offer-a": { dataverse: `team/${TEAM}`, salesforce: QUEUE },
      "Contoso Offer B": { dataverse: `user/${USER}` },
    };
    const text = parse(WITH_BOTH);
    assert.deepStrictEqual(text.offerOwners, owners);
    assert.deepStrictEqual(text.dataverse?.campaigns, { "Spring-Launch": CAMPAIGN_ROW });
    const yaml = parse({
      ...WITH_BOTH,
      offerOwners: JSON.stringify({
        "contoso.offer-a": [`dataverse:team/${TEAM}`, `salesforce:${QUEUE}`],
        "Contoso Offer B": [`dataverse:user/${USER}`],
      }),
      dataverseCampaigns: JSON.stringify({ "Spring-Launch": CAMPAIGN_ROW }),
    });
    assert.deepStrictEqual([yaml.offerOwners, yaml.dataverse?.campaigns], [owners, { "Spring-Launch": CAMPAIGN_ROW }]);
    // Not set: no owners, no campaign block (the connector's default owner, campaigns as text only).
    const plain = parse(SETTINGS);
    assert.deepStrictEqual([plain.offerOwners, "campaigns" in plain.dataverse!], [{}, false]);
  });

  it("names the field, the value and the fix for each malformed owner", () => {
    const stack = { ...SETTINGS, targets: "dataverse,salesforce,email", emailTo: "a@contoso.com" };
    const dataverseFix = "dataverse:team/00000000-0000-0000-0000-000000000000";
    const notDataverse = "must be user/<GUID> (a Dataverse user, systemusers) or team/<GUID> (an owner team, teams)";
    const notSalesforce = "must be a user id (005...) or a queue id (00G...), 15 or 18 letters and digits";
    const cases: Array<[string, string]> = [
      [
        `a=dataverse:team/123+salesforce:${QUEUE}`,
        `"a=dataverse:team/123": "team/123" is not a dataverse owner: ${notDataverse}. Fix: pulumi config set offerOwners a=${dataverseFix}+salesforce:${QUEUE}`,
      ],
      [
        `a=dataverse:group/${TEAM}`,
        `"a=dataverse:group/${TEAM}": "group/${TEAM}" is not a dataverse owner: ${notDataverse}. Fix: pulumi config set offerOwners a=${dataverseFix}`,
      ],
      [
        "a=salesforce:00Q5g000004XyZaEAK",
        `"a=salesforce:00Q5g000004XyZaEAK": "00Q5g000004XyZaEAK" is not a salesforce owner: ${notSalesforce}. Fix: pulumi config set offerOwners a=salesforce:00G000000000001`,
      ],
      [
        "a=salesforce:00G5g000004XyZ",
        `"a=salesforce:00G5g000004XyZ": "00G5g000004XyZ" is not a salesforce owner: ${notSalesforce}. Fix: pulumi config set offerOwners a=salesforce:00G000000000001`,
      ],
      [
        `a=email:${QUEUE};b=dataverse:user/${USER}`,
        `"a=email:${QUEUE}": 'email' has no record owner: owners are set for dataverse, salesforce, hubspot. Fix: pulumi config set offerOwners 'a=${dataverseFix};b=dataverse:user/${USER}'`,
      ],
      [
        "a=hubspot:42",
        `"a=hubspot:42": 'hubspot' is not a target of the stack (dataverse, salesforce, email). Fix: pulumi config set offerOwners a=${dataverseFix}`,
      ],
      [`a=${TEAM}`, `"a=${TEAM}": "${TEAM}" is not target:owner. Fix: pulumi config set offerOwners a=${dataverseFix}`],
    ];
    assert.deepStrictEqual(
      cases.map(([offerOwners]) => problemsOf({ ...stack, offerOwners })),
      cases.map(([, problem]) => [`leadkit:offerOwners: ${problem}`]),
    );
  });

  it("takes a HubSpot owner id (digits) and names the fix for anything else", () => {
    const stack = { ...SETTINGS, targets: "dataverse,hubspot", hubspotToken: "pat-na1-0123456789abcdefghij" };
    assert.deepStrictEqual(problemsOf({ ...stack, offerOwners: "a=hubspot:jane@contoso.com" }), [
      'leadkit:offerOwners: "a=hubspot:jane@contoso.com": "jane@contoso.com" is not a hubspot owner: must be an owner id, digits (the id of GET /crm/v3/owners, not the userId). Fix: pulumi config set offerOwners a=hubspot:41629779',
    ]);
    assert.doesNotThrow(() => parse({ ...stack, offerOwners: "a=hubspot:41629779" }));
  });

  it("refuses an offer with two owners in one target, unparsable text, and owners without targets", () => {
    assert.deepStrictEqual(
      problemsOf({ ...SETTINGS, offerOwners: `a=dataverse:team/${TEAM}+dataverse:user/${USER}` }),
      [
        `leadkit:offerOwners: "a=dataverse:user/${USER}": offer "a" already has a dataverse owner: one owner per target. Fix: pulumi config set offerOwners a=dataverse:team/${TEAM}`,
      ],
    );
    assert.deepStrictEqual(problemsOf({ ...SETTINGS, offerOwners: "contoso.offer-a" }), [
      `leadkit:offerOwners: "contoso.offer-a" is not valid: must be offer=target:owner+target:owner;offer=target:owner with each target one of the stack's targets. Fix: pulumi config set offerOwners contoso.offer-a=dataverse:team/00000000-0000-0000-0000-000000000000+salesforce:00G000000000001+hubspot:41629779`,
    ]);
    assert.deepStrictEqual(problemsOf({ offerOwners: `a=dataverse:team/${TEAM}` }), [
      "leadkit:offerOwners: sets owners in targets, but targets is empty. Fix: pulumi config set targets dataverse,email",
    ]);
  });

  it("names the pair and the fix for a malformed dataverseCampaigns", () => {
    const fix = `Fix: pulumi config set dataverseCampaigns "contoso-spring=00000000-0000-0000-0000-000000000000"`;
    assert.deepStrictEqual(problemsOf({ ...SETTINGS, dataverseCampaigns: `a=${CAMPAIGN_ROW};b=not-a-guid;c` }), [
      `leadkit:dataverseCampaigns: "b=not-a-guid": "not-a-guid" is not a campaign row id (a GUID). ${fix}`,
    ]);
    assert.deepStrictEqual(problemsOf({ ...SETTINGS, dataverseCampaigns: `a=${CAMPAIGN_ROW};c` }), [
      `leadkit:dataverseCampaigns: "c" is not a campaign=GUID pair. ${fix}`,
    ]);
    assert.deepStrictEqual(problemsOf({ ...SETTINGS, dataverseCampaigns: `a=${CAMPAIGN_ROW};A=${CAMPAIGN_ROW}` }), [
      `leadkit:dataverseCampaigns: "A=${CAMPAIGN_ROW}": campaign "A" is listed twice (campaigns match without regard to case). ${fix}`,
    ]);
  });
});

describe("per-offer owners and the Dataverse campaign lookup: component args", () => {
  const dataverse = { url: "https://contoso.crm4.dynamics.com", tenantId: "t", clientId: "c", clientSecret: "s" };
  it("keys offers in lower case and campaigns too; refuses an owner the target does not take, naming the fix", () => {
    const options = leadWorkflowOptions({
      location: "westeurope",
      dataverse: { ...dataverse, campaigns: { "Spring-Launch": CAMPAIGN_ROW } },
      offerOwners: { "Contoso.Offer-A": { dataverse: `team/${TEAM}` } },
    });
    assert.deepStrictEqual(
      [options.offerOwners, options.dataverse],
      [
        { "contoso.offer-a": { dataverse: `team/${TEAM}` } },
        { url: dataverse.url, campaigns: { "spring-launch": CAMPAIGN_ROW } },
      ],
    );
    assert.throws(
      () => leadWorkflowOptions({ location: "westeurope", dataverse, offerOwners: { a: { dataverse: TEAM } } }),
      {
        message: `offerOwners: "a" sets "dataverse" owner "${TEAM}": must be user/<GUID> (a Dataverse user, systemusers) or team/<GUID> (an owner team, teams). Fix: offerOwners: { "a": { "dataverse": "team/00000000-0000-0000-0000-000000000000" } }`,
      },
    );
    assert.throws(
      () => leadWorkflowOptions({ location: "westeurope", dataverse, offerOwners: { a: { salesforce: QUEUE } } }),
      {
        message: `offerOwners: "a" sets "salesforce" owner "${QUEUE}": each target must be a configured target with record owners (dataverse). Fix: offerOwners: { "a": { "dataverse": "team/00000000-0000-0000-0000-000000000000" } }`,
      },
    );
    assert.throws(
      () => leadWorkflowOptions({ location: "westeurope", dataverse: { ...dataverse, campaigns: { a: "x" } } }),
      {
        message: `dataverse.campaigns: "a=x": "x" is not a campaign row id (a GUID). Fix: pulumi config set dataverseCampaigns "contoso-spring=00000000-0000-0000-0000-000000000000"`,
      },
    );
  });
});

describe("per-offer owners and the Dataverse campaign lookup: rendered bodies", () => {
  it("without the settings, the bodies are plain objects with no owner or campaign key", () => {
    const d = definitionOf(SETTINGS);
    const dataverse = crmAction(d, "dataverse", "Create_dataverse_lead").inputs.body;
    const salesforce = crmAction(d, "salesforce", "Create_salesforce_lead").inputs.body;
    assert.deepStrictEqual(Object.keys(dataverse).sort(), [
      "address1_country",
      "companyname",
      "description",
      "donotemail",
      "donotphone",
      "emailaddress1",
      "firstname",
      "jobtitle",
      "lastname",
      "subject",
      "telephone1",
    ]);
    assert.deepStrictEqual(Object.keys(salesforce).sort(), [
      "Company",
      "Country",
      "Description",
      "DoNotCall",
      "Email",
      "FirstName",
      "HasOptedOutOfEmail",
      "LastName",
      "LeadSource",
      "Phone",
      "Title",
    ]);
  });

  it("with them, each body is one expression that sets the owner and campaign keys only when the lead has one", () => {
    const d = definitionOf(WITH_BOTH);
    const dataverse: string = crmAction(d, "dataverse", "Create_dataverse_lead").inputs.body;
    const salesforce: string = crmAction(d, "salesforce", "Create_salesforce_lead").inputs.body;
    // The lead's offer id and display name, read from the trigger as offerRoutes reads them.
    const source = `trim(string(coalesce(triggerBody()?['LeadSource'], triggerBody()?['leadSource'], '')))`;
    const offer = `toLower(if(contains(${source}, '|'), trim(substring(${source}, add(indexOf(${source}, '|'), 1))), ''))`;
    const title = `toLower(trim(string(coalesce(triggerBody()?['OfferTitle'], triggerBody()?['offerTitle'], ''))))`;
    const owners = (table: object) => {
      const json = `json('${JSON.stringify(table)}')`;
      return `coalesce(${json}?[${offer}], ${json}?[${title}])`;
    };
    const dvOwner = owners({ "contoso.offer-a": `/teams(${TEAM})`, "contoso offer b": `/systemusers(${USER})` });
    const campaign = `json('${JSON.stringify({ "spring-launch": `/campaigns(${CAMPAIGN_ROW})` })}')?[toLower(coalesce(outputs('Normalize_lead')?['Campaign'], ''))]`;
    assert.ok(dataverse.startsWith("@removeProperty(setProperty(setProperty(setProperty("), dataverse.slice(0, 80));
    assert.ok(
      dataverse.endsWith(
        `, if(empty(${dvOwner}), '_', 'ownerid@odata.bind'), ${dvOwner}), ` +
          `if(empty(${campaign}), '_', 'campaignid@odata.bind'), ${campaign}), '_')`,
      ),
      dataverse.slice(-600),
    );
    const sfOwner = owners({ "contoso.offer-a": QUEUE });
    assert.ok(
      salesforce.endsWith(`, if(empty(${sfOwner}), '_', 'OwnerId'), ${sfOwner}), '_')`),
      salesforce.slice(-400),
    );
  });
});

describe("per-offer owners and the Dataverse campaign lookup: local runs", function () {
  this.timeout(30000);
  let e: LocalEndpoint;

  async function endpoint(settings: Record<string, string> | "prod"): Promise<LocalEndpoint> {
    const azurite = await useAzurite();
    const local = new LocalEndpoint({
      stack: settings === "prod" ? loadStack("prod") : stackFromSettings("owners", settings),
      tablesConnectionString: azurite.connectionString,
      retryScale: 0,
      now: () => NOW,
    });
    if (settings !== "prod")
      await local.tables
        .table(settings.dedupTableName)
        .deleteTable()
        .catch(() => undefined);
    await local.prepare();
    return local;
  }
  async function post(body: unknown): Promise<WorkflowRun> {
    const posted = await e.post({ method: "POST", headers: { "content-type": "application/json" }, body });
    assert.ok(posted.done, `no run started: ${JSON.stringify(posted.response)}`);
    const run = await posted.done;
    assert.strictEqual(run.status, "Succeeded");
    return run;
  }
  const lead = (email: string, leadSource: string, offerTitle: string, description: string) => ({
    ...sample("full"),
    UserDetails: { ...sample("full").UserDetails, Email: email },
    LeadSource: leadSource,
    OfferTitle: offerTitle,
    Description: description,
  });
  const sentTo = (standin: "commondataservice" | "salesforce", email: string) => {
    const sent = e.standins.to(standin).filter((r) => JSON.stringify(r.body).includes(email));
    assert.strictEqual(sent.length, 1, `${standin} requests for ${email}`);
    return sent[0].body as Record<string, unknown>;
  };
  const dataverseBody = (email: string, subject: string, description: string) => ({
    firstname: "Some",
    lastname: "One",
    emailaddress1: email,
    telephone1: "16175555555",
    companyname: "Contoso",
    jobtitle: "Esquire",
    address1_country: "USA",
    subject,
    description,
    donotemail: false,
    donotphone: false,
  });
  const salesforceBody = (email: string, description: string) => ({
    FirstName: "Some",
    LastName: "One",
    Company: "Contoso",
    Email: email,
    Phone: "16175555555",
    Title: "Esquire",
    Country: "USA",
    Description: description,
    LeadSource: "Web",
    HasOptedOutOfEmail: false,
    DoNotCall: false,
  });

  it("sends the owner of a listed offer and the campaign row of a mapped campaign, nothing for the others", async () => {
    e = await endpoint(WITH_BOTH);
    await post(lead("a@contoso.com", "AzureMarketplace-INS|Contoso.Offer-A", "Offer A", "mktcmpid=spring-launch"));
    await post(lead("b@contoso.com", "AppSource-INS|contoso.offer-b", "Contoso Offer B", "mktcmpid=autumn"));
    await post(lead("c@contoso.com", "AppSource-INS|contoso.offer-c", "Offer C", "No campaign here"));
    assert.deepStrictEqual(sentTo("commondataservice", "a@contoso.com"), {
      ...dataverseBody(
        "a@contoso.com",
        "Marketplace lead: Offer A (INS)",
        "mktcmpid=spring-launch\n\nLead source: AzureMarketplace-INS|Contoso.Offer-A\nCampaign: spring-launch",
      ),
      "ownerid@odata.bind": `/teams(${TEAM})`,
      "campaignid@odata.bind": `/campaigns(${CAMPAIGN_ROW})`,
    });
    assert.deepStrictEqual(sentTo("salesforce", "a@contoso.com"), {
      ...salesforceBody(
        "a@contoso.com",
        "mktcmpid=spring-launch\n\nOffer: Offer A\nLead source: AzureMarketplace-INS|Contoso.Offer-A\nCampaign: spring-launch",
      ),
      OwnerId: QUEUE,
    });
    // Offer B by its display name: a Dataverse user; no Salesforce owner listed; campaign not mapped.
    assert.deepStrictEqual(sentTo("commondataservice", "b@contoso.com"), {
      ...dataverseBody(
        "b@contoso.com",
        "Marketplace lead: Contoso Offer B (INS)",
        "mktcmpid=autumn\n\nLead source: AppSource-INS|contoso.offer-b\nCampaign: autumn",
      ),
      "ownerid@odata.bind": `/systemusers(${USER})`,
    });
    assert.deepStrictEqual(
      sentTo("salesforce", "b@contoso.com"),
      salesforceBody(
        "b@contoso.com",
        "mktcmpid=autumn\n\nOffer: Contoso Offer B\nLead source: AppSource-INS|contoso.offer-b\nCampaign: autumn",
      ),
    );
    // Offer C: not listed, no campaign: the CRMs' default owner, no bind key at all.
    assert.deepStrictEqual(
      sentTo("commondataservice", "c@contoso.com"),
      dataverseBody(
        "c@contoso.com",
        "Marketplace lead: Offer C (INS)",
        "No campaign here\n\nLead source: AppSource-INS|contoso.offer-c",
      ),
    );
    assert.deepStrictEqual(
      sentTo("salesforce", "c@contoso.com"),
      salesforceBody("c@contoso.com", "No campaign here\n\nOffer: Offer C\nLead source: AppSource-INS|contoso.offer-c"),
    );
  });

  it("sets hubspot_owner_id on the contact of a listed offer's lead, and no owner for the others", async () => {
    e = await endpoint({ ...SETTINGS, targets: "hubspot", offerOwners: "contoso.offer-a=hubspot:41629779" });
    await post(lead("a@contoso.com", "AzureMarketplace-INS|Contoso.Offer-A", "Offer A", ""));
    await post(lead("c@contoso.com", "AppSource-INS|contoso.offer-c", "Offer C", ""));
    const properties = (email: string) => {
      const sent = e.standins.to("hubspot").filter((r) => JSON.stringify(r.body).includes(email));
      assert.strictEqual(sent.length, 1, `hubspot requests for ${email}`);
      return (sent[0].body as { inputs: Array<{ properties: Record<string, unknown> }> }).inputs[0].properties;
    };
    const a = properties("a@contoso.com");
    const c = properties("c@contoso.com");
    assert.strictEqual(a.hubspot_owner_id, "41629779");
    assert.ok(!("hubspot_owner_id" in c), JSON.stringify(c));
    const { hubspot_owner_id: _owner, ...rest } = a;
    assert.deepStrictEqual(Object.keys(rest).sort(), Object.keys(c).sort());
  });

  it("without the settings, the same lead goes with no owner and its campaign as text only", async () => {
    e = await endpoint(SETTINGS);
    await post(lead("a@contoso.com", "AzureMarketplace-INS|contoso.offer-a", "Offer A", "mktcmpid=spring-launch"));
    assert.deepStrictEqual(
      sentTo("commondataservice", "a@contoso.com"),
      dataverseBody(
        "a@contoso.com",
        "Marketplace lead: Offer A (INS)",
        "mktcmpid=spring-launch\n\nLead source: AzureMarketplace-INS|contoso.offer-a\nCampaign: spring-launch",
      ),
    );
    assert.deepStrictEqual(
      sentTo("salesforce", "a@contoso.com"),
      salesforceBody(
        "a@contoso.com",
        "mktcmpid=spring-launch\n\nOffer: Offer A\nLead source: AzureMarketplace-INS|contoso.offer-a\nCampaign: spring-launch",
      ),
    );
  });

  it("the example prod stack sends its offer's team, queue and campaign row", async () => {
    e = await endpoint("prod");
    const email = `owners-${Date.now()}@contoso.com`;
    await post(lead(email, "AppSource-INS|contoso.analytics-suite", "Analytics", "mktcmpid=Contoso-Spring-Launch"));
    const dataverse = sentTo("commondataservice", email);
    assert.deepStrictEqual(
      [dataverse["ownerid@odata.bind"], dataverse["campaignid@odata.bind"], sentTo("salesforce", email).OwnerId],
      ["/teams(3f2504e0-4f89-41d3-9a0c-0305e82c3301)", "/campaigns(9b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d)", QUEUE],
    );
  });
});
