/** Answered runs take turns for their calls; runs still waiting to answer call at once (emulator/runtime/pool.ts). */
import * as assert from "assert";
import { CallPool, startRun } from "../../emulator/runtime";
import { Connectors, ConnectorResponse, HttpCall, JsonObject } from "../../emulator/types";

const definition = (actions: JsonObject): JsonObject => ({
  triggers: { manual: { type: "Request", kind: "Http", inputs: { schema: {} } } },
  actions,
});

const respond = { type: "Response", runAfter: {}, inputs: { statusCode: 200 } };
const call = (uri: string, runAfter: JsonObject = {}) => ({
  type: "Http",
  runAfter,
  inputs: { method: "GET", uri, retryPolicy: { type: "none" } },
});

/** Calls are held open until the test ends them: `started` lists them, `finish(uri)` answers one. */
function heldCalls(): Connectors & {
  started: string[];
  finish: (uri: string) => void;
  finishWith: (uri: string, r: ConnectorResponse) => void;
} {
  const open = new Map<string, (r: ConnectorResponse) => void>();
  const started: string[] = [];
  return {
    started,
    finish: (uri) => open.get(uri)!({ statusCode: 200 }),
    finishWith: (uri, r) => open.get(uri)!(r),
    apiConnection: async () => ({ statusCode: 404 }),
    http: (c: HttpCall) => {
      started.push(c.uri);
      return new Promise((resolve) => open.set(c.uri, resolve));
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

function start(actions: JsonObject, connectors: Connectors, pool: CallPool, now?: () => Date) {
  const handle = startRun({
    definition: definition(actions),
    workflowName: "wf",
    request: { method: "POST", headers: {}, body: {} },
    connectors,
    afterAnswer: pool,
    now,
    retryDelayMs: () => 0,
  });
  assert.ok(handle.accepted);
  return handle;
}

describe("call pool", () => {
  it("gives `size` slots, queues the rest in order, and a release counts once", async () => {
    const pool = new CallPool(2);
    const a = await pool.acquire();
    await pool.acquire();
    let third = false;
    const waiting = pool.acquire().then((release) => ((third = true), release));
    await tick();
    assert.deepStrictEqual([pool.load, third], [{ active: 2, waiting: 1, unanswered: 0 }, false]);
    a();
    a();
    (await waiting)();
    assert.deepStrictEqual([pool.load, third], [{ active: 1, waiting: 0, unanswered: 0 }, true]);
  });

  it("refuses a size that is not a whole number of at least 1, naming it", () => {
    assert.throws(() => new CallPool(0), { message: "CallPool size is 0: give a whole number >= 1." });
    assert.throws(() => new CallPool(2, 1.5), { message: "CallPool idleSize is 1.5: give a whole number >= 1." });
  });

  it("gives `size` slots while a run waits to answer, and widens to `idleSize` once none does", async () => {
    const pool = new CallPool(1, 3);
    const answered = pool.runStarted();
    const granted: number[] = [];
    const calls = [0, 1, 2].map((i) => pool.acquire().then((release) => (granted.push(i), release)));
    await tick();
    assert.deepStrictEqual([granted, pool.load], [[0], { active: 1, waiting: 2, unanswered: 1 }]);
    answered();
    answered();
    await tick();
    assert.deepStrictEqual([granted, pool.load], [[0, 1, 2], { active: 3, waiting: 0, unanswered: 0 }]);
    for (const release of await Promise.all(calls)) release();
    assert.deepStrictEqual(pool.load, { active: 0, waiting: 0, unanswered: 0 });
  });

  it("holds an answered run's call while a run that has not answered yet calls at once", async () => {
    const pool = new CallPool(1);
    const c = heldCalls();
    // Run A answers, then calls twice in parallel: the second waits for the first's slot.
    const a = start(
      { Respond: respond, A1: call("a1", { Respond: ["Succeeded"] }), A2: call("a2", { Respond: ["Succeeded"] }) },
      c,
      pool,
    );
    await a.response;
    await tick();
    assert.deepStrictEqual(c.started, ["a1"]);
    // Run B calls before it answers: no slot needed, it goes ahead of A2.
    const b = start({ B1: call("b1"), Respond: { ...respond, runAfter: { B1: ["Succeeded"] } } }, c, pool);
    await tick();
    assert.deepStrictEqual(c.started, ["a1", "b1"]);
    c.finish("b1");
    assert.strictEqual((await b.response).statusCode, 200);
    c.finish("a1");
    await tick();
    assert.deepStrictEqual(c.started, ["a1", "b1", "a2"]);
    c.finish("a2");
    assert.strictEqual((await a.done).status, "Succeeded");
    assert.deepStrictEqual(pool.load, { active: 0, waiting: 0, unanswered: 0 });
  });

  it("a run terminated while its call waits for a slot ends at once, and the call is never made", async () => {
    const pool = new CallPool(1);
    const c = heldCalls();
    const busy = start({ Respond: respond, Hold: call("hold", { Respond: ["Succeeded"] }) }, c, pool);
    await busy.response;
    const stopped = start(
      {
        Respond: respond,
        Wait: call("never", { Respond: ["Succeeded"] }),
        Stop: { type: "Terminate", runAfter: { Respond: ["Succeeded"] }, inputs: { runStatus: "Cancelled" } },
      },
      c,
      pool,
    );
    const run = await stopped.done;
    assert.deepStrictEqual([run.status, run.actions.Wait.status], ["Cancelled", "Cancelled"]);
    c.finish("hold");
    await busy.done;
    await tick();
    assert.deepStrictEqual(c.started, ["hold"]);
    assert.deepStrictEqual(pool.load, { active: 0, waiting: 0, unanswered: 0 });
  });

  it("an attempt's start in the retry history is when it was sent, not when it began to wait for a turn", async () => {
    const pool = new CallPool(1);
    let clock = Date.parse("2026-11-25T10:00:00Z");
    const now = () => new Date(clock);
    const c = heldCalls();
    const hold = start({ Respond: respond, Hold: call("hold", { Respond: ["Succeeded"] }) }, c, pool, now);
    await hold.response;
    const retried = {
      ...call("flaky", { Respond: ["Succeeded"] }),
      inputs: { method: "GET", uri: "flaky", retryPolicy: { type: "fixed", count: 1, interval: "PT1S" } },
    };
    const waiting = start({ Respond: respond, Flaky: retried }, c, pool, now);
    await waiting.response;
    await tick();
    clock += 60_000; // a minute in the queue behind Hold
    c.finish("hold");
    await tick();
    c.finishWith("flaky", { statusCode: 503 });
    await tick();
    c.finish("flaky");
    const run = await waiting.done;
    assert.deepStrictEqual(
      run.actions.Flaky.retryHistory!.map((a) => a.startTime),
      ["2026-11-25T10:01:00.000Z"],
    );
  });
});
