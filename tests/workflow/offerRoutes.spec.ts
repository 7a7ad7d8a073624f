/**
 * Per-offer routing, end to end over HTTP with the local runtime: two offers routed to different
 * stand-ins, an unrouted offer to every target, and the replay of a dead-lettered routed lead sent
 * only to its routed target.
 */
import * as assert from "assert";
import { LocalEndpoint } from "../../local/endpoint";
import { startLocalServer } from "../../local/server";
import { replayDeadLetters } from "../../function-code/src/replay/replayDeadLetters";
import { Sender } from "../../ops/replay";
import { stackFromSettings } from "../../program/stacks";
import { useAzurite } from "../support/azurite";

const STACK = stackFromSettings("routes", {
  targets: "email,webhook",
  emailTo: "sales@contoso.com",
  webhookUrl: "https://hooks.contoso.com/leads",
  archiveTableName: "LeadArchiveRoutes",
  dedupTableName: "LeadDedupRoutes",
  crmRetryCount: "1",
  // Offer A by its id, offer B by its display name.
  offerRoutes: "contoso.offer-a=email;Contoso Offer B=webhook",
});

const lead = (email: string, leadSource: string, offerTitle: string) => ({
  UserDetails: { Email: email, LastName: "X" },
  LeadSource: leadSource,
  OfferTitle: offerTitle,
});

describe("per-offer routing (offerRoutes), over HTTP", function () {
  this.timeout(60000);
  let e: LocalEndpoint;
  let url: string;
  let close: () => Promise<void>;
  const send: Sender = async (body, headers) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const answer = { status: res.status, body: (await res.json()) as { runId: string } };
    await settled(answer.body.runId);
    return answer;
  };
  /** The HTTP answer comes before the run ends: wait for the run (bounded). */
  const settled = async (runId: string) => {
    for (let i = 0; i < 500 && (e.run(runId)?.status ?? "Running") === "Running"; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.notStrictEqual(e.run(runId)?.status ?? "Running", "Running", `run ${runId} did not end`);
  };
  const rows = async () => {
    const out: Array<Record<string, any>> = [];
    for await (const r of e.tables.table("LeadArchiveRoutes").listEntities()) out.push(r);
    return out;
  };
  const count = (standin: "office365" | "webhook", email: string) =>
    e.standins.to(standin).filter((r) => JSON.stringify(r.body).includes(email)).length;

  beforeEach(async () => {
    const azurite = await useAzurite();
    e = new LocalEndpoint({ stack: STACK, tablesConnectionString: azurite.connectionString, retryScale: 0 });
    for (const table of ["LeadArchiveRoutes", "LeadDedupRoutes"])
      await e.tables
        .table(table)
        .deleteTable()
        .catch(() => undefined);
    await e.prepare();
    const server = await startLocalServer({ endpoint: e, key: "k", triggerName: "manual" });
    url = server.callbackUrl;
    close = () => server.close();
  });
  afterEach(async () => close());

  it("sends each offer's leads to its routed targets only, and the others to every target", async () => {
    await send(lead("a@contoso.com", "SPZA-PLT|Contoso.Offer-A", "Anything"), {});
    await send(lead("b@contoso.com", "AzureMarketplace-INS|contoso.offer-b", "contoso offer b"), {});
    await send(lead("c@contoso.com", "AzureMarketplace-INS|contoso.offer-c", "Offer C"), {});
    assert.deepStrictEqual(
      ["a", "b", "c"].map((p) => [count("office365", `${p}@contoso.com`), count("webhook", `${p}@contoso.com`)]),
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    );
    assert.strictEqual(e.standins.to("office365").length, 2);
    assert.strictEqual(e.standins.to("webhook").length, 2);
    const byEmail = Object.fromEntries((await rows()).map((r) => [JSON.parse(r.LeadJson).UserDetails.Email, r]));
    assert.deepStrictEqual(
      ["a", "b", "c"].map((p) => {
        const r = byEmail[`${p}@contoso.com`];
        return [r.Status, r.Targets, r.DeliveredTargets, r.Sent_email, r.Sent_webhook];
      }),
      [
        ["delivered", "email", "email", "sent", undefined],
        ["delivered", "webhook", "webhook", undefined, "sent"],
        ["delivered", "email,webhook", "email,webhook", "sent", "sent"],
      ],
    );
  });

  it("replays a dead-lettered routed lead to its routed target only", async () => {
    e.standins.down("webhook");
    await send(lead("b@contoso.com", "AzureMarketplace-INS|contoso.offer-b", "Contoso Offer B"), {});
    const [dead] = await rows();
    assert.deepStrictEqual([dead.Status, dead.Targets, dead.FailedTargets], ["dead-letter", "webhook", "webhook"]);
    e.standins.up("webhook");
    const outcomes = await replayDeadLetters({ table: e.tables.table("LeadArchiveRoutes"), send });
    assert.deepStrictEqual(
      outcomes.map((o) => o.result),
      ["replayed"],
    );
    assert.strictEqual(count("webhook", "b@contoso.com"), 1);
    assert.strictEqual(e.standins.to("office365").length, 0, "never sent to email, which the offer is not routed to");
    const replay = (await rows()).find((r) => r.ReplayOf);
    assert.deepStrictEqual([replay?.Status, replay?.Targets], ["delivered", "webhook"]);
  });
});
