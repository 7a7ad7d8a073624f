/**
 * Which settings are part of the workflow definition: one held as a secret is refused (pulumi up would keep its
 * value in plain text in the definition), while one outside it (a connection's, a resource's or the function
 * app's) deploys. Found by rendering each setting at two valid values: the definition changes or it does not.
 */
import * as assert from "assert";
import { SettingName, SettingSpec, SETTINGS, SETTING_NAMES } from "../../config/settings";
import { stableStringify } from "../../definition/stableJson";
import { stackFromSettings } from "../../program/stacks";

const EVERY_TARGET = "dataverse,salesforce,hubspot,email,webhook,azureTable,teams";
const GUID_A = "00000000-0000-0000-0000-000000000000";
const GUID_B = "11111111-1111-1111-1111-111111111111";

/** Two valid values of each setting that is not a secret. */
const VALUES: Partial<Record<SettingName, [string, string]>> = {
  location: ["westeurope", "northeurope"],
  resourceGroupName: ["rg-a", "rg-b"],
  targets: [EVERY_TARGET, "dataverse,salesforce,hubspot,email,webhook,azureTable"],
  offerRoutes: ["a=dataverse", "b=email"],
  offerOwners: [`a=dataverse:team/${GUID_A}`, `b=dataverse:team/${GUID_A}`],
  archiveTableName: ["LeadArchive", "LeadArchiveB"],
  dataverseUrl: ["https://a.crm4.dynamics.com", "https://b.crm4.dynamics.com"],
  dataverseTenantId: [GUID_A, GUID_B],
  dataverseClientId: [GUID_A, GUID_B],
  dataverseCampaigns: [`a=${GUID_A}`, `b=${GUID_A}`],
  salesforceLoginUri: ["https://login.salesforce.com", "https://test.salesforce.com"],
  salesforceLeadSource: ["Web", "Partner"],
  hubspotPropertyMap: ["ActionCode=a_b", "ActionCode=c_d"],
  emailTo: ["a@contoso.com", "b@contoso.com"],
  webhookUrl: ["https://a.contoso.com/leads", "https://b.contoso.com/leads"],
  webhookSecretHeader: ["X-A", "X-B"],
  azureTableName: ["TabA", "TabB"],
  dedupTableName: ["LeadDedup", "LeadDedupB"],
  dedupWindowDays: ["30", "31"],
  archiveRetentionDays: ["365", "366"],
  protectLeads: ["true", "false"],
  incompleteLeads: ["archive", "deliver"],
  crmRetryCount: ["10", "9"],
  crmRetryInterval: ["PT30S", "PT31S"],
  crmRetryMaxInterval: ["PT1H", "PT2H"],
  allowedCallerIps: ["203.0.113.0/24", "203.0.114.0/24"],
  normalizer: ["expressions", "function"],
  replaySchedule: ["", "0 */30 * * * *"],
  alertEmails: ["a@contoso.com", "b@contoso.com"],
  logRetentionDays: ["30", "90"],
};

describe("settings in the workflow definition", () => {
  const base: Record<string, string> = { targets: EVERY_TARGET };
  for (const name of SETTING_NAMES) {
    const s: SettingSpec = SETTINGS[name];
    if (!s.secret && s.requiredFor) base[name] = s.example;
  }
  // With the function app's normalizer too: a setting could enter the definition on that path only.
  const definitions = (name: SettingName, value: string) =>
    [{}, { normalizer: "function" }].map((extra) =>
      stableStringify(stackFromSettings("probe", { ...base, ...extra, [name]: value }).definition),
    );

  it("every setting that is not a secret has two values here", () => {
    const open = SETTING_NAMES.filter((n) => !(SETTINGS[n] as SettingSpec).secret);
    assert.deepStrictEqual(Object.keys(VALUES).sort(), [...open].sort());
  });

  for (const [name, [a, b]] of Object.entries(VALUES) as [SettingName, [string, string]][]) {
    const s: SettingSpec = SETTINGS[name];
    // webhookUrl is a SecureString parameter: its value is passed at deploy, never written in the definition.
    const inDefinition = !s.outsideDefinition && !s.maybeSecret;
    it(`${name}: ${inDefinition ? "changes" : "leaves"} the definition`, () => {
      const [withA, withB] = [definitions(name, a), definitions(name, b)];
      assert.deepStrictEqual(
        [0, 1].map((i) => withA[i] !== withB[i]),
        [inDefinition, inDefinition],
      );
    });
  }
});
