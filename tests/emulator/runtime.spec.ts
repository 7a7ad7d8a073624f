/** The local workflow runner on small hand-written definitions: Azure's semantics, one rule at a time. */
import * as assert from "assert";
import { getEventListeners } from "events";
import { checkDefinition, startRun } from "../../emulator/runtime";
import { sleep } from "../../emulator/runtime/calls";
import { Connectors, ConnectorResponse, HttpCall, JsonObject, WorkflowRun } from "../../emulator/types";

function definition(actions: JsonObject, parameters: JsonObject = {}): JsonObject {
  return {
    triggers: { manual: { type: "Request", kind: "Http", inputs: { schema: {} } } },
    parameters,
    actions,
  };
}

/** An HTTP connector that answers from a script and records calls. */
function http(
  script: (call: HttpCall, n: number) => ConnectorResponse | Promise<ConnectorResponse>,
): Connectors & { calls: HttpCall[] } {
  const calls: HttpCall[] = [];
  return {
    calls,
    apiConnection: async () => ({ statusCode: 404 }),
    http: async (call) => {
      calls.push(call);
      return script(call, calls.length);
    },
  };
}

async function run(
  actions: JsonObject,
  connectors: Connectors = http(() => ({ statusCode: 200 })),
  body: unknown = { a: 1 },
): Promise<WorkflowRun & { statusCode: number; responseBody: unknown }> {
  const handle = startRun({
    definition: definition(actions),
    workflowName: "wf",
    request: { method: "POST", headers: {}, body },
    connectors,
    retryDelayMs: () => 0,
  });
  assert.ok(handle.accepted);
  const [response, done] = await Promise.all([handle.response, handle.done]);
  return { ...done, statusCode: response.statusCode, responseBody: response.body };
}

const statuses = (r: WorkflowRun) => Object.fromEntries(Object.values(r.actions).map((a) => [a.name, a.status]));

describe("local workflow runner", () => {
  it("answers 202 at once when the definition has no Response action", async () => {
    const r = await run({ A: { type: "Compose", runAfter: {}, inputs: "@triggerBody()?['a']" } });
    assert.strictEqual(r.statusCode, 202);
    assert.deepStrictEqual(r.actions.A.outputs, 1);
  });

  it("keeps a response body as Azure stores it: JSON parsed, text/plain raw, other types as $content-type/$content", async () => {
    // learn.microsoft.com/azure/logic-apps/logic-apps-content-type: "Because the request isn't plain text or JSON,
    // the request is stored in the action as follows: body: { $content-type, $content }" (base64).
    const answers: Record<string, { headers?: Record<string, string>; body: unknown }> = {
      json: { headers: { "Content-Type": "application/json; charset=utf-8" }, body: { k: "v" } },
      plain: { headers: { "content-type": "text/plain" }, body: "host down" },
      html: { headers: { "Content-Type": "text/html" }, body: "<h1>503</h1>" },
      untyped: { body: "no type" },
    };
    const call = (name: string) => ({
      type: "Http",
      runAfter: {},
      inputs: { method: "GET", uri: `https://x/${name}` },
    });
    const r = await run(
      {
        ...Object.fromEntries(Object.keys(answers).map((n) => [n, call(n)])),
        Read: {
          type: "Compose",
          runAfter: Object.fromEntries(Object.keys(answers).map((n) => [n, ["Succeeded"]])),
          inputs: "@body('html')?['k']",
        },
        // "... with a function like @string(body('formdataAction'))": the content as text.
        Text: { type: "Compose", runAfter: { Read: ["Succeeded"] }, inputs: "@string(body('html'))" },
      },
      http((c) => ({ statusCode: 200, ...answers[c.uri.slice("https://x/".length)] })),
    );
    assert.deepStrictEqual(
      Object.keys(answers).map((n) => (r.actions[n].outputs as JsonObject).body),
      [
        { k: "v" },
        "host down",
        { $content: Buffer.from("<h1>503</h1>").toString("base64"), "$content-type": "text/html" },
        "no type",
      ],
    );
    assert.deepStrictEqual([r.actions.Read.status, r.actions.Read.outputs], ["Succeeded", null]);
    assert.strictEqual(r.actions.Text.outputs, "<h1>503</h1>");
  });

  it("records only the fields an action has, in the run history's order (no undefined keys)", async () => {
    const r = await run({
      Outer: { type: "Scope", runAfter: {}, actions: { Inner: { type: "Compose", runAfter: {}, inputs: 1 } } },
    });
    assert.deepStrictEqual(Object.keys(r.actions.Outer), ["name", "type", "status", "code", "startTime", "endTime"]);
    assert.deepStrictEqual(Object.keys(r.actions.Inner), [
      ...["name", "type", "parent", "status", "code", "startTime", "endTime", "inputs", "outputs"],
    ]);
  });

  it("skips actions whose runAfter is not met, and propagates skips", async () => {
    const r = await run({
      A: { type: "Compose", runAfter: {}, inputs: "@foo()" },
      B: { type: "Compose", runAfter: { A: ["Succeeded"] }, inputs: 1 },
      C: { type: "Compose", runAfter: { B: ["Succeeded"] }, inputs: 2 },
      Handler: { type: "Compose", runAfter: { A: ["Failed"] }, inputs: "handled" },
    });
    assert.deepStrictEqual(statuses(r), { A: "Failed", B: "Skipped", C: "Skipped", Handler: "Succeeded" });
    assert.deepStrictEqual(r.actions.A.error, {
      code: "InvalidTemplate",
      message: "The template function 'foo' is not defined or not valid.",
    });
    assert.strictEqual(r.status, "Succeeded", "the failure was handled by Handler");
  });

  // The lead workflow processes a lead in a Switch's default case (workflow/phases/process.ts) where it used to be
  // a Scope: a container's status comes from its actions, Failed when a failure in it is not handled by a later
  // action (learn.microsoft.com/azure/logic-apps/logic-apps-exception-handling#scopes); the Switch runs only the
  // matching case, else the default (logic-apps-control-flow-switch-statement, "JSON definition").
  it("gives a Switch the status of the case that ran, as a Scope; a skipped one lists its nested actions skipped", async () => {
    const body = (tag: string, handled: boolean): JsonObject => ({
      [`Claim${tag}`]: { type: "Compose", runAfter: {}, inputs: "@int('x')" },
      ...(handled ? { [`Read${tag}`]: { type: "Compose", runAfter: { [`Claim${tag}`]: ["Failed"] }, inputs: 1 } } : {}),
      [`Done${tag}`]: { type: "Compose", runAfter: {}, inputs: 2 },
    });
    const pair = (tag: string, handled: boolean): JsonObject => ({
      [`Scope${tag}`]: { type: "Scope", runAfter: {}, actions: body(`S${tag}`, handled) },
      [`Switch${tag}`]: {
        type: "Switch",
        runAfter: {},
        expression: "received",
        cases: { Test: { case: "test", actions: { [`Mark${tag}`]: { type: "Compose", runAfter: {}, inputs: 3 } } } },
        default: { actions: body(`W${tag}`, handled) },
      },
    });
    const r = await run({
      ...pair("Handled", true),
      ...pair("Unhandled", false),
      Archive: { type: "Compose", runAfter: {}, inputs: "@int('x')" },
      SkippedSwitch: {
        type: "Switch",
        runAfter: { Archive: ["Succeeded"] },
        expression: "received",
        cases: { Test: { case: "test", actions: { InCase: { type: "Compose", runAfter: {}, inputs: 1 } } } },
        default: { actions: { InDefault: { type: "Compose", runAfter: {}, inputs: 1 } } },
      },
      SkippedScope: {
        type: "Scope",
        runAfter: { Archive: ["Succeeded"] },
        actions: { InScope: { type: "Compose", runAfter: {}, inputs: 1 } },
      },
    });
    const s = statuses(r);
    assert.deepStrictEqual(
      [s.ScopeHandled, s.SwitchHandled, s.ScopeUnhandled, s.SwitchUnhandled],
      ["Succeeded", "Succeeded", "Failed", "Failed"],
    );
    assert.deepStrictEqual([s.ReadWHandled, s.MarkHandled], ["Succeeded", undefined], "only the default case ran");
    assert.deepStrictEqual(
      [s.SkippedSwitch, s.InCase, s.InDefault, s.SkippedScope, s.InScope],
      ["Skipped", "Skipped", "Skipped", "Skipped", "Skipped"],
    );
    assert.deepStrictEqual(
      [r.actions.InCase.parent, r.actions.InDefault.parent, r.actions.InScope.parent],
      ["SkippedSwitch", "SkippedSwitch", "SkippedScope"],
    );
  });

  it("fails the run on an unhandled failure", async () => {
    const r = await run({ A: { type: "Compose", runAfter: {}, inputs: "@triggerBody()['missing']" } });
    assert.strictEqual(r.status, "Failed");
    assert.deepStrictEqual(r.error, {
      code: "ActionFailed",
      message: "An action failed. No dependent actions succeeded.",
    });
  });

  it("retries 5xx per the retry policy and records each retried attempt", async () => {
    const c = http((_call, n) =>
      n < 3 ? { statusCode: 503, body: { message: "busy" } } : { statusCode: 201, body: { id: 7 } },
    );
    const r = await run(
      {
        Call: {
          type: "Http",
          runAfter: {},
          inputs: {
            method: "POST",
            uri: "http://x",
            body: { v: "@triggerBody()?['a']" },
            retryPolicy: { type: "fixed", count: 5, interval: "PT5S" },
          },
        },
      },
      c,
    );
    assert.strictEqual(r.actions.Call.status, "Succeeded");
    assert.strictEqual(r.actions.Call.code, "Created");
    assert.deepStrictEqual(r.actions.Call.outputs, { statusCode: 201, headers: {}, body: { id: 7 } });
    assert.deepStrictEqual(
      r.actions.Call.retryHistory?.map((h) => [h.code, h.error?.message]),
      [
        ["ServiceUnavailable", "busy"],
        ["ServiceUnavailable", "busy"],
      ],
    );
    assert.deepStrictEqual(
      c.calls.map((x) => x.body),
      [{ v: 1 }, { v: 1 }, { v: 1 }],
    );
  });

  it("does not retry 4xx, and 'none' never retries", async () => {
    const c = http(() => ({ statusCode: 400, body: { error: { message: "bad lead" } } }));
    const r = await run({ Call: { type: "Http", runAfter: {}, inputs: { method: "POST", uri: "http://x" } } }, c);
    assert.strictEqual(c.calls.length, 1);
    // A failed HTTP action has its status code's name and the answer, no `error` (Learn, error-exception-handling,
    // "Get context and results for failures": the result() item of a 404).
    assert.deepStrictEqual(
      [r.actions.Call.status, r.actions.Call.code, r.actions.Call.error, (r.actions.Call.outputs as JsonObject).body],
      ["Failed", "BadRequest", undefined, { error: { message: "bad lead" } }],
    );
    const c2 = http(() => ({ statusCode: 500 }));
    await run(
      {
        Call: {
          type: "Http",
          runAfter: {},
          inputs: { method: "POST", uri: "http://x", retryPolicy: { type: "none" } },
        },
      },
      c2,
    );
    assert.strictEqual(c2.calls.length, 1);
  });

  it("an Http answer of 202 with a Location: the answer with DisableAsyncPattern, else failed (Azure would poll)", async () => {
    // learn.microsoft.com/azure/connectors/connectors-native-http#asynchronous-request-response-behavior: HTTP actions
    // poll the `location` of a 202 "until the receiver ... returns a "200 OK" success response or other non-202
    // response"; with "DisableAsyncPattern" "the action's output is based on the initial 202 response" (Learn,
    // logic-apps-workflow-actions-triggers, asynchronous patterns). The local runtime does not poll: it says so.
    const accepted = (location?: string): ConnectorResponse => ({
      statusCode: 202,
      headers: location ? { "Content-Type": "application/json", Location: location } : {},
      body: location ? { id: "abc" } : null,
    });
    const c = http((call) =>
      call.uri.endsWith("/status/abc")
        ? { statusCode: 200, body: { done: true } }
        : call.uri === "https://hook/no-location"
          ? accepted()
          : accepted("https://hook/status/abc"),
    );
    const call = (uri: string, options?: string) => ({
      type: "Http",
      runAfter: {},
      inputs: { method: "POST", uri, body: { lead: 1 } },
      ...(options ? { operationOptions: options } : {}),
    });
    const r = await run(
      {
        Sync: call("https://hook/sync", "DisableAsyncPattern"),
        Async: call("https://hook/async"),
        NoLocation: call("https://hook/no-location"),
        AfterSync: { type: "Compose", runAfter: { Sync: ["Succeeded"] }, inputs: "@body('Sync')?['id']" },
        AfterAsync: { type: "Compose", runAfter: { Async: ["Succeeded"] }, inputs: 1 },
      },
      c,
    );
    assert.deepStrictEqual(statuses(r), {
      Sync: "Succeeded",
      Async: "Failed",
      NoLocation: "Succeeded",
      AfterSync: "Succeeded",
      AfterAsync: "Skipped",
    });
    assert.deepStrictEqual(
      c.calls.map((x) => `${x.method} ${x.uri}`).sort(),
      ["POST https://hook/async", "POST https://hook/no-location", "POST https://hook/sync"],
      "one call each: no retry, no poll of the Location",
    );
    assert.deepStrictEqual(
      [r.actions.Sync.code, r.actions.Sync.outputs, r.actions.AfterSync.outputs],
      [
        "Accepted",
        {
          statusCode: 202,
          headers: { "Content-Type": "application/json", Location: "https://hook/status/abc" },
          body: { id: "abc" },
        },
        "abc",
      ],
    );
    assert.deepStrictEqual(
      [r.actions.NoLocation.code, r.actions.NoLocation.outputs],
      ["Accepted", { statusCode: 202, headers: {}, body: null }],
    );
    // The Location is not in the message: a Durable Functions status URL carries a key.
    assert.deepStrictEqual(
      [r.actions.Async.code, r.actions.Async.error, (r.actions.Async.outputs as JsonObject).statusCode],
      [
        "AsyncPatternNotSupported",
        {
          code: "AsyncPatternNotSupported",
          message:
            "The HTTP action 'Async' was answered 202 Accepted with a Location header. In Azure, an HTTP action without the operation option 'DisableAsyncPattern' polls that location until it answers other than 202 and takes that answer; the local runtime does not model this polling. Set \"operationOptions\": \"DisableAsyncPattern\" on the action to take the 202 as its answer, as Azure then does.",
        },
        202,
      ],
    );
    assert.strictEqual(r.status, "Failed");
  });

  it("uses Azure's default policy (4 retries) when none is given", async () => {
    const c = http(() => ({ statusCode: 500 }));
    await run({ Call: { type: "Http", runAfter: {}, inputs: { method: "POST", uri: "http://x" } } }, c);
    assert.strictEqual(c.calls.length, 5);
  });

  it("times an action out after limit.timeout", async () => {
    const c = http(() => new Promise(() => undefined));
    const r = await run(
      {
        Call: {
          type: "Http",
          runAfter: {},
          limit: { timeout: "PT1S" },
          inputs: { method: "GET", uri: "http://x", retryPolicy: { type: "none" } },
        },
      },
      c,
    );
    assert.strictEqual(r.actions.Call.status, "TimedOut");
    assert.strictEqual(r.actions.Call.code, "ActionTimedOut");
  });

  it("Terminate ends the run with its status and error; later actions do not run", async () => {
    const r = await run({
      Stop: {
        type: "Terminate",
        runAfter: {},
        inputs: { runStatus: "Failed", runError: { code: "Nope", message: "stopped @{triggerBody()?['a']}" } },
      },
      After: { type: "Compose", runAfter: { Stop: ["Succeeded"] }, inputs: 1 },
    });
    assert.strictEqual(r.status, "Failed");
    assert.deepStrictEqual(r.error, { code: "Nope", message: "stopped 1" });
    assert.strictEqual(r.actions.After, undefined);
  });

  it("Terminate cancels a call still running in a parallel branch, and aborts its signal", async () => {
    const signals: AbortSignal[] = [];
    const c = http(() => ({ statusCode: 200 }));
    c.http = async (call, signal) => {
      c.calls.push(call);
      signals.push(signal);
      return new Promise(() => undefined);
    };
    const started = Date.now();
    const r = await run(
      {
        Call: { type: "Http", runAfter: {}, inputs: { method: "GET", uri: "http://x", retryPolicy: { type: "none" } } },
        Stop: { type: "Terminate", runAfter: {}, inputs: { runStatus: "Cancelled" } },
      },
      c,
    );
    assert.ok(Date.now() - started < 5000, "the run ends at the Terminate, not at the call's 2-minute timeout");
    assert.strictEqual(r.status, "Cancelled");
    assert.deepStrictEqual(
      { status: r.actions.Call.status, code: r.actions.Call.code, inputs: r.actions.Call.inputs },
      {
        status: "Cancelled",
        code: "Cancelled",
        inputs: { method: "GET", uri: "http://x", retryPolicy: { type: "none" } },
      },
    );
    assert.deepStrictEqual(
      signals.map((s) => s.aborted),
      [true],
    );
  });

  it("runs If, Switch, Foreach, Query, Select and variables", async () => {
    const r = await run(
      {
        Init: {
          type: "InitializeVariable",
          runAfter: {},
          inputs: { variables: [{ name: "n", type: "integer", value: 0 }] },
        },
        Check: {
          type: "If",
          runAfter: { Init: ["Succeeded"] },
          expression: {
            and: [{ equals: ["@triggerBody()?['kind']", "big"] }, { greater: ["@length(triggerBody()?['items'])", 1] }],
          },
          actions: { Yes: { type: "Compose", runAfter: {}, inputs: "yes" } },
          else: { actions: { No: { type: "Compose", runAfter: {}, inputs: "no" } } },
        },
        Route: {
          type: "Switch",
          runAfter: { Check: ["Succeeded"] },
          expression: "@triggerBody()?['kind']",
          cases: { Small: { case: "small", actions: { S: { type: "Compose", runAfter: {}, inputs: 1 } } } },
          default: { actions: { D: { type: "Compose", runAfter: {}, inputs: 2 } } },
        },
        Loop: {
          type: "Foreach",
          runAfter: { Route: ["Succeeded"] },
          foreach: "@triggerBody()?['items']",
          operationOptions: "Sequential",
          actions: { Add: { type: "IncrementVariable", runAfter: {}, inputs: { name: "n", value: "@items('Loop')" } } },
        },
        Filter: {
          type: "Query",
          runAfter: { Loop: ["Succeeded"] },
          inputs: { from: "@triggerBody()?['items']", where: "@greater(item(), 1)" },
        },
        Map: {
          type: "Select",
          runAfter: { Filter: ["Succeeded"] },
          inputs: { from: "@body('Filter')", select: { v: "@item()" } },
        },
        Total: { type: "Compose", runAfter: { Map: ["Succeeded"] }, inputs: "@variables('n')" },
      },
      undefined,
      { kind: "big", items: [1, 2, 3] },
    );
    assert.deepStrictEqual(statuses(r), {
      Init: "Succeeded",
      No: "Skipped",
      Yes: "Succeeded",
      Check: "Succeeded",
      D: "Succeeded",
      Route: "Succeeded",
      Add: "Succeeded",
      Loop: "Succeeded",
      Filter: "Succeeded",
      Map: "Succeeded",
      Total: "Succeeded",
    });
    assert.strictEqual(r.actions.Loop.iterations, 3);
    assert.deepStrictEqual(r.actions.Filter.outputs, { body: [2, 3] });
    assert.deepStrictEqual(r.actions.Map.outputs, { body: [{ v: 2 }, { v: 3 }] });
    assert.strictEqual(r.actions.Total.outputs, 6);
  });

  it("gives result() the top-level actions of a scope, secured data hidden", async () => {
    const r = await run({
      S: {
        type: "Scope",
        runAfter: {},
        actions: {
          Ok: {
            type: "Compose",
            runAfter: {},
            inputs: "secret-value",
            runtimeConfiguration: { secureData: { properties: ["inputs", "outputs"] } },
          },
          Bad: { type: "Compose", runAfter: { Ok: ["Succeeded"] }, inputs: "@int('x')" },
        },
      },
      Failures: {
        type: "Query",
        runAfter: { S: ["Failed"] },
        inputs: { from: "@result('S')", where: "@equals(item()?['status'], 'Failed')" },
      },
      Names: { type: "Compose", runAfter: { Failures: ["Succeeded"] }, inputs: "@string(result('S'))" },
    });
    assert.strictEqual(r.actions.S.status, "Failed");
    assert.deepStrictEqual(
      (r.actions.Failures.outputs as any).body.map((x: any) => [x.name, x.code]),
      [["Bad", "InvalidTemplate"]],
    );
    assert.ok(!String(r.actions.Names.outputs).includes("secret-value"));
    assert.deepStrictEqual(r.actions.Ok.secured, ["inputs", "outputs"]);
  });

  it("answers the Response's status and body, and 502 when the Response is skipped", async () => {
    const ok = await run({
      R: {
        type: "Response",
        kind: "Http",
        runAfter: {},
        inputs: { statusCode: "@add(200, 1)", body: { a: "@triggerBody()?['a']" } },
      },
    });
    assert.deepStrictEqual([ok.statusCode, ok.responseBody], [201, { a: 1 }]);
    const skipped = await run({
      A: { type: "Compose", runAfter: {}, inputs: "@int('x')" },
      R: { type: "Response", kind: "Http", runAfter: { A: ["Succeeded"] }, inputs: { statusCode: 200 } },
    });
    assert.strictEqual(skipped.statusCode, 502);
    assert.deepStrictEqual(skipped.responseBody, {
      error: { code: "NoResponse", message: "The workflow run finished without running its Response action." },
    });
  });

  it("refuses a body against the trigger schema with EnableSchemaValidation, starting no run", async () => {
    const handle = startRun({
      definition: {
        triggers: {
          manual: {
            type: "Request",
            kind: "Http",
            operationOptions: "EnableSchemaValidation",
            inputs: { schema: { type: "object" } },
          },
        },
        actions: {},
      },
      workflowName: "wf",
      request: { method: "POST", headers: {}, body: [1] },
      connectors: http(() => ({ statusCode: 200 })),
    });
    assert.strictEqual(handle.accepted, false);
    assert.deepStrictEqual(await handle.response, {
      statusCode: 400,
      headers: { "Content-Type": "application/json" },
      body: {
        error: {
          code: "TriggerInputSchemaMismatch",
          message:
            "The input body for trigger 'manual' of type 'Request' did not match its schema definition. Error details: 'body must be object'.",
        },
      },
    });
  });

  it("static check: bad expressions, unknown types, runAfter outside the scope, missing references", () => {
    assert.deepStrictEqual(
      checkDefinition({
        parameters: {},
        actions: {
          A: { type: "Compose", runAfter: {}, inputs: "@concat()" },
          B: { type: "Teleport", runAfter: { Ghost: ["Succeeded"] } },
          C: { type: "Compose", runAfter: {}, inputs: "@{body('Nope')} @{parameters('p')}" },
        },
      }),
      [
        {
          path: "actions.A.inputs",
          message:
            "The template language function 'concat' expects at least '1' parameter. The function was invoked with '0' parameters. (in \"@concat()\")",
        },
        { path: "actions.B", message: "The action type 'Teleport' is not supported by the local runtime." },
        { path: "actions.B.runAfter", message: "'runAfter' names 'Ghost', which is not an action of the same scope." },
        { path: "actions", message: "An expression refers to the action 'Nope', which does not exist." },
        {
          path: "parameters",
          message: "An expression reads the parameter 'p', which the definition does not declare.",
        },
      ],
    );
  });
});

describe("retry wait (calls.ts sleep)", () => {
  it("leaves no listener on the run's signal once it has waited, and a Terminate still ends a wait", async () => {
    const run = new AbortController();
    await sleep(run.signal, 5);
    await sleep(run.signal, 5);
    assert.strictEqual(getEventListeners(run.signal, "abort").length, 0, "one left per retry otherwise");
    const waiting = sleep(run.signal, 60000);
    run.abort();
    await assert.rejects(waiting, (e: Error) => e.constructor.name === "Terminated");
  });
});
