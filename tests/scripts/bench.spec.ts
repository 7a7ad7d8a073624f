/** How the benchmark counts billed executions, formats its figures and resets its rounds (no timing). */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TableClient, TransactionAction } from "@azure/data-tables";
import { ActionRun, HttpCall, WorkflowRun } from "../../emulator/types";
import { billedOperations, costPer1000, executions, listBilled } from "../../scripts/bench/billing";
import { costSection, costTable } from "../../scripts/bench/costTable";
import { PathCost } from "../../scripts/bench/paths";
import { expressionsOf, fixedHost, referenceSpeed } from "../../scripts/bench/expressions";
import { loadSample } from "../../ops/verify";
import * as reference from "../../emulator/expressions/reference/examples.json";
import { formatSpread, percentile, spread } from "../../scripts/bench/stats";
import { describeOps, keyedFor, storageOpsOf } from "../../scripts/bench/storageOps";
import { clearRoundRows, fillArchive, Level, measureThroughput } from "../../scripts/bench/throughput";
import { warmupLine } from "../../scripts/bench/report";
import { timeToBanner } from "../../scripts/bench/clis";
import { loadStack } from "../../program/stacks";
import { useAzurite } from "../support/azurite";

const action = (name: string, type: string, status: ActionRun["status"], retries = 0): ActionRun => ({
  name,
  type,
  status,
  code: "",
  startTime: "",
  endTime: "",
  retryHistory: retries
    ? Array.from({ length: retries }, () => ({ startTime: "", endTime: "", code: "500" }))
    : undefined,
});

const runOf = (...actions: ActionRun[]) =>
  ({
    trigger: { name: "manual", status: "Succeeded" },
    actions: Object.fromEntries(actions.map((a) => [a.name, a])),
  }) as unknown as WorkflowRun;

describe("benchmark billing count", () => {
  const run = runOf(
    action("Archive_raw_lead", "Http", "Succeeded"),
    action("Respond", "Response", "Succeeded"),
    action("Create_dataverse_lead", "ApiConnection", "Failed", 3),
    action("Post_webhook", "Http", "Succeeded", 1),
    action("Mark_delivered", "Http", "Skipped"),
    action("Send_to_dataverse", "If", "Succeeded"),
  );

  it("bills the trigger and every action that ran, each retry once more; skipped actions are free", () => {
    assert.deepStrictEqual(billedOperations(run), [
      { name: "manual", type: "Request", kind: "built-in", executions: 1 },
      { name: "Archive_raw_lead", type: "Http", kind: "built-in", executions: 1 },
      { name: "Respond", type: "Response", kind: "built-in", executions: 1 },
      { name: "Create_dataverse_lead", type: "ApiConnection", kind: "connector", executions: 4 },
      { name: "Post_webhook", type: "Http", kind: "built-in", executions: 2 },
      { name: "Send_to_dataverse", type: "If", kind: "built-in", executions: 1 },
    ]);
    assert.deepStrictEqual(executions(billedOperations(run)), { builtIn: 6, connector: 4 });
  });

  it("prices 1,000 leads at the Actions and Standard connector list prices", () => {
    assert.strictEqual(costPer1000({ builtIn: 6, connector: 4 }).toFixed(3), "0.650");
    assert.strictEqual(costPer1000({ builtIn: 1, connector: 1 }).toFixed(3), "0.150");
  });

  it("lists billed actions with their retries", () => {
    assert.strictEqual(
      listBilled(billedOperations(run)),
      "manual, Archive_raw_lead, Respond, Create_dataverse_lead x4, Post_webhook x2, Send_to_dataverse",
    );
  });

  it("refuses an action type it cannot price, naming the action, the type and the fix", () => {
    assert.throws(() => billedOperations(runOf(action("Wait_a_bit", "Wait", "Succeeded"))), {
      message:
        'Action "Wait_a_bit" has type "Wait", which scripts/bench/billing.ts does not price: add it to KIND_OF_TYPE ' +
        'as "built-in" or "connector" (see the pricing page).',
    });
  });
});

describe("benchmark cost table", () => {
  const cost = (stack: string, path: PathCost["path"], builtIn: number, connector: number): PathCost => ({
    stack,
    path,
    runStatus: "Succeeded",
    billed: billedOperations(runOf(action("Create_dataverse_lead", "ApiConnection", "Succeeded"))),
    executions: { builtIn, connector },
    cost: costPer1000({ builtIn, connector }),
  });

  it("has one row per stack and path with the ratio to the bare flow ($0.150 per 1,000)", () => {
    const table = costTable([cost("dev", "delivered", 21, 2), cost("solo", "validate", 9, 0)], {
      dev: ["dataverse", "email"],
    });
    assert.strictEqual(
      table,
      [
        "| Stack (targets) | Path | Run | Built-in executions | Connector calls | $ per 1,000 leads | x bare flow |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        "| dev (dataverse, email) | delivered | Succeeded | 21 | 2 | $0.775 | 5.17 |",
        "| solo (archive only) | validate | Succeeded | 9 | 0 | $0.225 | 1.50 |",
      ].join("\n"),
    );
  });

  it("says where a delivered and a test lead's cost goes on the Dataverse-only stack", () => {
    const section = costSection([cost("dev", "delivered", 1, 1), cost("dataverse-only", "delivered", 1, 1)], {});
    const lines = section.split("\n").slice(4);
    assert.deepStrictEqual(lines, [
      "",
      "Bare flow (Request trigger + one Dataverse action): 1 built-in + 1 connector call = $0.150 per 1,000 leads.",
      "",
      "Billed on a delivered lead, dataverse-only: manual, Create_dataverse_lead.",
    ]);
  });
});

describe("benchmark statistics", () => {
  it("takes nearest-rank percentiles of unsorted samples", () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    assert.strictEqual(percentile(samples, 50), 5);
    assert.strictEqual(percentile(samples, 99), 10);
    assert.strictEqual(percentile(samples, 90), 9);
    assert.strictEqual(percentile([7], 99), 7);
    assert.throws(() => percentile([], 50), { message: "percentile of no samples" });
  });

  it("prints median and min-max", () => {
    assert.strictEqual(formatSpread(spread([300.4, 280.2, 310.9, 295, 305])), "300 (280-311)");
    assert.strictEqual(formatSpread(spread([0.5, 0.25]), 2), "0.25 (0.25-0.50)");
  });
});

describe("benchmark floor operations", () => {
  const ENDPOINT = "http://127.0.0.1/local-tables/";
  const auth = { type: "ManagedServiceIdentity", audience: "https://storage.azure.com/" };
  const headers = { Accept: "application/json;odata=nometadata", "x-ms-version": "2019-02-02" };
  const archive = "LeadArchive(PartitionKey='2026-11',RowKey='run%2F0851')";
  const calls: HttpCall[] = [
    {
      actionName: "Archive_raw_lead",
      runName: "08584run",
      method: "PUT",
      uri: `${ENDPOINT}${archive}`,
      headers,
      authentication: auth,
      body: { Status: "received", LeadJson: '{"Email":"a@contoso.com"}' },
    },
    {
      actionName: "Claim_dedup_key",
      runName: "08584run",
      method: "POST",
      uri: `${ENDPOINT}LeadDedup`,
      headers: { ...headers, Prefer: "return-no-content" },
      authentication: auth,
      body: { PartitionKey: "v1", RowKey: "9f2c", ArchiveRow: "run/0851" },
    },
    {
      actionName: "Post_webhook",
      runName: "08584run",
      method: "POST",
      uri: "https://hooks.contoso.com/x",
      body: { a: 1 },
    },
    {
      actionName: "Mark_delivered",
      runName: "08584run",
      method: "PATCH",
      uri: `${ENDPOINT}${archive}`,
      headers: { ...headers, "If-Match": "*" },
      authentication: auth,
      body: { Status: "delivered", DedupKey: "9f2c" },
    },
  ];

  it("are the table requests a real run made, in order, with their bodies; other calls left out", () => {
    const ops = storageOpsOf(calls, ENDPOINT);
    assert.deepStrictEqual(
      ops.map((o) => [o.action, o.method, o.table, o.resource]),
      [
        ["Archive_raw_lead", "PUT", "LeadArchive", archive],
        ["Claim_dedup_key", "POST", "LeadDedup", "LeadDedup"],
        ["Mark_delivered", "PATCH", "LeadArchive", archive],
      ],
    );
    assert.deepStrictEqual(ops[1].headers, { ...headers, Prefer: "return-no-content" });
    assert.strictEqual(
      describeOps(ops),
      "PUT LeadArchive (Archive_raw_lead), POST LeadDedup (Claim_dedup_key), PATCH LeadArchive (Mark_delivered)",
    );
  });

  it("are replayed per floor lead with fresh row keys everywhere the run wrote them, all else as the run sent it", () => {
    const keyed = keyedFor(storageOpsOf(calls, ENDPOINT), "f7");
    assert.deepStrictEqual(
      keyed.map((o) => [o.resource, o.body]),
      [
        [
          "LeadArchive(PartitionKey='2026-11',RowKey='run%2F0851-f7')",
          { Status: "received", LeadJson: '{"Email":"a@contoso.com"}' },
        ],
        ["LeadDedup", { PartitionKey: "v1", RowKey: "9f2c-f7", ArchiveRow: "run/0851-f7" }],
        ["LeadArchive(PartitionKey='2026-11',RowKey='run%2F0851-f7')", { Status: "delivered", DedupKey: "9f2c-f7" }],
      ],
    );
  });
});

describe("benchmark expression collection", () => {
  it("takes every string holding an expression, escaped @@ text left out", () => {
    const definition = {
      a: "@triggerBody()",
      b: ["plain", "x @{utcNow()} y", "@@literal"],
      c: { d: { e: "@parameters('tableEndpoint')" } },
    };
    assert.deepStrictEqual(expressionsOf(definition), [
      "@triggerBody()",
      "x @{utcNow()} y",
      "@parameters('tableEndpoint')",
    ]);
  });

  it("times the engine, not the disk: the fixed host holds one trigger record, as a run does", () => {
    // The sample lead was read from disk on every trigger() call: 18.8 µs per evaluation, 1.7 µs without.
    const host = fixedHost();
    const first = host.trigger() as { outputs: { body: unknown } };
    assert.strictEqual(host.trigger(), first);
    assert.deepStrictEqual(first.outputs.body, loadSample("full"));
  });
});

describe("benchmark reference-table speed", () => {
  it("times every row the engine answers and names the rows it refuses instead of stopping the bench", () => {
    const random = (reference.rows as Array<{ expression?: string }>).filter((r) =>
      /rand\(|guid\(/.test(r.expression ?? ""),
    );
    const speed = referenceSpeed(20);
    assert.deepStrictEqual(speed.refused, ["formatNumber(17.35, 'C2', 'is-IS')"]);
    assert.strictEqual(speed.rows + speed.refused.length + random.length, reference.rows.length);
    assert.ok(speed.microsPerEvaluation > 0);
  });
});

describe("benchmark rounds start from the level's rows (Azurite)", () => {
  it("deletes every row a round wrote, in every table the run touches, and keeps the filler rows", async () => {
    const { connectionString } = await useAzurite();
    const [archive, dedup] = [`BenchA${Date.now()}`, `BenchD${Date.now()}`];
    const client = (name: string) =>
      TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for (const name of [archive, dedup]) await client(name).createTable();
    await fillArchive(client(archive), 0, 200);
    // A round's rows: the month's partition (150, more than one transaction), a key-named one, and the dedup table.
    // The 150 are written in two transactions (100 is the most one holds), not 150 requests.
    const month = Array.from({ length: 150 }, (_, i): TransactionAction => [
      "create",
      { partitionKey: "2026-11", rowKey: `run${i}` },
    ]);
    for (const rows of [month.slice(0, 100), month.slice(100)]) await client(archive).submitTransaction(rows);
    await client(archive).createEntity({ partitionKey: "fillers", rowKey: "x" });
    await client(dedup).createEntity({ partitionKey: "k'1", rowKey: "k'1" });
    assert.strictEqual(await clearRoundRows(connectionString, [archive, dedup]), 152);
    const left = async (name: string) => {
      const keys: string[] = [];
      for await (const e of client(name).listEntities()) keys.push(e.partitionKey!);
      return keys;
    };
    const kept = await left(archive);
    assert.strictEqual(kept.length, 200);
    assert.ok(
      kept.every((p) => p.startsWith("filler-")),
      kept.find((p) => !p.startsWith("filler-")),
    );
    assert.deepStrictEqual(await left(dedup), []);
  });
});

describe("benchmark warm-up (Azurite)", () => {
  it("runs the warm-up pairs, floor then endpoint, longer before the first level, and keeps them apart", async () => {
    const { connectionString } = await useAzurite();
    const options = { concurrency: 3, roundSize: 3, rounds: 1, firstWarmups: 2, warmups: 1, levels: [0, 200] };
    const { levels } = await measureThroughput(loadStack("dev"), connectionString, options);
    assert.deepStrictEqual(
      levels.map((l) => [l.archivedRows, l.warmup.map((r) => r.kind), l.floor.length, l.endpoint.length]),
      [
        [0, ["floor", "endpoint", "floor", "endpoint"], 1, 1],
        [200, ["floor", "endpoint"], 1, 1],
      ],
    );
    assert.ok(levels[0].warmup.every((r) => r.perSecond > 0));
    // The endpoint's own CPU per run is measured on its rounds only (the floor runs in the load process).
    const cpu = levels.flatMap((l) => [...l.floor, ...l.endpoint].map((r) => [r.kind, r.cpuMsPerRun! > 0]));
    assert.deepStrictEqual(cpu, [
      ["floor", false],
      ["endpoint", true],
      ["floor", false],
      ["endpoint", true],
    ]);
  });

  it("prints the first level's warm-up round by round, floor and endpoint apart", () => {
    const round = (kind: "floor" | "endpoint", perSecond: number) => ({ kind, perSecond, answerP50: 1, answerP99: 2 });
    const level: Level = {
      archivedRows: 0,
      warmup: [round("floor", 128.4), round("endpoint", 100.6), round("floor", 484), round("endpoint", 309)],
      floor: [],
      endpoint: [],
    };
    assert.strictEqual(warmupLine(level), "warm-up at 0 rows (discarded), per round: floor 128 484; endpoint 101 309");
  });
});

describe("benchmark: npm start's time to its banner", () => {
  it("fails with serve's own words when serve ends without its banner, instead of waiting", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-banner-"));
    try {
      await assert.rejects(timeToBanner(state, ["--stack", "nosuch"]), (err: Error) => {
        assert.ok(err.message.startsWith('npm start showed no "Run history:" line (exit 2):\n'), err.message);
        assert.ok(err.message.includes('serve: --stack is "nosuch" but there is no Pulumi.nosuch.yaml'), err.message);
        return true;
      });
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });
});
