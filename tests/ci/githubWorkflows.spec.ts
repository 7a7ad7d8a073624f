/** The GitHub workflows: valid per the workflow schema (action-validator, offline) and doing what the README says. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { listStacks, LOCAL_DEMO_STACKS } from "../../program/stacks";
import { tempDir } from "../support/tempDirs";

const DIR = path.join(".github", "workflows");
const FILES = ["pull-request.yml", "deploy.yml", "e2e.yml", "wdl-differential.yml"];
/**
 * action-validator's errors for a workflow file ([] when valid): its schema checks, as its CLI makes them, without
 * a node start and a WebAssembly compile for each file. Not the CLI's check that `paths`/`paths-ignore` globs
 * match files (the Node API has none): no workflow here filters on paths.
 */
const validate = (file: string) => validateWorkflow(fs.readFileSync(file, "utf8")).errors;
const text = (name: string) => fs.readFileSync(path.join(DIR, name), "utf8");
const read = (name: string) => parse(text(name));

type Step = { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; id?: string };
type Job = { steps?: Step[]; permissions?: Record<string, string>; environment?: string; if?: string; env?: object };
const jobs = (name: string): Record<string, Job> => read(name).jobs;
const steps = (name: string): Step[] => Object.values(jobs(name)).flatMap((job) => job.steps ?? []);
const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? "");

describe("GitHub workflows", function () {
  this.timeout(30000);

  it("the workflow directory holds exactly the workflows tested here", () => {
    assert.deepStrictEqual(fs.readdirSync(DIR).sort(), [...FILES].sort());
  });

  for (const file of FILES) {
    it(`${file} passes action-validator`, () => {
      assert.deepStrictEqual(validate(path.join(DIR, file)), []);
    });
  }

  it("action-validator does reject a broken workflow", () => {
    const broken = path.join(tempDir("wf"), "broken.yml");
    fs.writeFileSync(broken, "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
    assert.match(JSON.stringify(validate(broken)), /Additional property 'stepz' is not allowed/);
  });

  it("pins every third-party action by full commit SHA, with its release tag in a comment", () => {
    const pinned = new Map<string, string>();
    for (const file of FILES) {
      for (const line of text(file)
        .split("\n")
        .filter((l) => /^\s*(-\s*)?uses:/.test(l))) {
        const match = /uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$/.exec(line);
        assert.ok(match, `${file}: "${line.trim()}" is not pinned as owner/repo@<40-hex sha> # vX.Y.Z`);
        const [, action, sha] = match;
        // One action, one SHA across files: an update cannot half-happen.
        assert.strictEqual(pinned.get(action) ?? sha, sha, `${file}: ${action} pinned to two SHAs`);
        pinned.set(action, sha);
      }
    }
    assert.deepStrictEqual([...pinned.keys()].sort(), [
      "Azure/login",
      "actions/checkout",
      "actions/setup-node",
      "pulumi/actions",
      "pulumi/auth-actions",
    ]);
  });

  it("signs in to Pulumi Cloud with OIDC (pulumi/auth-actions v2.1.0) before any Pulumi step; no stored token; admin scope only to create and remove stacks", () => {
    // v2.1.0 of github.com/pulumi/auth-actions is commit 141415910c3beb54e03b48e9057c204c97b956f2 (its tag).
    const AUTH = "pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2";
    let pulumiJobs = 0;
    for (const file of FILES) {
      assert.ok(!/secrets\.PULUMI_ACCESS_TOKEN/.test(text(file)), `${file} reads a stored PULUMI_ACCESS_TOKEN`);
      for (const [name, job] of Object.entries(jobs(file))) {
        const all = job.steps ?? [];
        const firstPulumi = all.findIndex((s) => String(s.uses).startsWith("pulumi/actions@"));
        if (firstPulumi < 0) continue;
        pulumiJobs++;
        const auth = all.findIndex((s) => String(s.uses).startsWith(AUTH));
        assert.ok(auth >= 0 && auth < firstPulumi, `${file} ${name}: no OIDC sign-in before the Pulumi step`);
        // An OIDC-issued token has no admin rights unless it asks for the admin scope, and creating or
        // deleting a stack needs them (pulumi.com/docs/administration/concepts/access-tokens/#oidc-issued-tokens):
        // only the job that runs `pulumi stack init` / `rm` asks, no pull request's job.
        const managesStacks = runs(job).some((r) => /^\s*pulumi stack (init|rm)\b/m.test(r)); // a command, not a hint
        assert.deepStrictEqual(all[auth].with, {
          organization: "${{ vars.PULUMI_ORG }}",
          "requested-token-type": "urn:pulumi:token-type:access_token:organization",
          ...(managesStacks ? { scope: "admin" } : {}),
        });
        assert.strictEqual(job.permissions?.["id-token"], "write", `${file} ${name}`);
      }
    }
    assert.strictEqual(pulumiJobs, 4, "deploy dev, deploy prod, preview, e2e");
    assert.strictEqual(
      FILES.filter((file) => /scope: admin/.test(text(file))).join(),
      "e2e.yml",
      "the admin scope is asked for in e2e.yml only",
    );
  });

  it("deploys and previews only stacks with their own stack file, never an example from examples/", () => {
    for (const [file, job] of [
      ["deploy.yml", "dev"],
      ["deploy.yml", "prod"],
      ["pull-request.yml", "preview"],
    ]) {
      const all = jobs(file)[job].steps ?? [];
      const guard = all.findIndex((s) => /test -f "Pulumi\.\$\{STACK_NAME\}\.yaml" \|\|/.test(s.run ?? ""));
      const firstPulumi = all.findIndex((s) => String(s.uses).startsWith("pulumi/actions@"));
      assert.ok(guard >= 0 && guard < firstPulumi, `${file} ${job}`);
      // The hint creates the stack where the job looks for it: <PULUMI_ORG>/<stack>, not the default organization.
      assert.match(
        all[guard].run ?? "",
        /::error title=no stack file::[^\n]*pulumi stack init \$\{PULUMI_ORG\}\/\$\{STACK_NAME\}[^\n]*\n\s*exit 1/,
      );
      assert.strictEqual(
        (all[guard] as Step & { env?: Record<string, string> }).env?.PULUMI_ORG,
        "${{ vars.PULUMI_ORG }}",
      );
    }
  });

  it("runs Node 22 in every job that sets up Node, and every job that runs npm sets up Node", () => {
    for (const file of FILES) {
      for (const [name, job] of Object.entries(jobs(file))) {
        const setups = (job.steps ?? []).filter((s) => String(s.uses).startsWith("actions/setup-node@"));
        for (const s of setups) assert.strictEqual(String(s.with?.["node-version"]), "22", `${file} ${name}`);
        if (runs(job).some((r) => /\bnpm\b/.test(r))) assert.strictEqual(setups.length, 1, `${file} ${name}`);
      }
    }
  });

  it("grants least privilege: nothing at workflow level, each job its own, id-token only where Azure is used", () => {
    for (const file of FILES) {
      assert.deepStrictEqual(read(file).permissions, {}, file);
      for (const [name, job] of Object.entries(jobs(file))) {
        assert.ok(job.permissions, `${file} ${name} declares no permissions`);
        const usesAzure = JSON.stringify(job.env ?? {}).includes("ARM_CLIENT_ID");
        assert.strictEqual(job.permissions["id-token"] === "write", usesAzure, `${file} ${name} id-token`);
        const writes = Object.entries(job.permissions).filter(([k, v]) => v === "write" && k !== "id-token");
        const expected = file === "pull-request.yml" && name === "preview" ? [["pull-requests", "write"]] : [];
        assert.deepStrictEqual(writes, expected, `${file} ${name} write scopes`);
      }
    }
  });

  it("pull requests run the README's test command and check the rendered definitions", () => {
    const commands = runs(jobs("pull-request.yml").test);
    assert.ok(commands.includes("npm test"));
    assert.ok(commands.some((r) => r.includes("npm run render") && r.includes("git diff --exit-code rendered/")));
  });

  it("pull requests preview every stack with the policy pack, posting on the PR", () => {
    const preview = read("pull-request.yml").jobs.preview;
    assert.deepStrictEqual(
      preview.strategy.matrix.stack,
      listStacks().filter((s) => !LOCAL_DEMO_STACKS.includes(s)),
    );
    const step = preview.steps.find((s: Step) => String(s.uses).startsWith("pulumi/actions@"));
    assert.deepStrictEqual(
      [step.with.command, step.with.policyPacks, step.with["comment-on-pr"]],
      ["preview", "policy", true],
    );
  });

  it("names stacks <org>/<stack>, never the project, which pulumi new renames", () => {
    for (const file of FILES) {
      const refs = text(file).match(/\$\{\{ vars\.PULUMI_ORG \}\}\/(\$\{\{ [^}]+\}\}|[^\s"']*)/g) ?? [];
      for (const ref of refs)
        assert.match(
          ref,
          /^\$\{\{ vars\.PULUMI_ORG \}\}\/(dev|prod|\$\{\{ matrix\.stack \}\}|e2e-)/,
          `${file}: ${ref}`,
        );
    }
    assert.ok(
      FILES.some((f) => text(f).includes("${{ vars.PULUMI_ORG }}/dev")),
      "the refs are found",
    );
  });

  it("previews use the read-only preview identity, never the deploy or e2e one, with the pull_request subject", () => {
    const preview = jobs("pull-request.yml").preview as Job & { env: Record<string, string> };
    assert.strictEqual(preview.env.ARM_CLIENT_ID, "${{ secrets.AZURE_PREVIEW_CLIENT_ID }}");
    assert.ok(!/AZURE_CLIENT_ID|AZURE_E2E_CLIENT_ID/.test(text("pull-request.yml")));
    // A job that names an environment gets the subject environment:<name>, not pull_request.
    assert.strictEqual(preview.environment, undefined);
  });

  it("previews and e2e skip with a notice when their secrets are not configured (forks, fresh clones)", () => {
    for (const [file, job, gated] of [
      ["pull-request.yml", "azure-access", "preview"],
      ["e2e.yml", "azure-access", "e2e"],
    ]) {
      const gate = jobs(file)[job];
      assert.ok(
        runs(gate).some((r) => r.includes("::notice") && r.includes("ready=false")),
        file,
      );
      assert.strictEqual(jobs(file)[gated].if, `needs.${job}.outputs.ready == 'true'`, file);
    }
  });

  it("merges deploy dev, then prod behind the production environment, one at a time, with the deploy identity", () => {
    const deploy = read("deploy.yml").jobs;
    assert.strictEqual(deploy.dev.environment, "dev");
    assert.deepStrictEqual([deploy.prod.needs, deploy.prod.environment], ["dev", "production"]);
    assert.deepStrictEqual(
      [deploy.dev.concurrency.group, deploy.prod.concurrency.group],
      ["deploy-dev", "deploy-prod"],
    );
    for (const job of [deploy.dev, deploy.prod]) {
      assert.strictEqual(job.steps.find((s: Step) => String(s.uses).startsWith("pulumi/actions@")).with.command, "up");
      assert.strictEqual(job.env.ARM_CLIENT_ID, "${{ secrets.AZURE_CLIENT_ID }}");
    }
  });

  it("uses OIDC (no stored Azure client secret) and never prints the endpoint URL", () => {
    for (const file of FILES) {
      // wdl-differential.yml runs Microsoft's runtime on the runner and touches no Azure account.
      if (file === "wdl-differential.yml") assert.ok(!/ARM_|azure\/login/i.test(text(file)), file);
      else assert.ok(text(file).includes('ARM_USE_OIDC: "true"'), file);
      assert.ok(!/CLIENT_SECRET|client-secret/i.test(text(file)), file);
      assert.ok(!/leadEndpointUrl|--show-secrets/.test(text(file)), file);
    }
  });
});

describe("GitHub e2e workflow", () => {
  const e2e = () => jobs("e2e.yml").e2e;
  const stepRunning = (pattern: RegExp) => steps("e2e.yml").find((s) => pattern.test(s.run ?? ""));

  it("runs on demand and weekly, never two at once, with the e2e identity in its own environment", () => {
    const doc = read("e2e.yml");
    assert.ok("workflow_dispatch" in doc.on);
    assert.match(doc.on.schedule[0].cron, /^\d+ \d+ \* \* [0-6]$/);
    assert.deepStrictEqual(doc.concurrency, { group: "e2e", "cancel-in-progress": false });
    assert.strictEqual(e2e().environment, "e2e");
    assert.strictEqual((e2e().env as Record<string, string>).ARM_CLIENT_ID, "${{ secrets.AZURE_E2E_CLIENT_ID }}");
  });

  it("creates a stack named per run and configures it with retries short enough to finish", () => {
    const env = e2e().env as Record<string, string>;
    assert.match(env.STACK, /\$\{\{ github\.run_id \}\}.*\$\{\{ github\.run_attempt \}\}/);
    const init = stepRunning(/pulumi stack init/);
    assert.ok(init?.id, "the stack init step has an id the cleanup step can test");
    const configure = stepRunning(/pulumi config set --stack "\$STACK" targets webhook/)?.run ?? "";
    assert.match(configure, /pulumi config set --stack "\$STACK" --secret webhookSecret/);
    assert.match(configure, /pulumi config set --stack "\$STACK" crmRetryCount \d\n/);
    // Unprotected: the always-run pulumi destroy must be able to remove the archive and the workflow.
    assert.match(configure, /pulumi config set --stack "\$STACK" protectLeads false\n/);
  });

  it("verifies the Validate test lead and a full lead, then reads their archive rows", () => {
    const order = (pattern: RegExp) => (e2e().steps ?? []).findIndex((s) => pattern.test(s.run ?? ""));
    const validate = order(/npm run verify -- --stack "\$STACK" --sample validate/);
    const full = order(/npm run verify -- --stack "\$STACK" --sample full/);
    const archive = order(/az storage entity query --auth-mode login/);
    assert.ok(validate > order(/pulumi up/) && full > validate && archive > full, `${validate} ${full} ${archive}`);
    // verify --json: the run id is read from its report (jq), not grepped from its log.
    assert.match(e2e().steps?.[validate].run ?? "", / --json \| tee validate\.json$/);
    assert.match(e2e().steps?.[full].run ?? "", / --json \| tee full\.json$/);
    const check = e2e().steps?.[archive].run ?? "";
    assert.ok(check.includes(`run_id="$(jq -r '.runId // empty' "$1")"`), check);
    assert.ok(check.includes("validate.json test"), check);
    assert.ok(check.includes('full.json "$FULL_LEAD_STATUS"'), check);
  });

  it("then runs the operator's replay on the stack as a dry run, which must find nothing owed", () => {
    const order = (pattern: RegExp) => (e2e().steps ?? []).findIndex((s) => pattern.test(s.run ?? ""));
    const replay = order(/npm run replay -- --stack "\$STACK" --dry-run/);
    assert.ok(replay > order(/az storage entity query --auth-mode login/), String(replay));
    assert.ok(replay < (e2e().steps ?? []).length - 1, "before the clean-up");
    assert.match(
      e2e().steps?.[replay].run ?? "",
      /\| tee replay\.log && grep -q '\^0 replayed, 0 repaired, 0 needs-review, 0 failed, 0 skipped, 0 deferred;' replay\.log$/,
    );
  });

  it("always destroys and removes the stack, as the last step, even after a failure or a cancel", () => {
    const all = e2e().steps ?? [];
    const cleanup = all[all.length - 1];
    const init = stepRunning(/pulumi stack init/);
    assert.strictEqual(cleanup.if, `always() && steps.${init?.id}.outcome == 'success'`);
    assert.match(cleanup.run ?? "", /pulumi destroy --yes[^\n]*--stack "\$STACK"/);
    assert.match(cleanup.run ?? "", /pulumi stack rm --yes --stack "\$STACK"/);
  });
});
