/**
 * The exact definition `pulumi up` deploys, run by the local runtime against real Azurite tables and
 * recording CRM stand-ins: run statuses, the archived entity and the exact CRM payloads.
 */
import * as assert from "assert";
import * as fs from "fs";
import { LOCAL_WEBHOOK_SECRET, LOCAL_WEBHOOK_URL, LocalEndpoint } from "../../local/endpoint";
import { WorkflowRun } from "../../emulator/types";
import { stackFromSettings } from "../../program/stacks";
import { useAzurite } from "../support/azurite";
import { NO_CAMPAIGN, NORMALIZED_FULL_LEAD } from "../../function-code/tests/fixtures";

const sample = (name: string) => JSON.parse(fs.readFileSync(`samples/${name}-lead.json`, "utf8"));
const NOW = new Date("2026-11-24T10:00:00.000Z");

const ALL_TARGETS = stackFromSettings("all", {
  targets: "dataverse,salesforce,email,webhook,azureTable",
  dataverseUrl: "https://contoso.crm4.dynamics.com",
  dataverseTenantId: "11111111-2222-3333-4444-555555555555",
  dataverseClientId: "66666666-7777-8888-9999-000000000000",
  emailTo: "sales@contoso.com",
  webhookUrl: "https://hooks.contoso.com/leads",
  crmRetryCount: "3",
  archiveTableName: "LeadArchiveE2E",
  dedupTableName: "LeadDedupE2E",
});

/** A fresh dedup table per test: each test's leads are new people. */
async function freshDedup(e: LocalEndpoint, table: string): Promise<void> {
  await e.tables
    .table(table)
    .deleteTable()
    .catch(() => undefined);
  await e.prepare();
}

async function endpoint(): Promise<LocalEndpoint> {
  const azurite = await useAzurite();
  const e = new LocalEndpoint({
    stack: ALL_TARGETS,
    tablesConnectionString: azurite.connectionString,
    retryScale: 0,
    now: () => NOW,
  });
  await freshDedup(e, "LeadDedupE2E");
  return e;
}

async function post(e: LocalEndpoint, body: unknown): Promise<{ status: number; body: any; run: WorkflowRun }> {
  const posted = await e.post({ method: "POST", headers: { "content-type": "application/json" }, body });
  assert.ok(posted.done, `no run started: ${JSON.stringify(posted.response)}`);
  return { status: posted.response.statusCode, body: posted.response.body, run: await posted.done };
}

/** The dedup key of samples/full-lead.json: base64 of e-mail | offer id | action, '/' as '_' (a RowKey). */
const FULL_LEAD_KEY = Buffer.from("e:someone@contoso.com|contoso.test-offer|INS")
  .toString("base64")
  .replace(/\//g, "_");

const pickKeys = (o: any, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

const statuses = (run: WorkflowRun) => Object.fromEntries(Object.values(run.actions).map((a) => [a.name, a.status]));

async function archived(e: LocalEndpoint, run: WorkflowRun): Promise<Record<string, unknown>> {
  const {
    etag: _e,
    timestamp: _t,
    "odata.metadata": _m,
    ...entity
  } = await e.tables.table("LeadArchiveE2E").getEntity("2026-11", run.name);
  return entity;
}

describe("deployed definition, run locally (Azurite + CRM stand-ins)", function () {
  this.timeout(30000);
  let e: LocalEndpoint;
  beforeEach(async () => {
    e = await endpoint();
  });

  it("Validate test lead: archived, answered 200, marked test, sent to no CRM", async () => {
    const { status, body, run } = await post(e, sample("validate"));
    assert.strictEqual(status, 200);
    // `row` names the archive row by its keys (npm run send reads it alone): the month of the run, its id.
    assert.deepStrictEqual(body, { status: "accepted", runId: run.name, row: `2026-11/${run.name}` });
    assert.strictEqual(run.status, "Succeeded");
    assert.deepStrictEqual(statuses(run), {
      Archive_raw_lead: "Succeeded",
      Respond: "Succeeded",
      Stop_unarchived_lead: "Skipped",
      Screen_lead: "Succeeded",
      Mark_test_lead: "Succeeded",
      Stop_test_lead: "Succeeded",
    });
    assert.deepStrictEqual(e.standins.requests, []);
    const entity = await archived(e, run);
    assert.strictEqual(entity.Status, "test");
    assert.strictEqual(entity.LeadJson, JSON.stringify(sample("validate")));
  });

  it("full lead: archived, then created in every CRM with the exact payloads, and marked delivered", async () => {
    const lead = sample("full");
    const { status, run } = await post(e, lead);
    assert.strictEqual(status, 200);
    assert.strictEqual(run.status, "Succeeded");
    const [dataverse] = e.standins.to("commondataservice");
    assert.deepStrictEqual(dataverse, {
      ...dataverse,
      target: "commondataservice",
      actionName: "Create_dataverse_lead",
      method: "POST",
      path: "/api/data/v9.1/leads",
      headers: {
        prefer: "return=representation,odata.include-annotations=*",
        accept: "application/json;odata.metadata=full",
        organization: "https://contoso.crm4.dynamics.com",
      },
      body: {
        subject: "Marketplace lead: Test Microsoft (INS)",
        firstname: "Some",
        lastname: "One",
        emailaddress1: "someone@contoso.com",
        telephone1: "16175555555",
        companyname: "Contoso",
        jobtitle: "Esquire",
        address1_country: "USA",
        description: "Test run through Power Automate\n\nLead source: AzureMarketplace-INS|contoso.test-offer",
        donotemail: false,
        donotphone: false,
      },
    });
    assert.deepStrictEqual(e.standins.to("salesforce")[0].body, {
      FirstName: "Some",
      LastName: "One",
      Company: "Contoso",
      Email: "someone@contoso.com",
      Phone: "16175555555",
      Title: "Esquire",
      Country: "USA",
      Description:
        "Test run through Power Automate\n\nOffer: Test Microsoft\nLead source: AzureMarketplace-INS|contoso.test-offer",
      LeadSource: "Web",
      HasOptedOutOfEmail: false,
      DoNotCall: false,
    });
    assert.strictEqual(e.standins.to("salesforce")[0].path, "/v2/datasets/default/tables/Lead/items");
    const mail = e.standins.to("office365")[0];
    assert.strictEqual(mail.path, "/v2/Mail");
    assert.deepStrictEqual(
      { To: (mail.body as any).To, Subject: (mail.body as any).Subject, Importance: (mail.body as any).Importance },
      { To: "sales@contoso.com", Subject: "New Marketplace lead: Test Microsoft (INS)", Importance: "Normal" },
    );
    assert.ok((mail.body as any).Body.includes('<tr><th align="left">Company</th><td>Contoso</td></tr>'));
    const hook = e.standins.to("webhook")[0];
    assert.deepStrictEqual(
      { path: hook.path, method: hook.method, headers: hook.headers },
      {
        path: LOCAL_WEBHOOK_URL,
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Lead-Secret": LOCAL_WEBHOOK_SECRET },
      },
    );
    assert.deepStrictEqual(hook.body, {
      event: "marketplace.lead",
      archive: { partitionKey: "2026-11", rowKey: run.name },
      // The expression mapping keeps the country as received (only the function resolves it).
      lead: { ...NORMALIZED_FULL_LEAD, Country: "USA" },
      raw: lead,
    });
    const entity = await archived(e, run);
    assert.strictEqual(entity.Status, "delivered");
    assert.strictEqual(entity.Targets, "dataverse,salesforce,email,webhook,azureTable");
    assert.strictEqual(entity.DeliveredTargets, "dataverse,salesforce,email,webhook,azureTable");
    // The delivery ledger: each target's success, with the CRM's record id where it has one.
    assert.strictEqual(entity.Sent_dataverse, (dataverse.body as any).leadid ?? entity.Sent_dataverse);
    assert.match(String(entity.Sent_dataverse), /^[0-9a-f-]{36}$/);
    assert.match(String(entity.Sent_salesforce), /^00Q[0-9a-f]{15}$/);
    assert.deepStrictEqual([entity.Sent_email, entity.Sent_webhook, entity.Sent_azureTable], ["sent", "sent", "sent"]);
    assert.deepStrictEqual(
      {
        ActionCode: entity.ActionCode,
        CreatedTime: entity.CreatedTime,
        CustomerInfo: entity.CustomerInfo,
        Description: entity.Description,
        LeadSource: entity.LeadSource,
        OfferDisplayName: entity.OfferDisplayName,
        LeadJsonTruncated: entity.LeadJsonTruncated,
      },
      {
        ActionCode: "INS",
        CreatedTime: "2026-11-24T10:00:00.000Z",
        CustomerInfo: JSON.stringify(lead.UserDetails),
        Description: "Test run through Power Automate",
        LeadSource: "AzureMarketplace-INS|contoso.test-offer",
        OfferDisplayName: "Test Microsoft",
        LeadJsonTruncated: false,
      },
    );
    const {
      etag: _e,
      timestamp: _t,
      "odata.metadata": _m,
      ...msRow
    } = await e.tables.table("MarketplaceLeads").getEntity("2026-11", run.name);
    assert.deepStrictEqual(Object.keys(msRow).sort(), [
      "ActionCode",
      "Campaign",
      "CreatedTime",
      "CustomerInfo",
      "Description",
      "LeadSource",
      "LeadSourceAction",
      "LeadSourceChannel",
      "OfferDisplayName",
      "OfferId",
      "PartnerId",
      "UtmCampaign",
      "UtmContent",
      "UtmMedium",
      "UtmSource",
      "UtmTerm",
      "partitionKey",
      "rowKey",
    ]);
  });

  it("campaign attribution: parsed fields in each CRM's plain text, the webhook, the Azure Table and the archive", async () => {
    const lead = {
      ...sample("full"),
      LeadSource: "SPZA-PLT|contoso.crm-app",
      Description: "Please call.\nmktcmpid=spring_26&partnerid=4321&utm_source=linkedin&utm_medium=social",
    };
    const { run } = await post(e, lead);
    assert.strictEqual(run.status, "Succeeded");
    const campaign = {
      OfferId: "contoso.crm-app",
      LeadSourceChannel: "SPZA",
      LeadSourceAction: "PLT",
      ...NO_CAMPAIGN,
      Campaign: "spring_26",
      PartnerId: "4321",
      UtmSource: "linkedin",
      UtmMedium: "social",
    };
    const note = "\nCampaign: spring_26\nPartner id: 4321\nUTM source: linkedin\nUTM medium: social";
    assert.strictEqual(
      (e.standins.to("commondataservice")[0].body as any).description,
      `${lead.Description}\n\nLead source: SPZA-PLT|contoso.crm-app${note}`,
    );
    assert.strictEqual(
      (e.standins.to("salesforce")[0].body as any).Description,
      `${lead.Description}\n\nOffer: Test Microsoft\nLead source: SPZA-PLT|contoso.crm-app${note}`,
    );
    assert.strictEqual((e.standins.to("salesforce")[0].body as any).LeadSource, "Web");
    const hookLead = (e.standins.to("webhook")[0].body as any).lead;
    assert.deepStrictEqual(pickKeys(hookLead, Object.keys(campaign)), campaign);
    const msRow = await e.tables.table("MarketplaceLeads").getEntity("2026-11", run.name);
    assert.deepStrictEqual(pickKeys(msRow, Object.keys(campaign)), campaign);
    assert.deepStrictEqual(pickKeys(await archived(e, run), Object.keys(campaign)), campaign);
  });

  it("lead with missing fields: Salesforce and Dataverse get '(not provided)' for required names", async () => {
    const { run } = await post(e, sample("minimal"));
    assert.strictEqual(run.status, "Succeeded");
    const sf = e.standins.to("salesforce")[0].body as any;
    assert.deepStrictEqual(
      [sf.LastName, sf.Company, sf.Email, sf.FirstName],
      ["(not provided)", "(not provided)", "someone@contoso.com", ""],
    );
    assert.strictEqual((e.standins.to("commondataservice")[0].body as any).lastname, "(not provided)");
    assert.strictEqual((e.standins.to("commondataservice")[0].body as any).subject, "Marketplace lead:  ()");
  });

  for (const [label, details, description] of [
    ["Email", { Email: "MSFT_TEST_1@test.com" }, ""],
    ["FirstName", { FirstName: "MSFT_TEST_1", Email: "a@contoso.com" }, ""],
    ["LastName", { LastName: "MSFT_TEST_1", Email: "a@contoso.com" }, ""],
    ["Description", { Email: "a@contoso.com" }, "MSFT_TEST_1"],
    ["a lower-case e-mail", { Email: "msft_test_1@test.com" }, ""],
  ] as const) {
    it(`Validate test lead recognised by ${label} alone: archived as test, sent to no CRM`, async () => {
      const { run } = await post(e, { UserDetails: details, Description: description });
      assert.strictEqual(run.actions.Stop_test_lead?.status, "Succeeded");
      assert.strictEqual((await archived(e, run)).Status, "test");
      assert.deepStrictEqual(e.standins.requests, []);
    });
  }

  it("MSFT_TEST in another field (Company) is a real lead: delivered", async () => {
    const { run } = await post(e, { UserDetails: { Email: "a@contoso.com", Company: "MSFT_TEST inc" } });
    assert.strictEqual((await archived(e, run)).Status, "delivered");
    assert.strictEqual(e.standins.to("commondataservice").length, 1);
  });

  it("e-mail notice: lead fields are HTML-escaped, a <script> arrives as text", async () => {
    await post(e, { UserDetails: { Email: "x@contoso.com", FirstName: '<script>alert("x")</script>&' } });
    const body = String((e.standins.to("office365")[0].body as any).Body);
    assert.ok(body.includes("<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;</td>"), body);
    assert.ok(!body.includes("<script>"));
  });

  it("cuts values to each CRM's column limits (a longer value is a 400 never retried), an e-mail address left out, not cut; each whole in the description", async () => {
    const long = (c: string, n: number) => c.repeat(n);
    const lead = {
      UserDetails: {
        FirstName: long("F", 60),
        LastName: long("L", 90),
        Email: `${long("e", 120)}@contoso.com`,
        Company: long("C", 300),
        Title: long("T", 130),
        Phone: long("1", 45),
      },
      OfferTitle: long("O", 400),
      ActionCode: "INS",
    };
    const { run } = await post(e, lead);
    assert.strictEqual(
      run.status,
      "Succeeded",
      JSON.stringify(
        Object.values(run.actions)
          .filter((a) => a.status === "Failed")
          .map((a) => [a.name, a.error]),
      ),
    );
    const dv = e.standins.to("commondataservice")[0].body as any;
    assert.deepStrictEqual(
      [dv.firstname, dv.lastname, dv.companyname, dv.jobtitle, dv.telephone1, dv.subject.length],
      [long("F", 50), long("L", 50), long("C", 100), long("T", 100), long("1", 45), 300],
    );
    // Cut, an address would be another's, or none (Salesforce refuses it: INVALID_EMAIL_ADDRESS); '' is no address.
    assert.strictEqual(dv.emailaddress1, "");
    assert.ok(dv.description.length <= 2000);
    assert.ok(
      dv.description.includes(`\n\nAs received (cut or left out to fit the CRM):\nFirstName: ${long("F", 60)}`),
    );
    assert.ok(dv.description.includes(`\nEmail: ${long("e", 120)}@contoso.com`));
    const sf = e.standins.to("salesforce")[0].body as any;
    assert.deepStrictEqual(
      [sf.FirstName, sf.LastName, sf.Company, sf.Title, sf.Phone, sf.Email],
      [long("F", 40), long("L", 80), long("C", 255), long("T", 128), long("1", 40), ""],
    );
    assert.ok(sf.Description.includes(`Company: ${long("C", 300)}`));
    assert.ok(sf.Description.includes(`Email: ${long("e", 120)}@contoso.com`));
    // The archive keeps the lead as received.
    assert.strictEqual(JSON.parse(String((await archived(e, run)).LeadJson)).UserDetails.Company, long("C", 300));
  });

  it("an e-mail that is no address is left out of Salesforce's Email (refused there: INVALID_EMAIL_ADDRESS), kept in the description; the lead is delivered", async () => {
    const { run } = await post(e, { UserDetails: { LastName: "Lovelace", Email: "ada at contoso.com" } });
    assert.strictEqual(run.status, "Succeeded");
    const sf = e.standins.to("salesforce")[0].body as any;
    assert.strictEqual(sf.Email, "");
    assert.ok(sf.Description.includes("\nEmail: ada at contoso.com"), sf.Description);
    // Dataverse gets the text as received (its column's length is the only rule the kit applies there).
    assert.strictEqual((e.standins.to("commondataservice")[0].body as any).emailaddress1, "ada at contoso.com");
  });

  it("camelCase lead and DNC: fields found, do-not-contact flags set", async () => {
    const { run } = await post(e, { ...sample("camelcase"), actionCode: "DNC" });
    assert.strictEqual(run.status, "Succeeded");
    const dv = e.standins.to("commondataservice")[0].body as any;
    assert.deepStrictEqual(
      [dv.firstname, dv.emailaddress1, dv.donotemail, dv.donotphone],
      ["Some", "someone@contoso.com", true, true],
    );
  });

  it("CRM failing: retried per policy, the lead dead-lettered with its error, the run failed (alert)", async () => {
    e.standins.fail("commondataservice", { statusCode: 503, body: { error: { message: "Dataverse is down" } } });
    const { status, run } = await post(e, sample("full"));
    assert.strictEqual(status, 200, "Partner Center still gets 200: the lead is archived");
    assert.strictEqual(run.status, "Failed");
    assert.deepStrictEqual(run.error, {
      code: "LeadDeadLettered",
      message:
        "Delivery failed after retries in: Create_dataverse_lead. The lead is archived in table LeadArchiveE2E with Status 'dead-letter'; replay it once the target is back.",
    });
    const action = run.actions.Create_dataverse_lead;
    assert.strictEqual(action.status, "Failed");
    assert.strictEqual(action.code, "ServiceUnavailable");
    assert.strictEqual(action.retryHistory?.length, 3);
    assert.strictEqual(e.standins.to("commondataservice").length, 4, "first attempt + crmRetryCount retries");
    assert.strictEqual(run.actions.Mark_delivered.status, "Skipped");
    const entity = await archived(e, run);
    assert.strictEqual(entity.Status, "dead-letter");
    assert.strictEqual(entity.FailedActions, "Create_dataverse_lead");
    assert.strictEqual(entity.FailedTargets, "dataverse");
    assert.strictEqual(entity.DeliveredTargets, "salesforce,email,webhook,azureTable");
    assert.strictEqual(entity.Sent_dataverse, undefined);
    assert.strictEqual(entity.Sent_webhook, "sent");
    // The CRM's answer: a failed call carries no `error` in Azure, so the report reads its body.
    assert.strictEqual(
      entity.LastError,
      '[{"error":"{\\"error\\":{\\"message\\":\\"Dataverse is down\\"}}","name":"Create_dataverse_lead","status":"Failed","target":"dataverse"}]',
    );
    assert.strictEqual(e.standins.to("salesforce").length, 1, "the other targets were delivered once");
  });

  it("hides personal data from the run history, not from the expressions", async () => {
    const { run } = await post(e, sample("full"));
    assert.deepStrictEqual(run.actions.Archive_raw_lead.secured, ["inputs", "outputs"]);
    assert.strictEqual(run.actions.Archive_raw_lead.inputs, undefined);
    assert.deepStrictEqual(run.actions.Create_dataverse_lead.secured, ["inputs", "outputs"]);
    assert.strictEqual(run.trigger.outputs, undefined);
    assert.ok(!JSON.stringify(run).includes("someone@contoso.com"));
  });

  it("refuses a body that is not a JSON object with 400, archiving nothing", async () => {
    for (const body of [[sample("full")], "lead", 42, null]) {
      const posted = await e.post({ method: "POST", headers: {}, body });
      assert.strictEqual(posted.response.statusCode, 400);
      assert.strictEqual(posted.runName, undefined);
      assert.strictEqual((posted.response.body as any).error.code, "TriggerInputSchemaMismatch");
    }
    assert.deepStrictEqual(e.standins.requests, []);
  });

  it("screening fails on fields it cannot read: the archived lead is dead-lettered as Screen_lead's failure", async () => {
    const { status, run } = await post(e, { ...sample("full"), UserDetails: "not an object" });
    assert.strictEqual(status, 200, "archived, so Partner Center gets 200");
    assert.strictEqual(run.actions.Screen_lead.status, "Failed");
    assert.strictEqual(run.actions.Screen_lead.error?.code, "InvalidTemplate");
    assert.strictEqual(run.status, "Failed");
    assert.strictEqual(run.error?.code, "LeadDeadLettered");
    const entity = await archived(e, run);
    assert.deepStrictEqual(
      [entity.Status, entity.FailedActions, entity.FailedTargets, entity.DeliveredTargets],
      ["dead-letter", "Screen_lead", "", ""],
    );
    assert.match(String(entity.LastError), /Property selection is not supported on values of type 'String'/);
    assert.deepStrictEqual(e.standins.requests, []);
  });

  it("storage down: answers 500, calls no CRM, fails the run", async () => {
    const down = new LocalEndpoint({
      stack: ALL_TARGETS,
      tablesConnectionString:
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;",
      retryScale: 0,
      now: () => NOW,
    });
    const { status, body, run } = await post(down, sample("full"));
    assert.strictEqual(status, 500);
    assert.deepStrictEqual(body, { status: "not-archived", runId: run.name, row: `2026-11/${run.name}` });
    assert.strictEqual(run.status, "Failed");
    assert.strictEqual(run.error?.code, "LeadNotArchived");
    assert.strictEqual(run.actions.Archive_raw_lead.retryHistory?.length, 2, "first attempt + 2 retries");
    // Screening and processing (its default case) never ran: listed skipped, so not billed.
    assert.deepStrictEqual(
      [run.actions.Screen_lead?.status, run.actions.Normalize_lead?.status, run.actions.Create_dataverse_lead?.status],
      ["Skipped", "Skipped", "Skipped"],
    );
    assert.strictEqual(run.actions.Delivery_report?.status ?? "Skipped", "Skipped", "nothing to dead-letter: no row");
    assert.deepStrictEqual(down.standins.requests, []);
  });

  describe("with the normalizer function app", () => {
    const WITH_FUNCTION = stackFromSettings("fn", {
      targets: "dataverse",
      dataverseUrl: "https://contoso.crm4.dynamics.com",
      dataverseTenantId: "11111111-2222-3333-4444-555555555555",
      dataverseClientId: "66666666-7777-8888-9999-000000000000",
      normalizer: "function",
      archiveTableName: "LeadArchiveE2E",
      dedupTableName: "LeadDedupFn",
    });
    let f: LocalEndpoint;
    beforeEach(async () => {
      const azurite = await useAzurite();
      f = new LocalEndpoint({
        stack: WITH_FUNCTION,
        tablesConnectionString: azurite.connectionString,
        retryScale: 0,
        now: () => NOW,
      });
      await freshDedup(f, "LeadDedupFn");
    });

    it("sends the function's normalized fields to the CRM and records the dedup key", async () => {
      const { run } = await post(f, sample("full"));
      assert.strictEqual(run.status, "Succeeded");
      assert.strictEqual(run.actions.Normalize_lead_function.status, "Succeeded");
      const dv = f.standins.to("commondataservice")[0].body as any;
      assert.strictEqual(dv.address1_country, "United States", "ISO name from the function, not the raw 'USA'");
      const entity = await archived(f, run);
      assert.deepStrictEqual([entity.Normalizer, entity.NormalizerError], ["function", ""]);
      assert.strictEqual(entity.DedupKey, FULL_LEAD_KEY);
    });

    it("falls back to the expression mapping when the function fails, and records why", async () => {
      f.standins.fail("function", { statusCode: 500, body: { error: { message: "function host is down" } } });
      const { status, run } = await post(f, sample("full"));
      assert.strictEqual(status, 200);
      assert.strictEqual(run.status, "Succeeded", "the lead is still delivered");
      assert.strictEqual(run.actions.Normalize_lead_function.status, "Failed");
      assert.strictEqual(f.standins.to("function").length, 3, "first call + 2 retries");
      const dv = f.standins.to("commondataservice")[0].body as any;
      assert.deepStrictEqual([dv.address1_country, dv.lastname], ["USA", "One"]);
      const entity = await archived(f, run);
      assert.strictEqual(entity.Normalizer, "expressions");
      assert.match(String(entity.NormalizerError), /function host is down/);
      assert.strictEqual(entity.Status, "delivered");
    });

    // Answers not from the function's code (a platform error page in plain text, which Azure keeps as a string:
    // learn.microsoft.com/azure/logic-apps/logic-apps-content-type#textplain), or not in its shape.
    const UNUSABLE: [string, { statusCode: number; body: unknown; headers?: Record<string, string> }, RegExp][] = [
      [
        "a 503 in plain text",
        { statusCode: 503, headers: { "Content-Type": "text/plain" }, body: "Function host is not running." },
        /Function host is not running\./,
      ],
      ["a 200 whose crm is not an object", { statusCode: 200, body: { crm: "oops" } }, /setProperty/],
      ["a 200 with an array", { statusCode: 200, body: [{ crm: {} }] }, /Property selection is not supported/],
      ["a 200 with an empty crm", { statusCode: 200, body: { crm: {} } }, /^\{"crm":\{\}\}$/],
      // DisableAsyncPattern: the 202 is the call's answer, not a Location to poll (Learn, connectors-native-http).
      [
        "a 202 with a Location",
        { statusCode: 202, headers: { Location: "http://127.0.0.1/fn/status/1" }, body: { id: "1" } },
        /'setProperty' expects its first parameter to be an object; received 'Null'/,
      ],
    ];
    for (const [label, answer, why] of UNUSABLE) {
      it(`falls back to the expression mapping when the function answers ${label}`, async () => {
        f.standins.fail("function", answer);
        const { status, run } = await post(f, sample("full"));
        assert.strictEqual(status, 200);
        assert.strictEqual(run.status, "Succeeded", "the lead is still delivered");
        const dv = f.standins.to("commondataservice");
        assert.strictEqual(dv.length, 1);
        assert.deepStrictEqual([(dv[0].body as any).address1_country, (dv[0].body as any).lastname], ["USA", "One"]);
        const entity = await archived(f, run);
        assert.deepStrictEqual(
          [entity.Status, entity.Normalizer, entity.DedupKey],
          ["delivered", "expressions", FULL_LEAD_KEY],
        );
        assert.match(String(entity.NormalizerError), why);
      });
    }

    it("does not deliver a lead twice: the second delivery is archived as a duplicate of the first", async () => {
      const azurite = await useAzurite();
      const stack = stackFromSettings("dedup", {
        targets: "dataverse",
        dataverseUrl: "https://contoso.crm4.dynamics.com",
        dataverseTenantId: "11111111-2222-3333-4444-555555555555",
        dataverseClientId: "66666666-7777-8888-9999-000000000000",
        normalizer: "function",
        archiveTableName: "LeadArchiveDedup",
        dedupTableName: "LeadDedupTwice",
      });
      const d = new LocalEndpoint({
        stack,
        tablesConnectionString: azurite.connectionString,
        retryScale: 0,
        now: () => NOW,
      });
      await freshDedup(d, "LeadDedupTwice");
      const first = await post(d, sample("full"));
      // Partner Center sends the same lead again, with other casing and spacing.
      const again = sample("full");
      again.UserDetails.Email = " SomeOne@Contoso.com ";
      const second = await post(d, again);
      assert.deepStrictEqual([first.status, second.status], [200, 200]);
      assert.deepStrictEqual([first.run.status, second.run.status], ["Succeeded", "Succeeded"]);
      assert.strictEqual(second.run.actions.Stop_duplicate.status, "Succeeded");
      assert.strictEqual(d.standins.to("commondataservice").length, 1, "created in Dataverse once");
      const {
        etag: _e,
        timestamp: _t,
        "odata.metadata": _m,
        ...row
      } = await d.tables.table("LeadArchiveDedup").getEntity("2026-11", second.run.name);
      assert.deepStrictEqual(
        [row.Status, row.DuplicateOf, row.DedupKey],
        ["duplicate", `2026-11/${first.run.name}`, FULL_LEAD_KEY],
      );
    });
  });
});
