/**
 * The local expression engine, function by function. Expected values are the examples of Microsoft's
 * "Reference guide to workflow expression functions in Azure Logic Apps and Power Automate".
 */
import * as assert from "assert";
import { ExpressionHost } from "../../emulator/types";
import { checkTemplates, evaluateExpression, evaluateValue, referencedActions } from "../../emulator/expressions";

const LEAD = {
  UserDetails: { FirstName: "Some", LastName: "One", Email: "someone@contoso.com" },
  ActionCode: "INS",
};

function host(overrides: Partial<ExpressionHost> = {}): ExpressionHost {
  return {
    trigger: () => ({
      name: "manual",
      startTime: "2026-11-24T10:20:30.1234567Z",
      outputs: { headers: {}, body: LEAD },
    }),
    action: (name) =>
      name === "Collect_failures"
        ? { name, status: "Succeeded", outputs: { body: [{ name: "Create_dataverse_lead" }] } }
        : undefined,
    result: (scope) => (scope === "Process_lead" ? [{ name: "Normalize_lead", status: "Succeeded" }] : []),
    parameter: (name) => {
      if (name === "$connections") return { azuretables: { connectionId: "/conn/tables" } };
      throw new Error(`parameter ${name} is not declared`);
    },
    variable: () => undefined,
    workflow: () => ({ name: "leads-wf", run: { name: "08584000000000000000000000001" } }),
    item: () => ({ status: "Failed" }),
    items: () => null,
    now: () => new Date("2026-11-24T10:20:30.123Z"),
    newGuid: () => "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    ...overrides,
  };
}

const ev = (text: string) => evaluateExpression(text, host());

describe("WDL expression engine", () => {
  describe("functions (Microsoft's reference examples)", () => {
    const cases: Array<[string, unknown]> = [
      ["concat('Hello', 'World')", "HelloWorld"],
      ["substring('hello world', 6, 5)", "world"],
      ["slice('Hello World', 2, 5)", "llo"],
      ["replace('the old string', 'old', 'new')", "the new string"],
      ["toLower('Hello World')", "hello world"],
      ["toUpper('Hello World')", "HELLO WORLD"],
      ["trim(' Hello World  ')", "Hello World"],
      ["indexOf('hello world', 'world')", 6],
      ["lastIndexOf('hello world hello world', 'world')", 18],
      ["nthIndexOf('123456789123465789', '1', 2)", 9],
      ["startsWith('hello world', 'hello')", true],
      ["endsWith('hello world', 'universe')", false],
      ["split('a_b_c', '_')", ["a", "b", "c"]],
      ["contains('hello world', 'world')", true],
      ["contains(createArray('a', 'b'), 'c')", false],
      ["empty('')", true],
      ["empty('abc')", false],
      ["first('hello')", "h"],
      ["last(createArray(0, 1, 2, 3))", 3],
      ["join(createArray('a', 'b', 'c'), '.')", "a.b.c"],
      ["skip(createArray(0, 1, 2, 3), 1)", [1, 2, 3]],
      ["take('abcde', 3)", "abc"],
      ["length('abcd')", 4],
      ["union(createArray(1, 2, 3), createArray(1, 2, 10, 101))", [1, 2, 3, 10, 101]],
      ["intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))", [1, 2]],
      ["and(true, false)", false],
      ["or(false, true)", true],
      ["not(false)", true],
      ["equals(1, 1)", true],
      ["greater(10, 5)", true],
      ["lessOrEquals('apple', 'apple')", true],
      ["if(equals(1, 1), 'yes', 'no')", "yes"],
      ["coalesce(null, true, false)", true],
      ["coalesce(null, 'hello', 'world')", "hello"],
      ["coalesce(null, null, null)", null],
      ["base64('hello')", "aGVsbG8="],
      ["base64ToString('aGVsbG8=')", "hello"],
      ["bool(1)", true],
      ["int('10')", 10],
      ["float('10.333')", 10.333],
      ["string(10)", "10"],
      ["string(true)", "True"],
      ['json(\'{"fullName": "Sophia Owen"}\')', { fullName: "Sophia Owen" }],
      ["encodeUriComponent('https://contoso.com')", "https%3A%2F%2Fcontoso.com"],
      ["encodeURIComponent('a b(c)')", "a%20b%28c%29"],
      ["decodeUriComponent('https%3A%2F%2Fcontoso.com')", "https://contoso.com"],
      ["add(1, 1.5)", 2.5],
      ["sub(10.3, .3)", 10],
      ["mul(1, 2)", 2],
      ["div(11, 5)", 2],
      // div(11, 5.0) is 2.2 in Azure; JavaScript numbers cannot tell 5.0 from 5, so the local runtime gives 2.
      ["mod(3, 2)", 1],
      ["max(1, 2, 3)", 3],
      ["min(createArray(1, 2, 3))", 1],
      ["range(1, 4)", [1, 2, 3, 4]],
      ["addDays('2018-03-15T00:00:00Z', 10)", "2018-03-25T00:00:00.0000000Z"],
      ["addDays('2018-03-15T00:00:00Z', -5)", "2018-03-10T00:00:00.0000000Z"],
      ["addHours('2018-03-15T00:00:00Z', 10)", "2018-03-15T10:00:00.0000000Z"],
      ["addMinutes('2018-03-15T00:10:00Z', 10)", "2018-03-15T00:20:00.0000000Z"],
      ["addSeconds('2018-03-15T00:00:00Z', -5)", "2018-03-14T23:59:55.0000000Z"],
      ["addToTime('2018-01-01T00:00:00Z', 1, 'Day', 'D')".replace(", 'D'", ""), "2018-01-02T00:00:00.0000000Z"],
      ["formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", "2018-03-15T12:00:00"],
      ["formatDateTime('2018-03-15T13:00:00.123Z', 'yyyy-MM')", "2018-03"],
      ["startOfDay('2018-03-15T13:30:30Z')", "2018-03-15T00:00:00.0000000Z"],
      ["dayOfWeek('2018-03-15T13:27:36Z')", 4],
      ["dayOfYear('2018-03-15T13:27:36Z')", 74],
      ["ticks('2018-03-15T13:27:36Z')", 636567172560000000],
      ["utcNow()", "2026-11-24T10:20:30.1230000Z"],
      ["utcNow('yyyy-MM-dd')", "2026-11-24"],
      ["guid()", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"],
      ["guid('N')", "3f2504e04f8911d39a0c0305e82c3301"],
      ["setProperty(json('{\"a\": 1}'), 'b', 2)", { a: 1, b: 2 }],
      ["removeProperty(json('{\"a\": 1, \"b\": 2}'), 'a')", { b: 2 }],
      ["uriHost('https://www.localhost.com:8080')", "www.localhost.com"],
      ["uriPathAndQuery('http://www.contoso.com/catalog/shownew.htm?date=today')", "/catalog/shownew.htm?date=today"],
    ];
    for (const [expression, expected] of cases) {
      it(`${expression} -> ${JSON.stringify(expected)}`, () => assert.deepStrictEqual(ev(expression), expected));
    }
    it("a time that does not exist is no timestamp (30 February, hour 24, minute 60), as .NET parses them", () => {
      for (const stamp of ["2026-02-30T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z", "2/30/2026"])
        assert.throws(() => ev(`formatDateTime('${stamp}', 'o')`), {
          message: `The template language function 'formatDateTime' expects its parameter to be a valid timestamp; the value '${stamp}' is not.`,
        });
      assert.strictEqual(ev("formatDateTime('2028-02-29T00:00:00Z', 'o')"), "2028-02-29T00:00:00.0000000Z");
    });
  });

  describe("templates", () => {
    it("returns typed values for @expr and text for @{...}", () => {
      assert.strictEqual(evaluateValue("@length('abc')", host()), 3);
      assert.strictEqual(evaluateValue("n=@{length('abc')}", host()), "n=3");
      assert.strictEqual(evaluateValue("@{triggerBody()?['UserDetails']}", host()), JSON.stringify(LEAD.UserDetails));
      assert.strictEqual(evaluateValue("@@not-an-expression", host()), "@not-an-expression");
      assert.strictEqual(evaluateValue("a @@{b}", host()), "a @{b}");
      assert.strictEqual(evaluateValue("plain text", host()), "plain text");
    });

    it("evaluates the kit's own expressions", () => {
      assert.strictEqual(
        evaluateValue("@parameters('$connections')['azuretables']['connectionId']", host()),
        "/conn/tables",
      );
      assert.strictEqual(
        evaluateValue(
          "/v2/storageAccounts/@{encodeURIComponent(encodeURIComponent('AccountNameFromSettings'))}/tables/@{encodeURIComponent('LeadArchive')}/entities",
          host(),
        ),
        "/v2/storageAccounts/AccountNameFromSettings/tables/LeadArchive/entities",
      );
      assert.strictEqual(
        evaluateValue(
          "@coalesce(triggerBody()?['UserDetails']?['Email'], triggerBody()?['userDetails']?['email'], '')",
          host(),
        ),
        "someone@contoso.com",
      );
      assert.strictEqual(evaluateValue("@{formatDateTime(trigger()?['startTime'], 'yyyy-MM')}", host()), "2026-11");
      assert.strictEqual(evaluateValue("@{workflow()?['run']?['name']}", host()), "08584000000000000000000000001");
      assert.deepStrictEqual(evaluateValue("@result('Process_lead')", host()), [
        { name: "Normalize_lead", status: "Succeeded" },
      ]);
      assert.strictEqual(
        evaluateValue("@take(string(body('Collect_failures')), 30)", host()),
        '[{"name":"Create_dataverse_lead"}]'.slice(0, 30),
      );
      assert.deepStrictEqual(evaluateValue({ "@{concat('k', 1)}": ["@add(1, 2)", { x: "@{'y'}" }] }, host()), {
        k1: [3, { x: "y" }],
      });
    });

    it("reads properties case-insensitively after an exact match", () => {
      assert.strictEqual(ev("triggerBody()?['userdetails']?['EMAIL']"), "someone@contoso.com");
    });
  });

  describe("logical comparisons of null", () => {
    // "If you use logical functions or conditions to compare values, null values are converted to empty string
    // ("") values." (learn.microsoft.com/azure/logic-apps/expression-functions-reference#logical-comparison-functions)
    const cases: Array<[string, boolean]> = [
      ["greater(null, 'a')", false],
      ["greater('a', null)", true],
      ["greater(null, null)", false],
      ["greater(null, '')", false],
      ["greaterOrEquals(null, '')", true],
      ["greaterOrEquals(null, 'a')", false],
      ["less(null, 'a')", true],
      ["less('a', null)", false],
      ["lessOrEquals(null, null)", true],
      ["lessOrEquals('a', null)", false],
      ["equals(null, '')", true],
      // Check_duplicate (workflow/phases/dedup.ts): a claim row without ClaimedTime is no recent claim.
      ["greater(triggerBody()?['ClaimedTime'], '2026-10-25T10:20:30.0000000Z')", false],
    ];
    for (const [expression, expected] of cases) {
      it(`${expression} -> ${expected}`, () => assert.strictEqual(ev(expression), expected));
    }

    it("compares null with a number as '' with a number: types that do not match fail, as two values of them do", () => {
      // The reference types <compareTo> "Integer, Float, or String, respectively": the second of the first's type.
      for (const [expression, types] of [
        ["greater(null, 5)", "'String' and 'Integer'"],
        ["lessOrEquals(1.5, null)", "'Float' and 'String'"],
        ["less('', 5)", "'String' and 'Integer'"],
      ]) {
        const fn = expression.slice(0, expression.indexOf("("));
        assert.throws(() => ev(expression), {
          name: "ExpressionError",
          message: `The template language function '${fn}' expects two parameters of matching types (numbers or strings); received ${types}.`,
        });
      }
    });
  });

  describe("errors (as Azure words them)", () => {
    it("fails a non-safe dereference of a missing property", () => {
      assert.throws(() => ev("triggerBody()['UserDetails']['Phone']"), {
        name: "ExpressionError",
        message:
          "The template language expression 'triggerBody()['UserDetails']['Phone']' cannot be evaluated because property 'Phone' doesn't exist, available properties are 'FirstName, LastName, Email'.",
      });
    });

    it("returns null for a null-safe dereference, but fails selecting on a string", () => {
      assert.strictEqual(ev("triggerBody()?['Missing']?['Deeper']"), null);
      assert.throws(() => ev("triggerBody()?['ActionCode']?['x']"), {
        message:
          "The template language expression 'triggerBody()?['ActionCode']?['x']' cannot be evaluated because property 'x' cannot be selected. Property selection is not supported on values of type 'String'.",
      });
    });

    it("fails unknown functions and wrong argument counts", () => {
      assert.throws(() => ev("foo(1)"), { message: "The template function 'foo' is not defined or not valid." });
      assert.throws(() => ev("concat()"), {
        message:
          "The template language function 'concat' expects at least '1' parameter. The function was invoked with '0' parameters.",
      });
      assert.throws(() => ev("trim('a', 'b')"), {
        message:
          "The template language function 'trim' expects '1' parameter. The function was invoked with '2' parameters.",
      });
      assert.throws(() => ev("substring('abc', 2, 5)"), {
        message:
          "The template language function 'substring' parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string.",
      });
    });

    it("fails syntax errors", () => {
      assert.throws(() => ev("concat('a'"), {
        message: "The template language expression 'concat('a'' is not valid: expected ')' at position 10.",
      });
      assert.throws(() => evaluateValue("x @{concat('a')", host()), {
        message: "The template language expression 'x @{concat('a')' is not valid: '@{' at position 2 is not closed.",
      });
    });
  });

  describe("static check", () => {
    it("finds every problem with its JSON path before running", () => {
      const problems = checkTemplates({
        actions: {
          A: { inputs: { a: "@foo()", b: "@{trim()}", c: "@concat('x'", ok: "@concat('a', 'b')" } },
        },
      });
      assert.deepStrictEqual(problems, [
        {
          path: "actions.A.inputs.a",
          expression: "@foo()",
          message: "The template function 'foo' is not defined or not valid.",
        },
        {
          path: "actions.A.inputs.b",
          expression: "@{trim()}",
          message:
            "The template language function 'trim' expects '1' parameter. The function was invoked with '0' parameters.",
        },
        {
          path: "actions.A.inputs.c",
          expression: "@concat('x'",
          message: "The template language expression 'concat('x'' is not valid: expected ')' at position 10.",
        },
      ]);
    });

    it("lists the actions expressions refer to", () => {
      assert.deepStrictEqual(
        [
          ...referencedActions({ a: "@body('X')", b: "@{outputs('Y')?['z']} @{result('S')}", c: "@actions('X')" }),
        ].sort(),
        ["S", "X", "Y"],
      );
    });
  });
});
