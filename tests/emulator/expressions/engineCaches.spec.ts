/**
 * What the expression engine keeps between evaluations (a call's resolved function on its parsed node, parsed
 * templates per string) and its allocation-free property look-up must not change a result or an error: a cached
 * template fails the same way every time, and key casing is matched as before.
 */
import * as assert from "assert";
import { ExpressionHost } from "../../../emulator/types";
import { evaluateExpression, evaluateValue } from "../../../emulator/expressions";

function host(body: unknown): ExpressionHost {
  const trigger = { name: "manual", outputs: { headers: {}, body } };
  return {
    trigger: () => trigger,
    action: () => undefined,
    result: () => [],
    parameter: () => undefined,
    variable: () => undefined,
    workflow: () => ({ name: "wf", run: { name: "run-1" } }),
    item: () => undefined,
    items: () => undefined,
    now: () => new Date("2026-11-24T10:20:30.123Z"),
    newGuid: () => "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
  };
}

describe("expression engine caches", () => {
  it("fails an unknown function on every evaluation of the same cached template", () => {
    const h = host({});
    for (let i = 0; i < 3; i++) {
      assert.throws(() => evaluateValue({ a: "@concat('x', nope(1))" }, h), {
        message: "The template function 'nope' is not defined or not valid.",
      });
    }
  });

  it("fails a wrong argument count on every evaluation, after the same function ran with the right one", () => {
    const h = host({});
    assert.strictEqual(evaluateExpression("trim(' a ')", h), "a");
    for (let i = 0; i < 3; i++) {
      assert.throws(() => evaluateExpression("trim(' a ', 'b')", h), {
        message:
          "The template language function 'trim' expects '1' parameter. The function was invoked with '2' parameters.",
      });
    }
  });

  it("checks argument types on every call of a resolved function", () => {
    const h = host({ n: 5, s: "A" });
    assert.strictEqual(evaluateExpression("toLower(triggerBody()['s'])", h), "a");
    assert.throws(() => evaluateExpression("toLower(triggerBody()['n'])", h), {
      message:
        "The template language function 'toLower' expects its parameter 1 to be a string. The provided value is of type 'Integer'.",
    });
  });

  it("resolves function names in any casing to the same function", () => {
    const h = host({});
    assert.strictEqual(evaluateExpression("TOLOWER('AbC')", h), "abc");
    assert.strictEqual(evaluateExpression("toLower('AbC')", h), "abc");
  });

  it("selects a property ignoring case, the exact name first", () => {
    const h = host({ UserDetails: { Email: "a@b" }, key: 1, KEY: 2 });
    assert.strictEqual(evaluateExpression("triggerBody()?['userdetails']?['EMAIL']", h), "a@b");
    assert.strictEqual(evaluateExpression("triggerBody()['KEY']", h), 2);
    assert.strictEqual(evaluateExpression("triggerBody()['Key']", h), 1);
    assert.strictEqual(evaluateExpression("triggerBody()?['missing']", h), null);
  });

  it("matches a key whose lower case has another length ('İ' lowers to 'i' and a combining dot)", () => {
    const h = host({ "i\u0307d": "dotted" });
    assert.strictEqual(evaluateExpression("triggerBody()['\u0130D']", h), "dotted");
  });

  it("names the whole expression when a property is missing, for a template evaluated many times", () => {
    const h = host({ a: {} });
    for (let i = 0; i < 2; i++) {
      assert.throws(() => evaluateValue("@{triggerBody()['a']['b']}", h), {
        message:
          "The template language expression 'triggerBody()['a']['b']' cannot be evaluated because property 'b' doesn't exist, available properties are ''.",
      });
    }
  });
});
