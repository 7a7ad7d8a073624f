/** The README's tables are generated from the code; they must match it (`npm run docs` fixes drift). */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { OUTPUT_DOCS, programExports, README, renderReadme } from "../scripts/docs";
import { configText, listStacks } from "../program/stacks";
import { stackFilePath } from "../program/stackFiles";
import { installMocks } from "./support/pulumiMocks";
import { tempDir } from "./support/tempDirs";

describe("README", () => {
  const text = fs.readFileSync(README, "utf8");

  it("has configuration and outputs tables matching the code (run `npm run docs` after a change)", () => {
    assert.strictEqual(text, renderReadme(text));
  });

  it("documents exactly the outputs index.ts exports", () => {
    assert.deepStrictEqual(programExports().sort(), Object.keys(OUTPUT_DOCS).sort());
  });

  it("gives the two set-up commands and the Azure path", () => {
    for (const line of [
      "npm ci && npm start",
      "npm test",
      // CI selects <PULUMI_ORG>/<stack>; a bare `pulumi stack init dev` lands in the user's default organization.
      "pulumi stack init <pulumi-org>/dev",
      "pulumi stack init <pulumi-org>/prod",
      "pulumi config set --secret dataverseClientSecret <client-secret>",
      "pulumi up",
      "pulumi stack output leadEndpointUrl --show-secrets",
    ]) {
      assert.ok(text.includes(line), line);
    }
    assert.ok(!/pulumi stack init (dev|prod)\b/.test(text), "a stack created outside CI's organization");
  });

  it("puts no secret on a command line: the signed URL comes from the stack's outputs or LEADKIT_CALLBACK_URL", () => {
    for (const flag of ["--url", "--connection-string", "sig="]) assert.ok(!text.includes(flag), flag);
    assert.ok(text.includes("npm run replay -- --stack dev"));
    assert.ok(text.includes("LEADKIT_CALLBACK_URL=<signed URL> npm run replay -- --account <storage account>"));
  });

  it("walks through a dead letter with a new lead (a resent sample is a duplicate), as operatorDay.spec runs it", () => {
    for (const line of [
      "npm run standin -- dataverse down",
      'sed "s/someone@/demo-$(date +%s)@/" samples/full-lead.json > /tmp/new-lead.json',
      "npm run send -- --sample /tmp/new-lead.json",
      "npm run standin -- dataverse up",
      "npm run replay -- --local",
      "npm run leads",
    ])
      assert.ok(text.includes(line), line);
  });
});

describe("README Features table", () => {
  const text = fs.readFileSync("README.md", "utf8");
  const table = /## Features\n[\s\S]*?\n\n(\|[\s\S]*?)\n\n/.exec(text)?.[1] ?? "";
  const rows = table.split("\n").slice(2);

  it("has a row per feature, each naming the tests that hold it", () => {
    assert.ok(rows.length >= 10, `${rows.length} rows`);
    for (const row of rows) assert.match(row.split("|")[4] ?? "", /`[^`]+\.spec\.ts`/, row);
  });

  it("names only spec files that exist", () => {
    const named = rows.flatMap((row) =>
      [...(row.split("|")[4] ?? "").matchAll(/`([^`]+\.spec\.ts)`/g)].map((m) => m[1]),
    );
    assert.deepStrictEqual(
      named.filter((file) => !fs.existsSync(file)),
      [],
    );
  });
});

describe("README Reliability table", () => {
  const text = fs.readFileSync("README.md", "utf8");
  const table = /## Reliability\n[\s\S]*?\n\n(\|[\s\S]*?)\n\n/.exec(text)?.[1] ?? "";
  const rows = table.split("\n").slice(2);
  /** Each spec file of a row's "Proved by" cell with the quoted test titles (or parts of one) after it. */
  const proofs = (cell: string) =>
    [...cell.matchAll(/`([^`]+\.spec\.ts)`((?:[^`])*)/g)].map((m) => ({
      file: m[1],
      titles: [...m[2].matchAll(/"([^"]+)"/g)].map((t) => t[1]),
    }));

  it("names, for every promise, spec files that exist and test titles that are in them", () => {
    assert.ok(rows.length >= 10, `${rows.length} rows`);
    const missing = rows.flatMap((row) => {
      const named = proofs(row.split("|")[3] ?? "");
      if (named.length === 0) return [`no spec file: ${row.slice(0, 60)}`];
      return named.flatMap(({ file, titles }) => {
        if (!fs.existsSync(file)) return [`${file} does not exist`];
        const source = fs.readFileSync(file, "utf8");
        // "429 ... 400" quotes two parts of one title.
        const parts = titles.flatMap((t) => t.split(" ... "));
        return parts.filter((part) => !source.includes(part)).map((part) => `${file} has no "${part}"`);
      });
    });
    assert.deepStrictEqual(missing, []);
  });
});

/**
 * Resource provider namespace of each azure-native module the kit registers; null = registered in every
 * subscription (Microsoft.Authorization, Microsoft.Resources: "resource-providers-and-types#register-resource-provider").
 */
const PROVIDER_NAMESPACE: Record<string, string | null> = {
  authorization: null,
  resources: null,
  managedidentity: "Microsoft.ManagedIdentity",
  monitor: "Microsoft.Insights",
  applicationinsights: "Microsoft.Insights",
  operationalinsights: "Microsoft.OperationalInsights",
  web: "Microsoft.Web",
  logic: "Microsoft.Logic",
  storage: "Microsoft.Storage",
};

/** The azure-native modules (`azure-native:<module>:<Type>`) a stack's program registers under mocks. */
async function registeredModules(stack: string): Promise<string[]> {
  const yaml = parse(fs.readFileSync(stackFilePath(stack), "utf8")) as { config: Record<string, unknown> };
  const config = Object.fromEntries(Object.entries(yaml.config).map(([k, v]) => [k, configText(v)]));
  // Every secret a target may need, so that no stack stops on a missing one.
  const secrets: Record<string, string> = {
    "leadkit:dataverseClientSecret": "dv-secret-0123456789",
    "leadkit:webhookSecret": "wh-secret-0123456789abcdef",
    "leadkit:hubspotToken": "pat-na1-00000000-0000-0000-0000-000000000000",
    "leadkit:teamsWebhookUrl": "https://prod-00.westeurope.logic.azure.com/workflows/0/triggers/manual/paths/invoke",
  };
  const { resources } = installMocks({ ...config, ...secrets }, Object.keys(secrets));
  delete require.cache[require.resolve("../index")];
  await import("../index");
  // Registrations are asynchronous: wait until they stop.
  for (let seen = -1; seen !== resources.length;) {
    seen = resources.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  return resources.map((r) => /^azure-native:([^:]+):/.exec(r.type)?.[1]).filter((m): m is string => !!m);
}

describe("README First deploy", function () {
  this.timeout(60000);
  const text = fs.readFileSync("README.md", "utf8");

  it("registers the resource provider of every resource an example stack creates (else 409 MissingSubscriptionRegistration)", async () => {
    const loop = /^for ns in ([^;]+); do$/m.exec(text)?.[1].split(/\s+/) ?? [];
    const modules = new Set<string>();
    for (const stack of listStacks()) for (const m of await registeredModules(stack)) modules.add(m);
    assert.ok(modules.has("managedidentity"), "every stack creates the workflow's user-assigned identity");
    assert.deepStrictEqual(
      [...modules].filter((m) => !(m in PROVIDER_NAMESPACE)),
      [],
      "a new azure-native module: add its provider namespace to PROVIDER_NAMESPACE",
    );
    const needed = [...new Set([...modules].map((m) => PROVIDER_NAMESPACE[m]).filter((ns) => ns !== null))];
    assert.deepStrictEqual(
      needed.filter((ns) => !loop.includes(ns!)),
      [],
    );
  });
});

/**
 * The CI set-up script of "Pull requests and CI", run with `az` and `gh` stubbed: the federated credentials,
 * GitHub environments and Pulumi policy subjects it would create, read from the stubs' log.
 */
describe("README CI set-up script", () => {
  const text = fs.readFileSync("README.md", "utf8");
  const section = text.slice(
    text.indexOf("## Pull requests and CI"),
    text.indexOf("\n## ", text.indexOf("## Pull requests and CI") + 1),
  );
  const script = /```bash\n([\s\S]*?identity\(\)[\s\S]*?)```/.exec(section)?.[1] ?? "";
  const [OWNER_ID, REPO_ID] = ["5544123", "821093847"];
  const STUBS = `
log() { printf '%s\\n' "$*" >> "$STUB_LOG"; }
az() { log "az $*"; case "$*" in "ad app create --display-name "*) echo "app-$5" ;; "ad sp create --id "*) echo "sp-$5" ;; "account show"*) echo tenant-0 ;; esac; }
gh() { log "gh $*"; case "$*" in "api repos/octo/kit "*) echo "${OWNER_ID} ${REPO_ID}" ;; esac; }
`;
  const run = (stubs = STUBS, succeeds = true) => {
    const dir = tempDir("ci-setup");
    const body = script
      .replaceAll("<subscription-id>", "sub-0")
      .replaceAll("<owner>/<repo>", "octo/kit")
      .replaceAll("<pulumi-org>", "acme");
    const r = spawnSync("bash", ["-c", stubs + body], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, STUB_LOG: path.join(dir, "log") },
    });
    assert.strictEqual(r.status === 0, succeeds, r.stdout + r.stderr);
    const log = fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8").split("\n") : [];
    return { out: r.stdout, log };
  };
  const workflowEnvironments = (file: string) =>
    Object.values(
      parse(fs.readFileSync(`.github/workflows/${file}`, "utf8")).jobs as Record<string, { environment?: string }>,
    )
      .map((job) => job.environment)
      .filter((env): env is string => !!env);

  // The script as documented, with the default stubs: run once, its output and log read by the tests below.
  let standard: { out: string; log: string[] };
  before(() => {
    standard = run();
  });

  it("stops before creating anything when gh cannot read the repository's ids (signed out, a wrong name)", () => {
    const { log } = run(`${STUBS}\ngh() { log "gh $*"; return 1; }\n`, false);
    assert.deepStrictEqual(
      log.filter((l) => l.startsWith("az ")),
      [],
      "no app registration with a subject of empty ids",
    );
  });

  it("trusts both subject forms of every identity: name-only, and with the immutable owner and repository ids", () => {
    assert.ok(script, "no set-up script");
    const { log } = standard;
    const subjects: Record<string, string[]> = {};
    for (const line of log.filter((l) => l.startsWith("az ad app federated-credential create"))) {
      const app = /--id (\S+)/.exec(line)![1];
      const params = JSON.parse(line.slice(line.indexOf("{")));
      (subjects[app] ??= []).push(params.subject);
    }
    const contexts: Record<string, string[]> = {
      "app-leadkit-preview": ["pull_request"],
      "app-leadkit-deploy": workflowEnvironments("deploy.yml").map((e) => `environment:${e}`),
      "app-leadkit-e2e": workflowEnvironments("e2e.yml").map((e) => `environment:${e}`),
    };
    const expected = Object.fromEntries(
      Object.entries(contexts).map(([app, list]) => [
        app,
        list.flatMap((c) => [`repo:octo/kit:${c}`, `repo:octo@${OWNER_ID}/kit@${REPO_ID}:${c}`]).sort(),
      ]),
    );
    for (const list of Object.values(subjects)) list.sort();
    assert.deepStrictEqual(subjects, expected);
    // Entra: at most 20 federated identity credentials per application.
    for (const list of Object.values(subjects)) assert.ok(list.length <= 20);
  });

  it("creates every environment the workflows name with a deployment branch policy: main only", () => {
    const { log } = standard;
    const envs = [...new Set(["deploy.yml", "e2e.yml", "pull-request.yml"].flatMap(workflowEnvironments))].sort();
    assert.deepStrictEqual(envs, ["dev", "e2e", "production"]);
    for (const env of envs) {
      const put = log.findIndex(
        (l) =>
          l.startsWith(`gh api --method PUT repos/octo/kit/environments/${env} `) &&
          l.includes("-F deployment_branch_policy[protected_branches]=false") &&
          l.includes("-F deployment_branch_policy[custom_branch_policies]=true"),
      );
      const policy = log.findIndex(
        (l) => l === `gh api --method POST repos/octo/kit/environments/${env}/deployment-branch-policies -f name=main`,
      );
      assert.ok(put >= 0 && policy > put, `${env}: ${JSON.stringify(log.filter((l) => l.startsWith("gh api")))}`);
    }
  });

  it("prints the Pulumi OIDC policy subjects in both forms, and those allowed the admin scope (e2e only)", () => {
    const { out } = standard;
    const immutable = `octo@${OWNER_ID}/kit@${REPO_ID}`;
    for (const line of [
      "aud urn:pulumi:org:acme",
      `sub repo:octo/kit:*`,
      `sub repo:${immutable}:*`,
      `sub repo:octo/kit:environment:e2e (admin)`,
      `sub repo:${immutable}:environment:e2e (admin)`,
    ])
      assert.ok(
        out.split("\n").some((l) => l.trim().endsWith(line)),
        `${line}\n${out}`,
      );
  });
});
