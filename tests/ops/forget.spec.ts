/**
 * Erasure against Azurite: leads sent through the stack's real workflow (archive rows and dedup claims
 * as the workflow writes them), then `forget` removes exactly one person's rows and claims.
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";
import { LocalEndpoint } from "../../local/endpoint";
import { stackFromSettings } from "../../program/stacks";
import { CRM_NOTICE, describeForget, forgetPerson } from "../../ops/forget";
import { runCli } from "../support/cli";
import { leadkitInProcess } from "../support/leadkitInProcess";
import { useAzurite } from "../support/azurite";

const ARCHIVE = "LeadArchiveForget";
const DEDUP = "LeadDedupForget";
const STACK = stackFromSettings("forget", {
  targets: "webhook",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: ARCHIVE,
  dedupTableName: DEDUP,
});

const lead = (email: string, offer: string, lastName = "Doe") => ({
  UserDetails: { Email: email, FirstName: "Jo", LastName: lastName },
  LeadSource: `AzureMarketplace|contoso.${offer}`,
  ActionCode: "INS",
  OfferTitle: offer,
});

describe("forget (Azurite)", function () {
  this.timeout(60000);
  let e: LocalEndpoint;
  let archive: TableClient;
  let dedup: TableClient;
  const keys = async (t: TableClient) => {
    const out: string[] = [];
    for await (const r of t.listEntities()) out.push(`${r.partitionKey}/${r.rowKey}`);
    return out.sort();
  };
  const tables = () => ({ archive, dedup, archiveTable: ARCHIVE, dedupTable: DEDUP });

  before(async () => {
    const azurite = await useAzurite();
    e = new LocalEndpoint({ stack: STACK, tablesConnectionString: azurite.connectionString, retryScale: 0 });
    archive = e.tables.table(ARCHIVE);
    dedup = e.tables.table(DEDUP);
  });

  beforeEach(async () => {
    for (const t of [archive, dedup]) await t.deleteTable().catch(() => undefined);
    await e.prepare();
    // The person: three offers, the address in three casings. Others: two leads.
    const sent = [
      lead("someone@example.com", "alpha"),
      lead("Someone@Example.com", "beta"),
      lead(" SOMEONE@EXAMPLE.COM", "gamma"),
      lead("someone.else@example.com", "alpha"),
      lead("another@example.com", "beta", "Someone"),
    ];
    for (const body of sent) await (await e.post({ method: "POST", headers: {}, body })).done;
  });

  it("removes exactly the person's archive rows and dedup claims, and leaves the others", async () => {
    const before = { archive: await keys(archive), dedup: await keys(dedup) };
    assert.deepStrictEqual([before.archive.length, before.dedup.length], [5, 5]);
    const report = await forgetPerson(tables(), "SomeOne@example.com", false);
    assert.deepStrictEqual([report.archiveRows.length, report.dedupClaims.length], [3, 3]);
    // Every claim removed is held by one of the removed rows, and nothing else is gone.
    assert.deepStrictEqual(report.dedupClaims, report.archiveRows);
    const after = { archive: await keys(archive), dedup: await keys(dedup) };
    assert.deepStrictEqual(
      after.archive,
      before.archive.filter((k) => !report.archiveRows.includes(k)),
    );
    assert.strictEqual(after.archive.length, 2);
    assert.strictEqual(after.dedup.length, 2);
    for await (const r of archive.listEntities())
      assert.doesNotMatch(String(r.LeadJson), /someone@example\.com/i, "a row of the person is left");
    // A second pass finds nothing.
    const again = await forgetPerson(tables(), "someone@example.com", false);
    assert.deepStrictEqual([again.archiveRows.length, again.dedupClaims.length], [0, 0]);
  });

  it("finds the person's claims by their key alone once the archive rows are gone (retention shorter than the dedup window)", async () => {
    const { archiveRows } = await forgetPerson(tables(), "someone@example.com", true);
    for (const key of archiveRows) await archive.deleteEntity(key.split("/")[0], key.split("/")[1]);
    const report = await forgetPerson(tables(), "someone@example.com", false);
    assert.deepStrictEqual([report.archiveRows.length, report.dedupClaims.length], [0, 3]);
    assert.strictEqual((await keys(dedup)).length, 2);
  });

  it("--dry-run lists the same rows and removes nothing", async () => {
    const dry = await forgetPerson(tables(), "someone@example.com", true);
    assert.deepStrictEqual([dry.archiveRows.length, dry.dedupClaims.length], [3, 3]);
    assert.deepStrictEqual([(await keys(archive)).length, (await keys(dedup)).length], [5, 5]);
    const text = describeForget(dry);
    assert.deepStrictEqual(text.split("\n").slice(0, 2), [
      "forget s******@example.com (dry run: nothing removed)",
      `${ARCHIVE}: would remove 3 archived lead(s)`,
    ]);
    assert.ok(text.endsWith(CRM_NOTICE));
    assert.doesNotMatch(text, /someone@|Doe|Jo\b/, "the report shows no personal value");
  });
});

describe("forget CLI usage", () => {
  it("refuses a missing --email with exit 2 and says what to give", async () => {
    const r = await runCli(["forget", "--local"]);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(
      r.stderr.trim(),
      "forget: --email is required: the address of the person to forget.\nRun with --help for usage.",
    );
  });

  // The exit code of the process is the test above's (a child); these read the parser's answer in this process.
  it("refuses an unknown flag and a value that is not an address", async () => {
    const unknown = await leadkitInProcess(["forget", "--mail", "a@b.c"]);
    assert.strictEqual(unknown.code, 2);
    assert.match(unknown.stderr, /^forget: Unknown option '--mail'\. Valid options: --email, --dry-run, /);
    const bad = await leadkitInProcess(["forget", "--email", "someone"]);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /^forget: --email is "someone": give one e-mail address\./);
  });
});
