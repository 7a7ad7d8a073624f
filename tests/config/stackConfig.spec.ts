import Ajv from "ajv";
import * as assert from "assert";
import { execFileSync } from "child_process";
import { SettingSpec, SETTINGS, SETTING_NAMES } from "../../config/settings";
import { KitConfig, parseStackConfig, settingsSchema, shellWord, StackConfigError } from "../../config/stackConfig";
import { durationSeconds } from "../../emulator/iso8601";

function problemsOf(raw: Record<string, string>, plaintextSecrets: string[] = []): string[] {
  try {
    parseStackConfig(raw, plaintextSecrets);
  } catch (err) {
    assert.ok(err instanceof StackConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a StackConfigError");
}

const DEFAULTS: KitConfig = {
  location: "westeurope",
  resourceGroupName: undefined,
  targets: [],
  archiveTableName: "LeadArchive",
  dedupTableName: "LeadDedup",
  dedupWindowDays: 30,
  archiveRetentionDays: 365,
  protectLeads: true,
  incompleteLeads: "archive",
  dataverse: undefined,
  salesforce: undefined,
  email: undefined,
  webhook: undefined,
  azureTable: undefined,
  hubspot: undefined,
  teams: undefined,
  crmRetry: { count: 10, interval: "PT30S", maximumInterval: "PT1H" },
  allowedCallerIps: [],
  normalizer: "expressions",
  replaySchedule: undefined,
  alertEmails: [],
  logRetentionDays: 30,
  offerRoutes: {},
  offerOwners: {},
};

describe("stack settings", () => {
  it("the settings schema is valid JSON Schema (checked here: the CLIs skip that check at each start)", () => {
    const ajv = new Ajv({ strict: true, strictRequired: false });
    assert.strictEqual(ajv.validateSchema(settingsSchema()), true, ajv.errorsText());
    assert.strictEqual(ajv.validateSchema({ ...settingsSchema(), additionalProperties: "no" }), false);
  });

  it("archiveRetentionDays: 0 turns the purge off; a value that is not whole days names the fix", () => {
    assert.strictEqual(parseStackConfig({ archiveRetentionDays: "0" }).archiveRetentionDays, 0);
    assert.strictEqual(parseStackConfig({ archiveRetentionDays: "730" }).archiveRetentionDays, 730);
    for (const value of ["-1", "1.5", "3651", "1y"])
      assert.deepStrictEqual(problemsOf({ archiveRetentionDays: value }), [
        `leadkit:archiveRetentionDays: "${value}" is not valid: must be a whole number of days from 0 (off) to 3650. Fix: pulumi config set archiveRetentionDays 365`,
      ]);
  });

  it("applies every default to an empty stack (archive only)", () => {
    assert.deepStrictEqual(parseStackConfig({}), DEFAULTS);
  });

  it("parses a stack with every target", () => {
    const config = parseStackConfig({
      targets: " dataverse, salesforce,email ,webhook,azureTable,hubspot,teams",
      dataverseUrl: "https://contoso.crm4.dynamics.com",
      dataverseTenantId: "11111111-2222-3333-4444-555555555555",
      dataverseClientId: "66666666-7777-8888-9999-000000000000",
      dataverseClientSecret: "s3cret",
      emailTo: "sales@contoso.com; ops@contoso.com",
      webhookUrl: "https://hooks.contoso.com/leads",
      webhookSecret: "0123456789abcdef0123",
      hubspotToken: "pat-na1-0123456789abcdefghij",
      hubspotPropertyMap: "ActionCode=marketplace_action",
      teamsWebhookUrl: "https://prod-00.westeurope.logic.azure.com/workflows/x",
      crmRetryCount: "20",
      allowedCallerIps: "203.0.113.0/24,198.51.100.7",
      resourceGroupName: "rg-leads",
    });
    assert.deepStrictEqual(config, {
      ...DEFAULTS,
      resourceGroupName: "rg-leads",
      targets: ["dataverse", "salesforce", "email", "webhook", "azureTable", "hubspot", "teams"],
      dataverse: {
        url: "https://contoso.crm4.dynamics.com",
        tenantId: "11111111-2222-3333-4444-555555555555",
        clientId: "66666666-7777-8888-9999-000000000000",
      },
      salesforce: { loginUri: "https://login.salesforce.com", leadSource: "Web" },
      email: { to: "sales@contoso.com; ops@contoso.com" },
      webhook: { url: "https://hooks.contoso.com/leads", secretHeader: "X-Lead-Secret" },
      azureTable: { tableName: "MarketplaceLeads" },
      hubspot: { propertyMap: "ActionCode=marketplace_action" },
      teams: {},
      crmRetry: { count: 20, interval: "PT30S", maximumInterval: "PT1H" },
      allowedCallerIps: ["203.0.113.0/24", "198.51.100.7"],
    });
  });

  it("fails on an unknown target, listing the valid ones", () => {
    // The fix keeps the stack's other targets, and turns a near miss into the target it resembles.
    assert.deepStrictEqual(
      problemsOf({ targets: "Webhook,email,teams,e-mail" })[0].split("Fix: ")[1],
      ["pulumi config set targets webhook,email,teams"][0],
    );
    assert.deepStrictEqual(problemsOf({ targets: "email,pipedrive", emailTo: "a@contoso.com" }), [
      'leadkit:targets: "pipedrive" is not a CRM target. Valid targets: dataverse, salesforce, hubspot, email, webhook, azureTable, teams. Fix: pulumi config set targets email',
    ]);
  });

  describe("offerRoutes", () => {
    const stack = { targets: "email,azureTable", emailTo: "a@contoso.com" };
    it("reads routes as text and as a YAML map (JSON text)", () => {
      const expected = { "contoso.offer-a": ["email", "azureTable"], "Contoso CRM": ["azureTable"] };
      const text = parseStackConfig({
        ...stack,
        offerRoutes: " contoso.offer-a = email+azureTable ; Contoso CRM=azureTable;",
      });
      assert.deepStrictEqual(text.offerRoutes, expected);
      assert.deepStrictEqual(
        parseStackConfig({ ...stack, offerRoutes: JSON.stringify(expected) }).offerRoutes,
        expected,
      );
    });
    it("fails on a route to a target the stack does not have, with the fixed routes", () => {
      assert.deepStrictEqual(
        problemsOf({ ...stack, offerRoutes: "contoso.offer-a=email+azureTabel;contoso.offer-b=salesforce" }),
        [
          `leadkit:offerRoutes: route "contoso.offer-a=email+azureTabel": 'azureTabel' is not a target: must be one of the stack's targets (email, azureTable). Fix: pulumi config set offerRoutes 'contoso.offer-a=email+azureTable;contoso.offer-b=salesforce'`,
          `leadkit:offerRoutes: route "contoso.offer-b=salesforce": 'salesforce' is not a target: must be one of the stack's targets (email, azureTable). Fix: pulumi config set offerRoutes 'contoso.offer-a=email+azureTabel;contoso.offer-b=email'`,
        ],
      );
    });
    it("fails on a route without '=' or target, and on routes with no targets at all", () => {
      assert.deepStrictEqual(problemsOf({ ...stack, offerRoutes: "contoso.offer-a" }), [
        `leadkit:offerRoutes: "contoso.offer-a" is not valid: must be offer=target+target;offer=target with each target one of the stack's targets. Fix: pulumi config set offerRoutes 'contoso.offer-a=dataverse+email;contoso.offer-b=salesforce'`,
      ]);
      assert.deepStrictEqual(problemsOf({ offerRoutes: "contoso.offer-a=email" }), [
        "leadkit:offerRoutes: routes leads to targets, but targets is empty. Fix: pulumi config set targets dataverse,email",
      ]);
    });
  });

  it("fails with every missing setting of the chosen targets at once", () => {
    assert.deepStrictEqual(problemsOf({ targets: "dataverse,webhook,email" }), [
      'leadkit:dataverseUrl: missing; required because targets includes "dataverse". Fix: pulumi config set dataverseUrl https://contoso.crm4.dynamics.com',
      'leadkit:dataverseTenantId: missing; required because targets includes "dataverse". Fix: pulumi config set dataverseTenantId 00000000-0000-0000-0000-000000000000',
      'leadkit:dataverseClientId: missing; required because targets includes "dataverse". Fix: pulumi config set dataverseClientId 00000000-0000-0000-0000-000000000000',
      `leadkit:dataverseClientSecret: missing; required because targets includes "dataverse". Fix: pulumi config set --secret dataverseClientSecret '<client-secret>'`,
      `leadkit:emailTo: missing; required because targets includes "email". Fix: pulumi config set emailTo 'sales@contoso.com;ops@contoso.com'`,
      'leadkit:webhookUrl: missing; required because targets includes "webhook". Fix: pulumi config set webhookUrl https://hooks.contoso.com/leads',
      `leadkit:webhookSecret: missing; required because targets includes "webhook". Fix: pulumi config set --secret webhookSecret '<random-string-of-32-chars>'`,
    ]);
  });

  it("fails on bad values, naming the key, the value and the fix", () => {
    assert.deepStrictEqual(
      problemsOf({
        location: "West Europe",
        dataverseUrl: "http://contoso.crm.dynamics.com/",
        crmRetryCount: "many",
        crmRetryInterval: "30s",
        allowedCallerIps: "10.0.0.0/8,example.com",
        archiveTableName: "lead-archive",
      }),
      [
        'leadkit:location: "West Europe" is not valid: must be an Azure region name in lower case without spaces. Fix: pulumi config set location westeurope',
        'leadkit:archiveTableName: "lead-archive" is not valid: must be 3-63 letters or digits, starting with a letter (Azure Table naming rules). Fix: pulumi config set archiveTableName LeadArchive',
        'leadkit:dataverseUrl: "http://contoso.crm.dynamics.com/" is not valid: must be the environment URL https://<org>.crm<N>.dynamics.com, without a trailing slash. Fix: pulumi config set dataverseUrl https://contoso.crm4.dynamics.com',
        'leadkit:crmRetryCount: "many" is not valid: must be a whole number from 1 to 90. Fix: pulumi config set crmRetryCount 10',
        'leadkit:crmRetryInterval: "30s" is not valid: must be an ISO 8601 duration from PT5S to P1D. Fix: pulumi config set crmRetryInterval PT30S',
        'leadkit:allowedCallerIps: "10.0.0.0/8,example.com" is not valid: must be comma-separated IPv4 addresses or CIDR ranges. Fix: pulumi config set allowedCallerIps 203.0.113.0/24',
      ],
    );
  });

  it("fails on two settings naming one table (names ignore case) and on the reserved name", () => {
    assert.deepStrictEqual(
      problemsOf({ targets: "azureTable", dedupTableName: "leadarchive", azureTableName: "LEADARCHIVE" }),
      [
        'leadkit:azureTableName: "LEADARCHIVE" is the table archiveTableName names ("LeadArchive"; table names ignore case): give each table its own name. Fix: pulumi config set azureTableName MarketplaceLeads',
        'leadkit:dedupTableName: "leadarchive" is the table archiveTableName names ("LeadArchive"; table names ignore case): give each table its own name. Fix: pulumi config set dedupTableName LeadDedup',
      ],
    );
    assert.deepStrictEqual(problemsOf({ archiveTableName: "Tables" }), [
      'leadkit:archiveTableName: "Tables" is a name Azure reserves. Fix: pulumi config set archiveTableName LeadArchive',
    ]);
    // The setting the stack set is blamed, not a default it clashes with; the fix names a table no other has.
    assert.deepStrictEqual(problemsOf({ archiveTableName: "LeadDedup" }), [
      'leadkit:archiveTableName: "LeadDedup" is the table dedupTableName names ("LeadDedup"; table names ignore case): give each table its own name. Fix: pulumi config set archiveTableName LeadArchive',
    ]);
    assert.deepStrictEqual(problemsOf({ archiveTableName: "LeadDedup", dedupTableName: "leaddedup" }), [
      'leadkit:dedupTableName: "leaddedup" is the table archiveTableName names ("LeadDedup"; table names ignore case): give each table its own name. Fix: pulumi config set dedupTableName LeadDedup2',
    ]);
    // azureTableName counts only with its target.
    assert.strictEqual(parseStackConfig({ azureTableName: "LeadArchive" }).archiveTableName, "LeadArchive");
  });

  it("the Fix commands paste into a shell as they read: every example value stays one word, as written", () => {
    const examples = SETTING_NAMES.map((name) => (SETTINGS[name] as SettingSpec).example);
    const script = examples.map((example) => `printf '%s\\0' ${shellWord(example)}`).join("\n");
    const out = execFileSync("bash", ["-c", script], { encoding: "utf8" });
    assert.deepStrictEqual(out.split("\0").slice(0, -1), examples);
    assert.deepStrictEqual(["0 */30 * * * *", "a;b", "it's", "westeurope"].map(shellWord), [
      "'0 */30 * * * *'",
      "'a;b'",
      "'it'\\''s'",
      "westeurope",
    ]);
  });

  it("a value the stack holds as a secret is never printed, and --secret is offered only where it is right", () => {
    const problems = (raw: Record<string, string>, secretKeys: string[]) => {
      try {
        parseStackConfig(raw, [], { secretKeys });
      } catch (err) {
        return (err as StackConfigError).problems;
      }
      return assert.fail("expected a StackConfigError");
    };
    // A setting that shapes the workflow is refused as a secret (pulumi up would keep it in plain text), and its
    // other problems are still found, without its value; the fixes do not say --secret.
    const held = (key: string) =>
      `leadkit:${key}: is set as a secret, but it shapes the workflow: pulumi up would store it in plain text in the ` +
      `workflow's definition, and npm run render and npm start, which do not decrypt secrets, cannot build it. ` +
      `Fix: pulumi config set ${key} '<value>' (without --secret)`;
    assert.deepStrictEqual(problems({ archiveTableName: "lead-archive" }, ["archiveTableName"]), [
      held("archiveTableName"),
      "leadkit:archiveTableName: the secret value is not valid: must be 3-63 letters or digits, starting with a letter (Azure Table naming rules). Fix: pulumi config set archiveTableName LeadArchive",
    ]);
    // Checks that quote values (routes here) do not print one held as a secret.
    const routed = problems({ targets: "email", emailTo: "a@contoso.com", offerRoutes: "hush.offer=salesforce" }, [
      "offerRoutes",
    ]);
    assert.deepStrictEqual(routed, [
      held("offerRoutes"),
      "leadkit:offerRoutes: the secret value routes an offer to a target the stack does not have (secret values not shown). Fix: pulumi config set offerRoutes 'contoso.offer-a=dataverse+email;contoso.offer-b=salesforce'",
    ]);
    // Held targets: the routes' message lists no target either.
    const byTargets = problems({ targets: "email,azureTable", emailTo: "a@contoso.com", offerRoutes: "a=hubspot" }, [
      "targets",
    ]);
    assert.deepStrictEqual(byTargets, [
      held("targets"),
      "leadkit:offerRoutes: a value routes an offer to a target the stack does not have (secret values not shown). Fix: pulumi config set offerRoutes 'contoso.offer-a=dataverse+email;contoso.offer-b=salesforce'",
    ]);
    assert.deepStrictEqual(problems({ targets: "email,pipedrive", emailTo: "a@contoso.com" }, ["targets"]), [
      held("targets"),
      "leadkit:targets: the secret value names a target that is not a CRM target, or one twice. Valid targets: dataverse, salesforce, hubspot, email, webhook, azureTable, teams. Fix: pulumi config set targets dataverse,email",
    ]);
    // A table clash: one value gives the other away, so neither is shown; the fix stays whole.
    assert.deepStrictEqual(
      problems({ archiveTableName: "HushTable", dedupTableName: "hushtable" }, ["archiveTableName"]),
      [
        held("archiveTableName"),
        "leadkit:dedupTableName: its value is the table archiveTableName names (table names ignore case): give each table its own name. Fix: pulumi config set dedupTableName LeadDedup",
      ],
    );
    // Where every key only may be a secret (the runtime cannot tell), values are masked and nothing is refused.
    assert.deepStrictEqual(
      parseStackConfig({ archiveTableName: "Leads" }, [], {
        secretKeys: ["archiveTableName"],
        refuseHeldShaping: false,
      }).archiveTableName,
      "Leads",
    );
    // Outside the definition, a secret is right (pulumi up takes it): the fix keeps --secret.
    assert.deepStrictEqual(problems({ alertEmails: "not-an-address" }, ["alertEmails"]), [
      "leadkit:alertEmails: the secret value is not valid: must be comma-separated e-mail addresses. Fix: pulumi config set --secret alertEmails ops@contoso.com",
    ]);
    // ... but not for the one npm run purge reads from the stack file.
    assert.deepStrictEqual(problems({ archiveRetentionDays: "abc" }, ["archiveRetentionDays"]), [
      "leadkit:archiveRetentionDays: the secret value is not valid: must be a whole number of days from 0 (off) to 3650. Fix: pulumi config set archiveRetentionDays 365",
    ]);
    // The interval order keeps its reason.
    assert.deepStrictEqual(
      problems({ crmRetryInterval: "PT10M", crmRetryMaxInterval: "PT1M" }, ["crmRetryMaxInterval"]),
      [
        held("crmRetryMaxInterval"),
        'leadkit:crmRetryMaxInterval: the secret value is shorter than crmRetryInterval "PT10M". Fix: pulumi config set crmRetryMaxInterval PT1H',
      ],
    );
  });

  it("fails on retry intervals out of Logic Apps' range or in the wrong order", () => {
    assert.deepStrictEqual(problemsOf({ crmRetryInterval: "PT2S", crmRetryMaxInterval: "P2D" }), [
      'leadkit:crmRetryInterval: "PT2S" is not valid: must be an ISO 8601 duration from PT5S to P1D. Fix: pulumi config set crmRetryInterval PT30S',
      'leadkit:crmRetryMaxInterval: "P2D" is not valid: must be an ISO 8601 duration from PT5S to P1D. Fix: pulumi config set crmRetryMaxInterval PT1H',
    ]);
    assert.deepStrictEqual(problemsOf({ crmRetryInterval: "PT10M", crmRetryMaxInterval: "PT1M" }), [
      'leadkit:crmRetryMaxInterval: "PT1M" is shorter than crmRetryInterval "PT10M". Fix: pulumi config set crmRetryMaxInterval PT1H',
    ]);
  });

  it("fails on an unknown key with a suggestion", () => {
    assert.deepStrictEqual(problemsOf({ target: "email" }), [
      'leadkit:target: unknown setting. Did you mean "targets"? Known settings: location, resourceGroupName, targets, offerRoutes, offerOwners, archiveTableName, dataverseUrl, dataverseTenantId, dataverseClientId, dataverseClientSecret, dataverseCampaigns, salesforceLoginUri, salesforceLeadSource, hubspotToken, hubspotPropertyMap, emailTo, webhookUrl, webhookSecretHeader, webhookSecret, azureTableName, teamsWebhookUrl, dedupTableName, dedupWindowDays, archiveRetentionDays, protectLeads, incompleteLeads, crmRetryCount, crmRetryInterval, crmRetryMaxInterval, allowedCallerIps, normalizer, replaySchedule, alertEmails, logRetentionDays. Fix: pulumi config rm target',
    ]);
  });

  it("fails on a secret stored in plain text, and never prints a secret value", () => {
    const problems = problemsOf(
      { targets: "webhook", webhookUrl: "https://hooks.contoso.com/x", webhookSecret: "short" },
      ["webhookSecret"],
    );
    assert.deepStrictEqual(problems, [
      "leadkit:webhookSecret: is stored in plain text. Fix: pulumi config set --secret webhookSecret '<random-string-of-32-chars>'",
      "leadkit:webhookSecret: the secret value is not valid: must be at least 16 characters. Fix: pulumi config set --secret webhookSecret '<random-string-of-32-chars>'",
    ]);
    assert.ok(!problems.join("\n").includes("short"));
  });

  it("formats the error message with every problem", () => {
    assert.throws(() => parseStackConfig({ targets: "crm", location: "x y" }), {
      name: "StackConfigError",
      message:
        "Invalid stack configuration (2 problems):\n" +
        '  - leadkit:location: "x y" is not valid: must be an Azure region name in lower case without spaces. Fix: pulumi config set location westeurope\n' +
        '  - leadkit:targets: "crm" is not a CRM target. Valid targets: dataverse, salesforce, hubspot, email, webhook, azureTable, teams. Fix: pulumi config set targets dataverse,email',
    });
  });

  it("offline, stands secrets in so a stack renders before they are set", () => {
    const config = parseStackConfig({ targets: "webhook", webhookUrl: "https://h.contoso.com/x" }, [], {
      secretsAvailable: false,
    });
    assert.deepStrictEqual(config.webhook, { url: "https://h.contoso.com/x", secretHeader: "X-Lead-Secret" });
  });

  it("reads ISO 8601 durations", () => {
    assert.deepStrictEqual(["PT5S", "PT1H", "P1D", "PT1H30M", "P1DT1S", "PT", "P", "30s"].map(durationSeconds), [
      5,
      3600,
      86400,
      5400,
      86401,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
