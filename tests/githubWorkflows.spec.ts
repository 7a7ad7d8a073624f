/** The GitHub workflows: valid per the workflow schema (action-validator, offline) and doing what the README says. */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { listStacks } from "../workflow/stacks";

const VALIDATOR = path.join("node_modules", ".bin", "action-validator");
const validate = (file: string) => spawnSync(VALIDATOR, [file], { encoding: "utf8" });
const read = (name: string) => parse(fs.readFileSync(`.github/workflows/${name}`, "utf8"));

describe("GitHub workflows", function () {
  this.timeout(30000);

  for (const file of ["pull-request.yml", "deploy.yml"]) {
    it(`${file} passes action-validator`, () => {
      const result = validate(`.github/workflows/${file}`);
      assert.strictEqual(result.status, 0, result.stdout + result.stderr);
    });
  }

  it("action-validator does reject a broken workflow", () => {
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "broken.yml");
    fs.writeFileSync(broken, "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
    assert.notStrictEqual(validate(broken).status, 0);
  });

  it("pull requests run the README's test command and check the rendered definitions", () => {
    const steps = read("pull-request.yml")
      .jobs.test.steps.map((s: any) => s.run)
      .filter(Boolean);
    assert.ok(steps.includes("npm test"));
    assert.ok(steps.some((r: string) => r.includes("npm run render") && r.includes("git diff --exit-code rendered/")));
  });

  it("pull requests preview every stack with the policy pack, posting on the PR", () => {
    const preview = read("pull-request.yml").jobs.preview;
    assert.deepStrictEqual(preview.strategy.matrix.stack, listStacks());
    const step = preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
    assert.deepStrictEqual(
      [step.with.command, step.with.policyPacks, step.with["comment-on-pr"]],
      ["preview", "policy", true],
    );
    assert.strictEqual(preview.permissions["id-token"], "write");
  });

  it("merges deploy dev, then prod behind the production environment, one at a time", () => {
    const jobs = read("deploy.yml").jobs;
    assert.strictEqual(jobs.dev.environment, "dev");
    assert.deepStrictEqual([jobs.prod.needs, jobs.prod.environment], ["dev", "production"]);
    assert.deepStrictEqual([jobs.dev.concurrency.group, jobs.prod.concurrency.group], ["deploy-dev", "deploy-prod"]);
    for (const job of [jobs.dev, jobs.prod]) {
      assert.strictEqual(job.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@")).with.command, "up");
    }
  });

  it("uses OIDC (no stored Azure client secret) and never prints the endpoint URL", () => {
    for (const file of ["pull-request.yml", "deploy.yml"]) {
      const text = fs.readFileSync(`.github/workflows/${file}`, "utf8");
      assert.ok(text.includes('ARM_USE_OIDC: "true"'), file);
      assert.ok(!/CLIENT_SECRET|client-secret/i.test(text), file);
      assert.ok(!/leadEndpointUrl|--show-secrets/.test(text), file);
    }
    assert.strictEqual(read("deploy.yml").permissions["id-token"], "write");
  });
});
