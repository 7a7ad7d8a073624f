/** The kit's definitions in Microsoft's Standard runtime (scripts/wdl/kitDifferential.ts): adaptation, stand-ins, diff. */
import * as assert from "assert";
import { AddressInfo } from "net";
import { checkTemplates } from "../../../emulator/expressions";
import { localConnectors } from "../../../local/connectors/standins";
import { LOCAL_NORMALIZER_URL, LOCAL_TABLE_ENDPOINT, LocalEndpoint } from "../../../local/endpoint";
import { loadStack } from "../../../program/stacks";
import {
  compareRuns,
  formatKitDiff,
  localSummary,
  RunSummary,
  standardWorkflow,
  standinServer,
} from "../../../scripts/wdl/kitDifferential";
import { useAzurite } from "../../support/azurite";
import sample from "./kit-differential-sample.json";

type Json = Record<string, unknown>;
const BASE = "http://localhost:7080";

/** Every action of a definition, nested ones included. */
function allActions(actions: Record<string, Json>, out: Array<[string, Json]> = []): Array<[string, Json]> {
  for (const [name, a] of Object.entries(actions ?? {})) {
    out.push([name, a]);
    allActions(a.actions as Record<string, Json>, out);
    allActions((a.else as Json)?.actions as Record<string, Json>, out);
    allActions((a.default as Json)?.actions as Record<string, Json>, out);
    for (const c of Object.values((a.cases ?? {}) as Record<string, Json>))
      allActions(c.actions as Record<string, Json>, out);
  }
  return out;
}

describe("WDL differential: the kit's definitions in the Standard runtime", function () {
  this.timeout(20000);

  it("adapts a rendered definition to built-in actions with the stand-ins behind HTTP", () => {
    const original = loadStack("dev").definition as unknown as Json;
    const { definition, kind } = standardWorkflow(original, BASE);
    assert.strictEqual(kind, "Stateful");
    const actions = allActions(definition.actions as Record<string, Json>);
    assert.strictEqual(actions.length, allActions(original.actions as Record<string, Json>).length);
    assert.deepStrictEqual(
      actions.filter(([, a]) => a.type === "ApiConnection"),
      [],
    );
    assert.deepStrictEqual(
      actions.filter(([, a]) => (a.inputs as Json)?.authentication),
      [],
    );
    const dataverse = Object.fromEntries(actions).Create_dataverse_lead;
    assert.strictEqual(dataverse.type, "Http");
    assert.strictEqual(
      (dataverse.inputs as Json).uri,
      `${BASE}/apiconnection/commondataservice/api/data/v9.1/@{encodeURIComponent(encodeURIComponent('leads'))}`,
    );
    assert.strictEqual((dataverse.inputs as Json).method, "post");
    const parameters = definition.parameters as Record<string, { defaultValue: unknown }>;
    assert.deepStrictEqual(Object.keys(parameters).sort(), [
      "normalizerAudience",
      "normalizerUrl",
      "tableEndpoint",
      "webhookSecret",
      "webhookUrl",
      "workflowIdentity",
    ]);
    assert.strictEqual(parameters.tableEndpoint.defaultValue, `${BASE}/local-tables/`);
    assert.deepStrictEqual(checkTemplates(definition.actions), []);
  });

  it("serves the local stand-ins over HTTP: managed APIs under /apiconnection, tables in Azurite", async () => {
    const azurite = await useAzurite();
    const endpoint = new LocalEndpoint({ stack: loadStack("dev"), tablesConnectionString: azurite.connectionString });
    await endpoint.prepare();
    const connectors = localConnectors(endpoint.tables, endpoint.standins, {
      tables: LOCAL_TABLE_ENDPOINT,
      function: LOCAL_NORMALIZER_URL,
    });
    const server = standinServer(connectors).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const created = await fetch(`${base}/apiconnection/commondataservice/api/data/v9.1/leads`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ companyname: "Contoso" }),
      });
      assert.strictEqual(created.status, 201);
      assert.strictEqual(((await created.json()) as Json).companyname, "Contoso");
      assert.strictEqual(endpoint.standins.to("commondataservice").length, 1);
      const table = loadStack("dev").config.archiveTableName;
      const row = `${base}/local-tables/${table}(PartitionKey='kitdiff',RowKey='r1')`;
      const identity = {
        "x-standin-authentication-type": "ManagedServiceIdentity",
        "x-standin-authentication-audience": "https://storage.azure.com/",
      };
      const write = (headers: Record<string, string>) =>
        fetch(row, {
          method: "PUT",
          headers: { "Content-Type": "application/json", ...headers },
          body: '{"Status":"x"}',
        });
      assert.strictEqual((await write({})).status, 401, "a table request without the workflow's identity is refused");
      assert.strictEqual((await write(identity)).status, 204);
      const got = await fetch(row, { headers: { Accept: "application/json;odata=nometadata", ...identity } });
      assert.strictEqual(got.status, 200);
      assert.strictEqual(((await got.json()) as Json).Status, "x");
    } finally {
      server.close();
    }
  });

  it("diffs run status, action status and presence, and outputs without volatile values", () => {
    const result = compareRuns("dev/full-lead.json", sample.azure as RunSummary, sample.local as RunSummary);
    assert.strictEqual(result.same, 2);
    assert.strictEqual(
      formatKitDiff([{ sample: "dev/full-lead.json", ...result }]),
      [
        "dev/full-lead.json: 2 actions same, 4 different",
        'DIFF dev/full-lead.json (run) run: azure "Failed", local "Succeeded"',
        'DIFF dev/full-lead.json Normalize_lead_function outputs: azure {"statusCode":200,"body":{"LeadId":"<volatile>","Country":"US"}}, local {"statusCode":200,"body":{"LeadId":"<volatile>","Country":"USA"}}',
        'DIFF dev/full-lead.json Record_email presence: azure "absent", local "Succeeded"',
        'DIFF dev/full-lead.json Send_email_notice status: azure "Failed", local "Succeeded"',
      ].join("\n"),
    );
  });

  it("reads a local run as the comparison does: every action's status and code, outputs unless secured", async () => {
    const azurite = await useAzurite();
    const endpoint = new LocalEndpoint({
      stack: loadStack("dev"),
      tablesConnectionString: azurite.connectionString,
      retryScale: 0,
    });
    await endpoint.prepare();
    const lead = (await import("../../../samples/full-lead.json")).default;
    const posted = await endpoint.post({ method: "POST", headers: { "content-type": "application/json" }, body: lead });
    const run = await posted.done!;
    const summary = localSummary(run);
    assert.strictEqual(summary.status, run.status);
    assert.deepStrictEqual(Object.keys(summary.actions).sort(), Object.keys(run.actions).sort());
    assert.deepStrictEqual(summary.actions.Archive_raw_lead, {
      status: "Succeeded",
      code: run.actions.Archive_raw_lead.code,
    });
    assert.strictEqual(compareRuns("self", summary, summary).differences.length, 0);
  });
});
