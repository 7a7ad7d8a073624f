/**
 * Dead letters and replay, end to end: a CRM down, leads dead-lettered, the CRM back, replay; every
 * lead ends in every target exactly once, with the trail in the archive.
 */
import * as assert from "assert";
import { LocalEndpoint } from "../../local/endpoint";
import { invocationFailure, runHasEnded, runScheduledReplay } from "../../function-code/src/replay/scheduled";
import { startLocalServer } from "../../local/server";
import { replayDeadLetters, ReplayOutcome } from "../../function-code/src/replay/replayDeadLetters";
import { awaitReplayRuns, replayExitCode, Sender, where, WhereDeps } from "../../ops/replay";
import { UsageError } from "../../ops/cli";
import type { RunEnded } from "../../function-code/src/replay/archiveRows";
import { stackFromSettings } from "../../program/stacks";
import { useAzurite } from "../support/azurite";

const STACK = stackFromSettings("replay", {
  targets: "dataverse,webhook",
  dataverseUrl: "https://contoso.crm4.dynamics.com",
  dataverseTenantId: "11111111-2222-3333-4444-555555555555",
  dataverseClientId: "66666666-7777-8888-9999-000000000000",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: "LeadArchiveReplay",
  dedupTableName: "LeadDedupReplay",
  crmRetryCount: "2",
});

describe("dead letters and replay", function () {
  this.timeout(60000);
  let e: LocalEndpoint;
  const send: Sender = async (lead, headers) => {
    const posted = await e.post({ method: "POST", headers, body: lead });
    await posted.done;
    return { status: posted.response.statusCode, body: posted.response.body };
  };
  const rows = async () => {
    const out: Array<Record<string, any>> = [];
    for await (const r of e.tables.table("LeadArchiveReplay").listEntities()) out.push(r);
    return out;
  };
  const createdIn = (target: "commondataservice" | "webhook", email: string) =>
    e.standins.to(target).filter((r) => JSON.stringify(r.body).includes(email));

  beforeEach(async () => {
    const azurite = await useAzurite();
    e = new LocalEndpoint({ stack: STACK, tablesConnectionString: azurite.connectionString, retryScale: 0 });
    for (const table of ["LeadArchiveReplay", "LeadDedupReplay"])
      await e.tables
        .table(table)
        .deleteTable()
        .catch(() => undefined);
    await e.prepare();
  });

  it("re-sends only to the failed target, once, and records the trail", async () => {
    e.standins.down("commondataservice");
    for (const email of ["a@contoso.com", "b@contoso.com"])
      await send({ UserDetails: { Email: email, LastName: "X" } }, {});
    const dead = (await rows()).filter((r) => r.Status === "dead-letter");
    assert.deepStrictEqual(
      dead.map((r) => r.FailedTargets),
      ["dataverse", "dataverse"],
    );
    assert.strictEqual(createdIn("webhook", "a@contoso.com").length, 1);

    e.standins.up("commondataservice");
    const outcomes = await replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send });
    assert.deepStrictEqual(
      outcomes.map((o) => o.result),
      ["replayed", "replayed"],
    );

    for (const email of ["a@contoso.com", "b@contoso.com"]) {
      assert.strictEqual(createdIn("commondataservice", email).length, 1, `${email} created in Dataverse once`);
      assert.strictEqual(createdIn("webhook", email).length, 1, `${email} not sent to the webhook again`);
    }
    const all = await rows();
    const old = all.filter((r) => r.Status === "replayed");
    const replays = all.filter((r) => r.ReplayOf);
    assert.strictEqual(old.length, 2);
    assert.deepStrictEqual(
      old.map((r) => r.ReplayAttempts),
      [1, 1],
    );
    assert.deepStrictEqual(
      replays.map((r) => r.Status),
      ["delivered", "delivered"],
    );
    assert.deepStrictEqual(
      replays.map((r) => r.ReplayOf).sort(),
      old.map((r) => `${r.partitionKey}/${r.rowKey}`).sort(),
    );
    assert.deepStrictEqual(old.map((r) => r.ReplayedBy).sort(), replays.map((r) => r.rowKey).sort());
    assert.deepStrictEqual(
      old.map((r) => r.ReplayedTo),
      ["dataverse", "dataverse"],
      "the targets actually re-sent to",
    );
    const settled = await awaitReplayRuns(e.tables.table("LeadArchiveReplay"), outcomes, { waitMs: 0 });
    assert.deepStrictEqual(
      settled.map((o) => o.newStatus),
      ["delivered", "delivered"],
    );
    assert.strictEqual(replayExitCode(settled), 0);

    assert.deepStrictEqual(
      await replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send }),
      [],
      "nothing left",
    );
  });

  it("keeps a lead dead-lettered, with the reason, when the target is still down", async () => {
    e.standins.down("commondataservice");
    await send({ UserDetails: { Email: "c@contoso.com" } }, {});
    const outcomes = await replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send });
    assert.deepStrictEqual(
      outcomes.map((o) => o.result),
      ["replayed"],
    );
    const again = (await rows()).filter((r) => r.Status === "dead-letter");
    assert.strictEqual(again.length, 1, "the replay's own run is dead-lettered, ready for the next replay");
    const settled = await awaitReplayRuns(e.tables.table("LeadArchiveReplay"), outcomes, { waitMs: 0 });
    assert.deepStrictEqual(
      settled.map((o) => [o.newRun, o.newStatus]),
      [[again[0].rowKey, "dead-letter"]],
    );
    assert.strictEqual(replayExitCode(settled), 1, "npm run replay fails when a re-sent lead is dead-lettered again");
    assert.match(again[0].ReplayOf, /^\d{4}-\d{2}\/0858\d{25}$/);
    assert.match(again[0].LastError, /ECONNREFUSED \(commondataservice stand-in is down\)/);
  });

  it("a dry run sends nothing and changes nothing", async () => {
    e.standins.down("commondataservice");
    await send({ UserDetails: { Email: "d@contoso.com" } }, {});
    const before = e.standins.requests.length;
    const outcomes = await replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send, dryRun: true });
    assert.deepStrictEqual(
      outcomes.map((o) => [o.result, o.detail]),
      [["skipped", "dry run: would re-send to dataverse"]],
    );
    assert.strictEqual(e.standins.requests.length, before);
    assert.strictEqual((await rows())[0].Status, "dead-letter");
  });

  it("two replays at once send each lead once (the row is claimed with its ETag)", async () => {
    e.standins.down("commondataservice");
    await send({ UserDetails: { Email: "e@contoso.com" } }, {});
    e.standins.up("commondataservice");
    const [first, second] = await Promise.all([
      replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send }),
      replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send }),
    ]);
    // The loser either saw the row already claimed (412: skipped) or no dead letter left.
    assert.deepStrictEqual([...first, ...second].filter((o) => o.result === "replayed").length, 1);
    assert.deepStrictEqual(
      [...first, ...second].filter((o) => o.result !== "replayed").map((o) => o.detail),
      [...first, ...second].length === 2 ? ["claimed by another replay"] : [],
    );
    assert.strictEqual(createdIn("commondataservice", "e@contoso.com").length, 1, "created in Dataverse once");
  });

  it("a pass stops at its limit and names the row that waits; the next pass takes it, each lead sent once", async () => {
    e.standins.down("commondataservice");
    for (const email of ["f1@contoso.com", "f2@contoso.com", "f3@contoso.com"])
      await send({ UserDetails: { Email: email, LastName: "X" } }, {});
    const dead = (await rows()).filter((r) => r.Status === "dead-letter").map((r) => `${r.partitionKey}/${r.rowKey}`);
    assert.strictEqual(dead.length, 3);
    e.standins.up("commondataservice");

    const first = await replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send, limit: 2 });
    assert.deepStrictEqual(
      first.map((o) => o.result),
      ["replayed", "replayed", "deferred"],
    );
    const waiting = first[2];
    assert.deepStrictEqual(
      [...first.map((o) => o.row)].sort(),
      [...dead].sort(),
      "the two taken and the one named are the three dead letters",
    );
    assert.strictEqual(
      waiting.detail,
      "not taken: this pass took 2 rows, its limit; this row and any due after it wait for the next pass " +
        "(run npm run replay again; the scheduled replay takes them on its next run)",
    );
    assert.strictEqual(replayExitCode(first, false), 1, "npm run replay fails while a due row was left");

    const second = await replayDeadLetters({ table: e.tables.table("LeadArchiveReplay"), send, limit: 2 });
    assert.deepStrictEqual(
      second.map((o) => [o.result, o.row]),
      [["replayed", waiting.row]],
    );
    for (const email of ["f1@contoso.com", "f2@contoso.com", "f3@contoso.com"])
      assert.strictEqual(createdIn("commondataservice", email).length, 1, `${email} created in Dataverse once`);
  });

  describe("scheduled replay (the function app's timer)", () => {
    it("replays over HTTPS-like HTTP to the signed endpoint, reading the archive by connection string", async () => {
      const azurite = await useAzurite();
      const server = await startLocalServer({ endpoint: e, key: "k", triggerName: "manual" });
      try {
        e.standins.down("commondataservice");
        await send({ UserDetails: { Email: "s@contoso.com" } }, {});
        e.standins.up("commondataservice");
        const outcomes = await runScheduledReplay({
          LEAD_ARCHIVE_TABLE: "LeadArchiveReplay",
          LEAD_ARCHIVE_CONNECTION: azurite.connectionString,
          LEAD_ENDPOINT_URL: server.callbackUrl,
        });
        assert.deepStrictEqual(
          outcomes.map((o) => o.result),
          ["replayed"],
        );
        await new Promise((r) => setTimeout(r, 300)); // the replay's run finishes after its answer
        assert.strictEqual(createdIn("commondataservice", "s@contoso.com").length, 1);
        assert.strictEqual(createdIn("webhook", "s@contoso.com").length, 1);
      } finally {
        await server.close();
      }
    });

    it("asks the workflow for the run behind each row left received: an ended run's row is flagged, never sent", async () => {
      const azurite = await useAzurite();
      const table = e.tables.table("LeadArchiveReplay");
      const row = (rowKey: string, columns: Record<string, unknown>) =>
        table.createEntity({
          partitionKey: "2026-11",
          rowKey,
          Status: "received",
          Targets: "dataverse,webhook",
          ...columns,
        });
      await row("cancelled", { Sent_dataverse: "lead-1" });
      await row("running", {});
      await row("forgotten", { Sent_dataverse: "lead-2", Sent_webhook: "sent" });
      const asked: string[] = [];
      const runStatus = async (runId: string) => (
        asked.push(runId),
        { cancelled: "Cancelled", running: "Running" }[runId] ?? "NotFound"
      );
      const sends: unknown[] = [];
      const outcomes = await runScheduledReplay(
        { LEAD_ARCHIVE_TABLE: "LeadArchiveReplay", LEAD_ARCHIVE_CONNECTION: azurite.connectionString },
        async (lead) => (sends.push(lead), { status: 200, body: {} }),
        runStatus,
      );
      assert.deepStrictEqual(
        outcomes.map((o) => [o.row, o.result]),
        [
          ["2026-11/cancelled", "needs-review"],
          ["2026-11/forgotten", "repaired"],
        ],
      );
      assert.deepStrictEqual(asked.sort(), ["cancelled", "forgotten", "running"]);
      assert.deepStrictEqual(sends, []);
      assert.strictEqual((await table.getEntity("2026-11", "running")).Status, "received");
      for (const status of ["Running", "Waiting", "Suspended", "Paused", "NotSpecified", "Later"])
        assert.strictEqual(runHasEnded(status), false, status);
      for (const status of [
        "Succeeded",
        "Failed",
        "Cancelled",
        "TimedOut",
        "Aborted",
        "Faulted",
        "Skipped",
        "NotFound",
      ])
        assert.strictEqual(runHasEnded(status), true, status);
    });

    it("fails its invocation for a failed replay and for rows now needing review, naming them; not otherwise", () => {
      const o = (row: string, result: ReplayOutcome["result"]) => ({ row, result, detail: "" });
      assert.strictEqual(invocationFailure([o("2026-11/a", "replayed"), o("2026-11/b", "repaired")]), undefined);
      assert.strictEqual(
        invocationFailure([o("2026-11/a", "failed"), o("2026-11/b", "needs-review"), o("2026-11/c", "needs-review")]),
        "1 dead-lettered lead(s) could not be replayed; they stay dead-lettered; " +
          "2 lead(s) need review (ReviewReason on each row says why): 2026-11/b, 2026-11/c.",
      );
      assert.strictEqual(
        invocationFailure([o("2026-11/b", "needs-review")]),
        "1 lead(s) need review (ReviewReason on each row says why): 2026-11/b.",
      );
    });

    it("fails clearly without its settings", async () => {
      await assert.rejects(runScheduledReplay({}), {
        message: "App setting LEAD_ARCHIVE_TABLE is missing: the scheduled replay cannot run.",
      });
      await assert.rejects(
        runScheduledReplay({
          LEAD_ARCHIVE_TABLE: "T",
          LEAD_ARCHIVE_CONNECTION: "UseDevelopmentStorage=true",
          LEAD_WORKFLOW_ID: "nope",
        }),
        {
          message: 'App setting LEAD_WORKFLOW_ID is not a workflow resource id: "nope".',
        },
      );
    });
  });
});

describe("npm run replay: where it reads the endpoint, the archive and the ended runs (ops/replay.ts where)", () => {
  const OUTPUTS = {
    leadEndpointUrl: "https://prod-00.westeurope.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=s",
    storageAccountName: "leadsdevst",
    archiveTableName: "LeadArchiveDev",
    workflowId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Logic/workflows/leads-dev-workflow",
  };
  /** Injected readers that record what they were asked. */
  function deps(outputs: Record<string, string>, env: Record<string, string> = {}) {
    const asked: string[] = [];
    const ended: RunEnded = () => false;
    return {
      asked,
      ended,
      deps: {
        outputs: (stack: string, instead: string) => (asked.push(`outputs ${stack}: ${instead}`), outputs),
        secret: async (name: string) => env[name],
        runEndedIn: async (id: string) => (asked.push(`runs of ${id}`), ended),
      } satisfies WhereDeps,
    };
  }

  it("--stack: URL, account, table and workflow id from the stack's outputs; ended runs read from that workflow", async () => {
    const d = deps(OUTPUTS);
    const found = await where({ stack: "dev" }, d.deps);
    assert.deepStrictEqual(found, {
      url: OUTPUTS.leadEndpointUrl,
      archive: { connectionString: undefined, account: "leadsdevst", table: "LeadArchiveDev" },
      runEnded: d.ended,
    });
    assert.deepStrictEqual(d.asked, [
      "outputs dev: set LEADKIT_CALLBACK_URL and pass --account <storage account> and --workflow-id <id>",
      `runs of ${OUTPUTS.workflowId}`,
    ]);
  });

  it("--stack: flags win over the outputs; an exported URL that is not the stack's is refused", async () => {
    const d = deps(OUTPUTS, { LEADKIT_CALLBACK_URL: OUTPUTS.leadEndpointUrl });
    const found = await where({ stack: "dev", account: "mine", table: "T", "workflow-id": "/w/other" }, d.deps);
    assert.deepStrictEqual(
      [found.url, found.archive, d.asked.at(-1)],
      [OUTPUTS.leadEndpointUrl, { connectionString: undefined, account: "mine", table: "T" }, "runs of /w/other"],
    );
    await assert.rejects(
      where({ stack: "dev" }, deps(OUTPUTS, { LEADKIT_CALLBACK_URL: "https://other/x?sig=t" }).deps),
      {
        message:
          "LEADKIT_CALLBACK_URL is set, and it is not stack dev's leadEndpointUrl: its leads would go to another " +
          "endpoint. Unset it (unset LEADKIT_CALLBACK_URL), or drop --stack to use it.",
      },
    );
  });

  it("--stack or --account with LEADKIT_TABLES_CONNECTION_STRING set is refused: another archive's leads would go to that endpoint", async () => {
    const env = { LEADKIT_TABLES_CONNECTION_STRING: "UseDevelopmentStorage=true" };
    const refusal = (where: string) =>
      `LEADKIT_TABLES_CONNECTION_STRING is set, and ${where} names an archive in Azure: the dead letters of the ` +
      "archive it names would be replayed to that stack's endpoint. Unset it (unset LEADKIT_TABLES_CONNECTION_STRING), " +
      "or set LEADKIT_CALLBACK_URL without --stack and --account to replay the archive it names.";
    await assert.rejects(where({ stack: "dev" }, deps(OUTPUTS, env).deps), { message: refusal("--stack dev") });
    await assert.rejects(
      where({ account: "leadsdevst" }, deps({}, { ...env, LEADKIT_CALLBACK_URL: OUTPUTS.leadEndpointUrl }).deps),
      { message: refusal("--account leadsdevst") },
    );
    const own = await where({}, deps({}, { ...env, LEADKIT_CALLBACK_URL: OUTPUTS.leadEndpointUrl }).deps);
    assert.deepStrictEqual(own.archive, {
      connectionString: env.LEADKIT_TABLES_CONNECTION_STRING,
      account: undefined,
      table: "LeadArchive",
    });
  });

  it("--stack without the outputs of a deployed stack says to run pulumi up; no --stack and no URL is a usage error", async () => {
    await assert.rejects(where({ stack: "dev" }, deps({}).deps), {
      message:
        "Stack dev has no leadEndpointUrl output: run `pulumi up` on it first, or pass the missing value (see --help).",
    });
    const noAccount = { leadEndpointUrl: OUTPUTS.leadEndpointUrl };
    await assert.rejects(where({ stack: "dev" }, deps(noAccount).deps), {
      message:
        "Stack dev has no storageAccountName output: run `pulumi up` on it first, or pass the missing value (see --help).",
    });
    await assert.rejects(where({ account: "a" }, deps({}).deps), (e: Error) => {
      assert.ok(e instanceof UsageError);
      assert.strictEqual(
        e.message,
        "Give --local, --stack <stack>, or set LEADKIT_CALLBACK_URL (the signed endpoint URL) and pass --account " +
          "<storage account> (read as you, after az login).",
      );
      return true;
    });
    await assert.rejects(where({ local: true, stack: "dev" }, deps({}).deps), {
      message: "--local excludes --stack and --account: pick one archive.",
    });
  });

  it("without --stack or --workflow-id the ended runs are not read (rows left received stay for a later pass)", async () => {
    const d = deps({}, { LEADKIT_CALLBACK_URL: "https://x/y?sig=z" });
    const found = await where({ account: "a" }, d.deps);
    assert.deepStrictEqual([found.runEnded, d.asked], [undefined, []]);
  });
});
