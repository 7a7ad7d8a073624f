/**
 * The Pulumi program (index.ts) end to end under mocks: stack settings in, resources and stack
 * outputs out; bad settings stop it before any resource is declared.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { SETTINGS, SETTING_NAMES, SettingSpec } from "../../config/settings";
import { loadStack } from "../../program/stacks";
import { CALLBACK_URL, installMocks, RegisteredResource, settle, valueOf } from "../support/pulumiMocks";

const INDEX = require.resolve("../../index");

/** Runs index.ts afresh with the given stack settings. */
async function runProgram(config: Record<string, string>, secretKeys: string[] = []) {
  const recorded = installMocks(config, secretKeys);
  delete require.cache[INDEX];
  const program = (await import("../../index")) as typeof import("../../index");
  return { program, resources: recorded.resources };
}

/** A stack file's `leadkit:` settings, with the secrets its README tells users to set. */
function stackSettings(stack: string, secrets: Record<string, string>): Record<string, string> {
  const yaml = parse(fs.readFileSync(`examples/Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, string> };
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(yaml.config)) config[k] = String(v);
  for (const [k, v] of Object.entries(secrets)) config[`leadkit:${k}`] = v;
  return config;
}

describe("Pulumi program (index.ts)", () => {
  describe("stack dev", () => {
    let program: typeof import("../../index");
    let resources: RegisteredResource[];
    before(async () => {
      const secrets = { dataverseClientSecret: "dv-secret-0123456789", webhookSecret: "wh-secret-0123456789abcdef" };
      ({ program, resources } = await runProgram(stackSettings("dev", secrets), [
        "leadkit:dataverseClientSecret",
        "leadkit:webhookSecret",
      ]));
      await settle(program.leadEndpointUrl, program.workflowId, program.connectionsToAuthorize);
    });

    it("exports the endpoint URL as a secret, and the other outputs", async () => {
      assert.strictEqual(await pulumi.isSecret(program.leadEndpointUrl), true);
      assert.strictEqual(await valueOf(program.leadEndpointUrl), CALLBACK_URL);
      assert.strictEqual(await valueOf(program.workflowName), "leads-test-workflow");
      assert.strictEqual(await valueOf(program.resourceGroupName), "leads-test-rg");
      assert.strictEqual(await valueOf(program.archiveTableName), "LeadArchive");
      assert.deepStrictEqual(Object.keys(await valueOf(program.connectionsToAuthorize)), ["office365"]);
      assert.strictEqual(await valueOf(program.functionAppName!), "leads-test-fn-app");
    });

    it("deploys exactly the definition `npm run render` shows for the stack", () => {
      const [wf] = resources.filter((r) => r.type === "azure-native:logic:Workflow");
      assert.deepStrictEqual(wf.inputs.definition, loadStack("dev").definition);
    });

    it("tags every Azure resource with the stack", () => {
      const untaggable = [
        "azure-native:storage:Table",
        "azure-native:storage:BlobContainer",
        "azure-native:monitor:DiagnosticSetting",
        "azure-native:authorization:RoleAssignment",
        "azure-native:web:WebAppAuthSettingsV2",
      ];
      const azure = resources.filter((r) => r.type.startsWith("azure-native:") && !untaggable.includes(r.type));
      assert.strictEqual(azure.length, 11);
      for (const r of azure) assert.deepStrictEqual(r.inputs.tags, { "leadkit-stack": "test" }, r.name);
    });
  });

  it("stops on bad settings with every problem, before declaring anything", async () => {
    let error: Error | undefined;
    let resources: RegisteredResource[] = [];
    try {
      ({ resources } = await runProgram({ "leadkit:targets": "dataverse,zoho", "leadkit:crmRetryCount": "0" }));
    } catch (err) {
      error = err as Error;
    }
    assert.strictEqual(
      error?.message,
      "Invalid stack configuration (6 problems):\n" +
        '  - leadkit:targets: "zoho" is not a CRM target. Valid targets: dataverse, salesforce, hubspot, email, webhook, azureTable, teams. Fix: pulumi config set targets dataverse\n' +
        '  - leadkit:dataverseUrl: missing; required because targets includes "dataverse". Fix: pulumi config set dataverseUrl https://contoso.crm4.dynamics.com\n' +
        '  - leadkit:dataverseTenantId: missing; required because targets includes "dataverse". Fix: pulumi config set dataverseTenantId 00000000-0000-0000-0000-000000000000\n' +
        '  - leadkit:dataverseClientId: missing; required because targets includes "dataverse". Fix: pulumi config set dataverseClientId 00000000-0000-0000-0000-000000000000\n' +
        `  - leadkit:dataverseClientSecret: missing; required because targets includes "dataverse". Fix: pulumi config set --secret dataverseClientSecret '<client-secret>'\n` +
        '  - leadkit:crmRetryCount: "0" is not valid: must be a whole number from 1 to 90. Fix: pulumi config set crmRetryCount 10',
    );
    assert.deepStrictEqual(resources, []);
  });

  it("refuses a secret stored in plain text", async () => {
    await assert.rejects(
      runProgram({
        "leadkit:targets": "webhook",
        "leadkit:webhookUrl": "https://hooks.contoso.com/x",
        "leadkit:webhookSecret": "plain-text-secret-0123456789",
      }),
      {
        message:
          "Invalid stack configuration (1 problem):\n" +
          "  - leadkit:webhookSecret: is stored in plain text. Fix: pulumi config set --secret webhookSecret '<random-string-of-32-chars>'",
      },
    );
  });
});

describe("Pulumi.yaml", () => {
  const project = parse(fs.readFileSync("Pulumi.yaml", "utf8")) as {
    name: string;
    runtime: unknown;
    config: Record<string, { type: string; description: string; default: unknown }>;
  };

  it("is a TypeScript Node.js project named leadkit", () => {
    assert.strictEqual(project.name, "leadkit");
    assert.deepStrictEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
  });

  it("declares every non-secret setting with the kit's type, description and default", () => {
    const expected: Record<string, unknown> = {};
    for (const name of SETTING_NAMES) {
      const s = SETTINGS[name] as SettingSpec;
      if (s.secret) continue;
      const integer = s.schema.type === "integer";
      expected[name] = {
        type: integer ? "integer" : "string",
        description: s.description,
        default: integer ? Number(s.default) : s.default,
      };
    }
    assert.deepStrictEqual(project.config, expected);
  });
});
