/**
 * How the functions register with the Functions host: the metadata the real `@azure/functions` library
 * hands to the host's core API (`@azure/functions-core`, present only inside the worker, so recorded here).
 */
import * as assert from "assert";
import Module from "module";

interface Binding {
  type: string;
  direction: string;
  authLevel?: string;
}

const FUNCTIONS = [
  "../src/functions/normalizeLead",
  "../src/functions/replayDeadLetters",
  "../src/functions/purgeExpired",
];

/** Loads the function modules afresh against a recording core API; returns name -> bindings. */
function registrations(): Record<string, Binding[]> {
  const recorded: Record<string, Binding[]> = {};
  const core = {
    setProgrammingModel: () => undefined,
    registerFunction: (meta: { name: string; bindings: Record<string, Binding> }) => {
      recorded[meta.name] = Object.values(meta.bindings);
      return { dispose: () => undefined };
    },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  const fresh = () => {
    for (const key of Object.keys(require.cache)) {
      if (key.includes("@azure/functions/") || key.includes("function-code/src/functions/")) delete require.cache[key];
    }
  };
  loader._load = (request, ...rest) =>
    request === "@azure/functions-core" ? core : original.call(Module, request, ...rest);
  try {
    fresh();
    // Synchronous load on purpose: the recording core API is in place only during this call.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const f of FUNCTIONS) require(f);
  } finally {
    loader._load = original;
    fresh();
  }
  return recorded;
}

describe("function registration (host metadata)", () => {
  it("exposes normalizeLead anonymously: App Service authentication guards it, no function key exists", () => {
    const r = registrations();
    const [trigger] = r.normalizeLead.filter((b) => b.type === "httpTrigger");
    assert.deepStrictEqual([trigger.direction, trigger.authLevel], ["in", "anonymous"]);
  });

  it("registers the replay and the retention purge as timers with no HTTP surface", () => {
    const r = registrations();
    assert.deepStrictEqual(
      [r.replayDeadLetters, r.purgeExpired].map((bindings) => bindings.map((b) => b.type)),
      [["timerTrigger"], ["timerTrigger"]],
    );
  });
});
