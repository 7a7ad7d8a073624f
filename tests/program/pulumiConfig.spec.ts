/**
 * Config the way Pulumi hands it over, identical under `pulumi up` (index.ts under mocks) and offline
 * (program/stacks.ts): the project's own name as namespace, lists as comma text or JSON text,
 * `azure-native:location`, and stacks whose config lives in a Pulumi ESC environment.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { EXAMPLES_ONLY_ENV, stackFilePath } from "../../program/stackFiles";
import { listStacks, loadStack, projectName, resolvedConfig } from "../../program/stacks";
import { asRendered } from "../support/fixtures";
import { installMocks, RegisteredResource, settle } from "../support/pulumiMocks";
import { tempDir } from "../support/tempDirs";

const INDEX = require.resolve("../../index");
const WEBHOOK = { webhookUrl: "https://hooks.contoso.com/leads", webhookSecret: "wh-secret-0123456789abcdef" };

/** Runs index.ts afresh as project `project` with the given full config keys; returns what it registered. */
async function deploy(
  config: Record<string, string>,
  project = "leadkit",
  secret = [":webhookSecret"],
): Promise<RegisteredResource[]> {
  const secretKeys = Object.keys(config).filter((k) => secret.some((suffix) => k.endsWith(suffix)));
  const recorded = installMocks(config, secretKeys, project);
  delete require.cache[INDEX];
  const program = (await import("../../index")) as typeof import("../../index");
  await settle(program.leadEndpointUrl, program.workflowId);
  return recorded.resources;
}

/** The refusal of archiveTableName held as a secret (it shapes the workflow), offline and in pulumi up alike. */
const HELD_SHAPING_SECRET =
  "archiveTableName: is set as a secret, but it shapes the workflow: pulumi up would store it in plain text in the " +
  "workflow's definition, and npm run render and npm start, which do not decrypt secrets, cannot build it. " +
  "Fix: pulumi config set archiveTableName '<value>' (without --secret)";

const workflowOf = (resources: RegisteredResource[]) => {
  const wf = resources.find((r) => r.type === "azure-native:logic:Workflow");
  assert.ok(wf, "a workflow was declared");
  return wf;
};
const parameterNames = (resources: RegisteredResource[]) =>
  Object.keys(workflowOf(resources).inputs.definition.parameters);

/** A project directory with `Pulumi.yaml` named `name` (the kit's config block) and the given stack files. */
function projectDir(name: string, stacks: Record<string, string>): string {
  const dir = tempDir("leadkit-project");
  const kitProject = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), kitProject.replace(/^name: leadkit$/m, `name: ${name}`));
  for (const [stack, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
  return dir;
}

describe("Pulumi config as Pulumi passes it", function () {
  this.timeout(30000);
  const saved = process.env.PULUMI_CONFIG;
  // These projects' stack files are the user's own, next to their Pulumi.yaml: read as `pulumi up` reads them.
  const examplesOnly = process.env[EXAMPLES_ONLY_ENV];
  before(() => delete process.env[EXAMPLES_ONLY_ENV]);
  after(() => (process.env[EXAMPLES_ONLY_ENV] = examplesOnly));
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_CONFIG;
    else process.env.PULUMI_CONFIG = saved;
  });

  describe("a renamed project (pulumi new renames it)", () => {
    const settings = (ns: string) => ({
      [`${ns}:targets`]: "webhook",
      [`${ns}:webhookUrl`]: WEBHOOK.webhookUrl,
      [`${ns}:webhookSecret`]: WEBHOOK.webhookSecret,
    });

    // pulumi up of the renamed project, and of the same settings under leadkit: once, for the tests that read them.
    let renamed: RegisteredResource[];
    let original: RegisteredResource[];
    before(async () => {
      renamed = await deploy(settings("contoso-leads"), "contoso-leads");
      original = await deploy(settings("leadkit"), "leadkit");
    });

    it("pulumi up reads the settings under the project's own name, not leadkit", () => {
      assert.ok(parameterNames(renamed).includes("webhookUrl"), parameterNames(renamed).join(", "));
      assert.deepStrictEqual(workflowOf(renamed).inputs.definition, workflowOf(original).inputs.definition);
    });

    it("pulumi up names the renamed project in error messages", async () => {
      await assert.rejects(deploy({ "contoso-leads:targets": "pipedrive" }, "contoso-leads"), (err: Error) => {
        assert.match(err.message, /contoso-leads:targets: "pipedrive" is not a CRM target\./);
        return true;
      });
    });

    it("offline, the loader reads `name:` of Pulumi.yaml and renders what pulumi up deploys", () => {
      const dir = projectDir("contoso-leads", {
        dev: `config:\n  contoso-leads:targets: webhook\n  contoso-leads:webhookUrl: ${WEBHOOK.webhookUrl}\n`,
      });
      assert.strictEqual(projectName(dir), "contoso-leads");
      const stack = loadStack("dev", dir);
      assert.deepStrictEqual(stack.config.targets, ["webhook"]);
      assert.deepStrictEqual(stack.definition, workflowOf(renamed).inputs.definition);
    });

    it("offline, keys under another project's name are unknown to this one", () => {
      const dir = projectDir("contoso-leads", { dev: "config:\n  leadkit:targets: webhook\n" });
      assert.deepStrictEqual(loadStack("dev", dir).config.targets, []);
    });
  });

  describe("lists: comma text; the JSON text of a list reads the same", () => {
    it("pulumi up reads the JSON text of a list (PULUMI_CONFIG, ESC) as it reads comma text", async () => {
      const base = { "leadkit:webhookUrl": WEBHOOK.webhookUrl, "leadkit:webhookSecret": WEBHOOK.webhookSecret };
      const asJson = await deploy({
        ...base,
        "leadkit:targets": '["webhook"]',
        "leadkit:alertEmails": '["a@contoso.com"]',
      });
      const asText = await deploy({ ...base, "leadkit:targets": "webhook", "leadkit:alertEmails": "a@contoso.com" });
      assert.deepStrictEqual(workflowOf(asJson).inputs.definition, workflowOf(asText).inputs.definition);
      const alerts = (rs: RegisteredResource[]) => rs.filter((r) => r.type === "azure-native:monitor:ActionGroup");
      assert.deepStrictEqual(
        alerts(asJson).map((r) => r.inputs),
        alerts(asText).map((r) => r.inputs),
      );
      assert.strictEqual(alerts(asJson).length, 1);
    });

    it("a YAML list in a stack file is refused offline as pulumi up refuses it (the keys are declared strings)", () => {
      const dir = projectDir("leadkit", {
        dev:
          "config:\n  leadkit:targets:\n    - webhook\n    - email\n  leadkit:offerRoutes:\n    a.b: [webhook]\n" +
          `  leadkit:webhookUrl: ${WEBHOOK.webhookUrl}\n  leadkit:webhookSecret:\n    secure: v1:abc\n`,
      });
      assert.throws(() => loadStack("dev", dir), {
        message:
          "Stack 'dev' with configuration key 'targets' must be of type 'string'. Fix: write it as comma text: " +
          "leadkit:targets: webhook,email\n" +
          "Stack 'dev' with configuration key 'offerRoutes' must be of type 'string'. Fix: write it as one quoted " +
          `JSON text: leadkit:offerRoutes: '{"a.b":["webhook"]}'\n` +
          "(pulumi up refuses these the same way: Pulumi.yaml declares their types.)",
      });
      // The declarations it follows: Pulumi.yaml's, as the CLI reads them.
      const declared = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).config;
      assert.deepStrictEqual([declared.targets.type, declared.offerRoutes.type], ["string", "string"]);
    });

    it("a webhookUrl set with --secret renders offline (its example stands in); a secret that shapes the workflow is refused", () => {
      const stack = (extra: string) =>
        "config:\n  leadkit:targets: webhook\n  leadkit:webhookUrl:\n    secure: v1:abc\n" +
        `  leadkit:webhookSecret:\n    secure: v1:def\n${extra}`;
      const dir = projectDir("leadkit", {
        dev: stack(""),
        prod: stack("  leadkit:archiveTableName:\n    secure: v1:x\n"),
        ops: stack("  leadkit:alertEmails:\n    secure: v1:y\n"),
        purge: stack("  leadkit:archiveRetentionDays:\n    secure: v1:z\n"),
      });
      const dev = loadStack("dev", dir);
      assert.deepStrictEqual(
        [dev.config.webhook, dev.parameterNames.includes("webhookUrl")],
        [{ url: "https://hooks.contoso.com/leads", secretHeader: "X-Lead-Secret" }, true],
      );
      assert.throws(() => loadStack("prod", dir), {
        message: `Stack 'prod': ${HELD_SHAPING_SECRET}`,
      });
      // Outside the definition, and no local command reads it: its example stands in (an ESC environment may hold
      // a whole app registration as secrets).
      assert.deepStrictEqual(loadStack("ops", dir).config.alertEmails, ["ops@contoso.com"]);
      // npm run purge reads archiveRetentionDays offline: no example may stand in for the stack's days.
      assert.throws(() => loadStack("purge", dir), {
        message:
          "Stack 'purge': archiveRetentionDays is set as a secret, which npm run purge reads from the stack file, and " +
          "npm run render, npm start and the local commands load it too: they do not decrypt secrets. " +
          "Fix: pulumi config set archiveRetentionDays '<value>' (without --secret)",
      });
    });

    it("pulumi up refuses the same secret: it would store the value in plain text in the workflow definition", async () => {
      const config = {
        "leadkit:targets": "webhook",
        "leadkit:webhookUrl": "https://hooks.contoso.com/leads",
        "leadkit:webhookSecret": WEBHOOK.webhookSecret,
        "leadkit:archiveTableName": "SecretArchive",
      };
      await assert.rejects(deploy(config, "leadkit", [":webhookSecret", ":archiveTableName"]), (e: Error) => {
        assert.strictEqual(e.message, `Invalid stack configuration (1 problem):\n  - leadkit:${HELD_SHAPING_SECRET}`);
        return true;
      });
      // A parameter's value, or a setting outside the definition (an ESC environment may hold a whole app
      // registration as secrets), deploys held as a secret.
      const dataverse = {
        "leadkit:targets": "dataverse",
        "leadkit:dataverseUrl": "https://contoso.crm4.dynamics.com",
        "leadkit:dataverseTenantId": "11111111-2222-3333-4444-555555555555",
        "leadkit:dataverseClientId": "66666666-7777-8888-9999-000000000000",
        "leadkit:dataverseClientSecret": "dv-secret",
        "leadkit:alertEmails": "ops@contoso.com",
      };
      const held = [":dataverseClientSecret", ":dataverseTenantId", ":dataverseClientId", ":alertEmails"];
      const warnings: string[] = [];
      const warn = pulumi.log.warn;
      pulumi.log.warn = async (message: string) => void warnings.push(message);
      try {
        const deployed = await deploy(dataverse, "leadkit", held);
        assert.ok(deployed.some((r) => r.type === "azure-native:web:Connection"));
      } finally {
        pulumi.log.warn = warn;
      }
      // ... with a warning each: the kit reads it as plain config, so the state may hold it unencrypted.
      assert.deepStrictEqual(warnings, [
        "leadkit:dataverseTenantId is held as a secret, but the kit passes it to its resources as a plain value: the " +
          "state may hold it unencrypted. It is not part of the workflow definition; set it without --secret to silence this.",
        "leadkit:dataverseClientId is held as a secret, but the kit passes it to its resources as a plain value: the " +
          "state may hold it unencrypted. It is not part of the workflow definition; set it without --secret to silence this.",
        "leadkit:alertEmails is held as a secret, but the kit passes it to its resources as a plain value: the " +
          "state may hold it unencrypted. It is not part of the workflow definition; set it without --secret to silence this.",
      ]);
      const resources = await deploy({ ...config, "leadkit:archiveTableName": "LeadArchive" }, "leadkit", [
        ":webhookSecret",
        ":webhookUrl",
      ]);
      assert.ok(parameterNames(resources).includes("webhookUrl"));
    });

    it("pulumi up never prints a value the stack holds as a secret, not even a wrong one", async () => {
      const config = { "leadkit:targets": "webhook", "leadkit:webhookSecret": WEBHOOK.webhookSecret };
      const url = { "leadkit:webhookUrl": "http://hooks.contoso.com/leads?token=abc" };
      const failure = (secret: string[]) =>
        deploy({ ...config, ...url }, "leadkit", secret).then(
          () => assert.fail("deployed"),
          (e: Error) => e.message,
        );
      const masked = await failure([":webhookSecret", ":webhookUrl"]);
      assert.ok(
        masked.includes(
          "webhookUrl: the secret value is not valid: must be an https URL. " +
            "Fix: pulumi config set --secret webhookUrl https://hooks.contoso.com/leads",
        ),
        masked,
      );
      assert.ok(!masked.includes("token=abc"), masked);
      const plain = await failure([":webhookSecret"]);
      assert.ok(plain.includes('webhookUrl: "http://hooks.contoso.com/leads?token=abc" is not valid'), plain);
    });

    it("JSON that is not a list of strings is refused with the field, the value and the fix", () => {
      const dir = projectDir("leadkit", { dev: "config:\n  leadkit:targets: '[\"webhook\"'\n" });
      assert.throws(() => loadStack("dev", dir), {
        message:
          "Invalid stack configuration (1 problem):\n" +
          '  - leadkit:targets: "[\\"webhook\\"" is not valid: must be a comma-separated list (or a YAML list) of: ' +
          "dataverse, salesforce, hubspot, email, webhook, azureTable, teams. Fix: pulumi config set targets dataverse,email",
      });
    });
  });

  describe("location", () => {
    const locations = (rs: RegisteredResource[]) =>
      [...new Set(rs.map((r) => r.inputs.location).filter((l) => l !== undefined && l !== "global"))].sort(); // alerts are global

    it("pulumi up honours azure-native:location when the kit's own location is unset", async () => {
      assert.deepStrictEqual(locations(await deploy({ "azure-native:location": "northeurope" })), ["northeurope"]);
    });

    it("the kit's own location wins over azure-native:location; neither set: westeurope", async () => {
      const both = await deploy({ "azure-native:location": "northeurope", "leadkit:location": "swedencentral" });
      assert.deepStrictEqual(locations(both), ["swedencentral"]);
      assert.deepStrictEqual(locations(await deploy({})), ["westeurope"]);
    });

    it("offline, azure-native:location of the stack file is honoured too", () => {
      const dir = projectDir("leadkit", { dev: "config:\n  azure-native:location: northeurope\n" });
      assert.strictEqual(loadStack("dev", dir).config.location, "northeurope");
    });
  });

  describe("stacks configured from a Pulumi ESC environment", () => {
    const escStack = "environment:\n  - leads/dev\n";
    const configJson = JSON.stringify({
      "azure-native:location": { value: "northeurope", secret: false },
      "leadkit:targets": { value: "webhook", secret: false },
      "leadkit:webhookUrl": { value: WEBHOOK.webhookUrl, secret: false },
      "leadkit:webhookSecret": { secret: true },
    });

    it("are refused offline with a message that says how, never rendered archive-only", () => {
      const dir = projectDir("leadkit", { dev: escStack });
      assert.throws(() => loadStack("dev", dir), {
        message:
          'Stack "dev" takes its config from the Pulumi ESC environment ["leads/dev"] (environment: in Pulumi.dev.yaml), ' +
          'which cannot be read offline; rendering it from the stack file alone would show a workflow "pulumi up" does ' +
          "not deploy. Fix: pulumi config --json --open --stack dev > dev.config.json, then npm run render -- --stack dev " +
          "--env-file dev.config.json (or set PULUMI_CONFIG to that JSON for npm start).",
      });
    });

    it("render from `pulumi config --json --open` output (secrets elided) as pulumi up deploys them", async () => {
      const dir = projectDir("leadkit", { dev: escStack });
      const offline = loadStack("dev", dir, { config: resolvedConfig(configJson, "dev.config.json") });
      assert.deepStrictEqual([offline.config.targets, offline.config.location], [["webhook"], "northeurope"]);
      const deployed = await deploy({
        "azure-native:location": "northeurope",
        "leadkit:targets": "webhook",
        "leadkit:webhookUrl": WEBHOOK.webhookUrl,
        "leadkit:webhookSecret": WEBHOOK.webhookSecret,
      });
      assert.deepStrictEqual(offline.definition, workflowOf(deployed).inputs.definition);
    });

    it("render from PULUMI_CONFIG (flat map, as the CLI hands the program) when it is set", () => {
      const dir = projectDir("leadkit", { dev: escStack });
      process.env.PULUMI_CONFIG = JSON.stringify({
        "leadkit:targets": '["webhook"]',
        "leadkit:webhookUrl": WEBHOOK.webhookUrl,
      });
      assert.deepStrictEqual(loadStack("dev", dir).config.targets, ["webhook"]);
    });

    it("an unreadable config file is refused with the file name and the fix", () => {
      assert.throws(() => resolvedConfig("[1]", "dev.config.json"), {
        message: "dev.config.json: must be a JSON object of config keys. Fix: pulumi config --json --open > <file>",
      });
    });
  });
});

describe("Pulumi.yaml template (pulumi new <repo-url>)", () => {
  const project = () =>
    parseYaml(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
      template: { config: Record<string, { secret?: boolean; description: string }> };
    };

  it("prompts for the location, the targets and the secrets, secrets marked secret", () => {
    const prompts = project().template.config;
    assert.deepStrictEqual(Object.keys(prompts), [
      "azure-native:location",
      "targets",
      "webhookUrl",
      "webhookSecret",
      "dataverseClientSecret",
    ]);
    const secrets = Object.entries(prompts)
      .filter(([, p]) => p.secret === true)
      .map(([k]) => k);
    assert.deepStrictEqual(secrets, ["webhookUrl", "webhookSecret", "dataverseClientSecret"]);
  });
});

describe("stack files: the examples and yours", () => {
  it("the examples sit in examples/, where pulumi stack init never adopts them; your own stack file wins", () => {
    assert.deepStrictEqual(
      fs.readdirSync(path.join(__dirname, "..", "..", "examples")).filter((f) => /^Pulumi\..+\.yaml$/.test(f)),
      ["Pulumi.dev.yaml", "Pulumi.notices.yaml", "Pulumi.prod.yaml"],
    );
    // A project where the README's deploy steps made a Pulumi.dev.yaml and a Pulumi.staging.yaml of its own.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-own-stack-"));
    fs.mkdirSync(path.join(dir, "examples"));
    for (const file of [
      "Pulumi.dev.yaml",
      "Pulumi.staging.yaml",
      "examples/Pulumi.dev.yaml",
      "examples/Pulumi.prod.yaml",
    ])
      fs.writeFileSync(path.join(dir, file), "config: {}\n");
    try {
      // As `pulumi up`, `npm start` and `npm run render` see them: yours first.
      assert.deepStrictEqual(
        asRendered(() => [listStacks(dir), stackFilePath("dev", dir)]),
        [["dev", "prod", "staging"], path.join(dir, "Pulumi.dev.yaml")],
      );
      // As the tests see them: the examples alone (.mocharc.js sets it, for the workers and the CLIs they start).
      assert.strictEqual(process.env[EXAMPLES_ONLY_ENV], "1");
      assert.deepStrictEqual(listStacks(dir), ["dev", "prod"]);
      assert.strictEqual(stackFilePath("dev", dir), path.join(dir, "examples", "Pulumi.dev.yaml"));
      assert.throws(() => stackFilePath("staging", dir), {
        message:
          'Stack "staging" has no file Pulumi.staging.yaml (looked in the project and examples/). Known stacks: dev, prod.',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepStrictEqual(listStacks(), ["dev", "notices", "prod"]);
  });
});
