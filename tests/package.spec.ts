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
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require("semver");

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

  it("the Node versions package.json admits run every package it installs, the README says them, the function's are Azure's", () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
    /** The packages of a lock file whose engines.node refuses a version `range` admits (npm only warns then). */
    const refusing = (lockFile: string, range: string) =>
      Object.entries(read(lockFile).packages as Record<string, { engines?: { node?: unknown } }>)
        .filter(([name, p]) => name !== "" && typeof p.engines?.node === "string")
        .filter(([, p]) => !semver.subset(range, p.engines!.node))
        .map(([name, p]) => `${name} (${p.engines!.node})`);
    const range: string = read("package.json").engines.node;
    assert.deepStrictEqual(
      refusing("package-lock.json", range),
      [],
      `engines.node "${range}" admits versions these refuse`,
    );
    // Node 20 ended on 30 April 2026; it stays admitted for local runs (the machine the kit is tested on).
    assert.ok(semver.satisfies(process.version, range), `${process.version} runs the tests`);
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    assert.ok(
      readme.includes(`(\`${range}\`: what the kit's tools accept)`),
      "the README's quick start names the range",
    );
    // The function app's package declares the runtime `pulumi up` deploys it on (components/leadFunctionApp.ts).
    const component = fs.readFileSync(path.join(ROOT, "components", "leadFunctionApp.ts"), "utf8");
    const runtime = /runtime: \{ name: web\.RuntimeName\.Node, version: "(\d+)" \}/.exec(component)?.[1];
    const fnRange: string = read("function-code/package.json").engines.node;
    assert.strictEqual(fnRange, `>=${runtime}`);
    assert.deepStrictEqual(refusing("function-code/package-lock.json", fnRange), []);
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
