/**
 * LeadEndpoint as a package: the entry (package.json "exports") reads no stack config, an outside program
 * declares the component from it under mocks, and the committed multi-language schema is the one Pulumi's own
 * analyzer (componentProviderHost's, @pulumi/pulumi/provider/experimental) generates.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { installMocks, settle, valueOf } from "./support/pulumiMocks";

const ROOT = path.join(__dirname, "..");
const SCHEMA_FILE = path.join(ROOT, "lib", "schema.json");

describe("LeadEndpoint package", function () {
  this.timeout(120000);

  it("an outside program declares a LeadEndpoint from the package entry; no kit setting is read", async () => {
    // Kit settings that would stop index.ts: the package entry must not look at them.
    const recorded = installMocks(
      {
        "outside:hookUrl": "https://hooks.example.com/x",
        "outside:hookSecret": "s".repeat(24),
        "outside:targets": "hubspot",
      },
      ["outside:hookSecret"],
      "outside",
    );
    const program = (await import("./fixtures/outsideProgram")) as typeof import("./fixtures/outsideProgram");
    await settle(program.url, program.workflow);
    assert.strictEqual(await valueOf(program.workflow), "partner-leads-workflow");
    const wf = recorded.resources.find((r) => r.type === "azure-native:logic:Workflow");
    assert.strictEqual(wf?.inputs.location, "northeurope");
    assert.ok(Object.keys(wf?.inputs.definition.parameters).includes("webhookUrl"));
    const component = recorded.resources.filter((r) => r.type === "leadkit:index:LeadEndpoint");
    assert.deepStrictEqual(
      component.map((r) => r.name),
      ["partner-leads"],
    );
  });

  it("package.json exports the entry, PulumiPlugin.yaml runs the provider, Pulumi.yaml the program", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.deepStrictEqual([pkg.main, pkg.exports], ["lib/index.ts", { ".": "./lib/index.ts" }]);
    assert.deepStrictEqual(parse(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8")), {
      runtime: "nodejs",
      main: "lib/provider.ts",
    });
    assert.strictEqual(parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).main, "index.ts");
    assert.match(
      fs.readFileSync(path.join(ROOT, "lib", "provider.ts"), "utf8"),
      /componentProviderHost\(\{ components: \[LeadEndpoint\]/,
    );
  });

  it("the package entry exports every argument type of the component (HubspotArgs and TeamsArgs were missing)", () => {
    const declared = [
      ...fs
        .readFileSync(path.join(ROOT, "components", "leadEndpoint.ts"), "utf8")
        .matchAll(/^export interface (\w+Args) /gm),
    ].map((m) => m[1]);
    const entry = fs.readFileSync(path.join(ROOT, "lib", "index.ts"), "utf8");
    assert.ok(declared.length >= 9, declared.join(", "));
    assert.deepStrictEqual(
      declared.filter((name) => !new RegExp(`\\b${name}\\b`).test(entry)),
      [],
    );
  });

  // npm test's typecheck+eslint phase fails unless lib/schema.json is what Pulumi's analyzer generates from the
  // code (scripts/schema.ts, over the type check's program), so these read what the analyzer generated.
  describe("schema from Pulumi's analyzer (lib/schema.json, checked in the typecheck+eslint phase)", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));

    it("is checked by npm test's type check, and written by npm run docs:schema", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
      assert.strictEqual(pkg.scripts["docs:schema"], "node -r ./cli/register.js scripts/docsSchema.ts");
      const { CHECKS } = require("./support/run-tests.js"); // eslint-disable-line @typescript-eslint/no-require-imports
      const typecheck = CHECKS.find((c: { name: string }) => c.name === "typecheck+eslint");
      assert.deepStrictEqual(typecheck.args.slice(1, 3), ["--schema", "lib/schema.json"]);
    });

    it("types: location is the only required input; each target is a named object type", () => {
      const resource = schema.resources["leadkit:index:LeadEndpoint"];
      assert.deepStrictEqual(resource.requiredInputs, ["location"]);
      assert.deepStrictEqual(resource.inputProperties.webhook.$ref, "#/types/leadkit:index:WebhookArgs");
      assert.deepStrictEqual(schema.types["leadkit:index:DataverseArgs"].required, [
        "clientId",
        "clientSecret",
        "tenantId",
        "url",
      ]);
      assert.strictEqual(resource.properties.functionAppName.optional, true);
      assert.strictEqual(resource.properties.definition, undefined);
    });

    it("descriptions come from the doc comments; the analyzer of 3.248.0 emits no secret or default flags", () => {
      const resource = schema.resources["leadkit:index:LeadEndpoint"];
      assert.strictEqual(
        resource.properties.leadEndpointUrl.description,
        "The HTTPS endpoint URL to paste into Partner Center. Secret: it carries a SAS signature.",
      );
      const webhook = schema.types["leadkit:index:WebhookArgs"].properties;
      assert.strictEqual(webhook.secret.description, "Shared secret sent in `secretHeader`; pass a secret.");
      // So the secret-ness rests on the component (it wraps these in pulumi.secret) and on the callers.
      assert.ok(!JSON.stringify(schema).includes('"secret":true'));
      assert.ok(!JSON.stringify(schema).includes('"default":'));
    });
  });
});
