/** Built-in functions declared once with a signature: arity and argument-type errors from one place, Azure's wording. */
import * as assert from "assert";
import { checkTemplates, evaluateExpression, FUNCTIONS } from "../../../emulator/expressions";
import { referenceHost } from "../../../emulator/expressions/reference/host";
import { define } from "../../../emulator/expressions/signature";

const host = referenceHost();

describe("WDL function signatures", () => {
  it("derives the arity from the signature: required, optional (?), repeated (+ one or more, * zero or more)", () => {
    const arity = (s: string) => (({ min, max }) => [min, max])(define("f", s, () => null));
    assert.deepStrictEqual(arity(""), [0, 0]);
    assert.deepStrictEqual(arity("s,i,i?"), [2, 3]);
    assert.deepStrictEqual(arity("x+"), [1, Number.MAX_SAFE_INTEGER]);
    assert.deepStrictEqual(arity("s,x*"), [1, Number.MAX_SAFE_INTEGER]);
  });

  it("refuses a malformed signature when the function is declared", () => {
    assert.throws(() => define("f", "s,q", () => null), /define\('f'\): bad signature 's,q'/);
    assert.throws(() => define("f", "x+,s", () => null), /bad signature 'x\+,s'/);
  });

  it("checks each argument's type before the function runs, naming the function, the position and the type", () => {
    let ran = false;
    const f = define("myFunction", "s,i,n?", () => (ran = true));
    assert.throws(
      () => f.impl(["a", "b"], host),
      /^ExpressionError: The template language function 'myFunction' expects its parameter 2 to be an integer\. The provided value is of type 'String'\.$/,
    );
    assert.throws(
      () => f.impl(["a", 1, "2"], host),
      /expects its parameter 3 to be a number\. The provided value is of type 'String'\./,
    );
    assert.strictEqual(ran, false);
    f.impl(["a", 1], host);
    assert.strictEqual(ran, true);
  });

  it("gives the reference's functions those errors in evaluation, with the reference's spelling of the name", () => {
    assert.throws(
      () => evaluateExpression("TOLOWER(5)", host),
      (err: Error) =>
        err.message ===
        "The template language function 'toLower' expects its parameter 1 to be a string. The provided value is of type 'Integer'.",
    );
    assert.throws(
      () => evaluateExpression("substring('abc', '1')", host),
      (err: Error) =>
        err.message ===
        "The template language function 'substring' expects its parameter 2 to be an integer. The provided value is of type 'String'.",
    );
    assert.throws(
      () => evaluateExpression("skip(5, 1)", host),
      (err: Error) =>
        err.message ===
        "The template language function 'skip' expects its parameter to be an array or a string. The provided value is of type 'Integer'.",
    );
    assert.throws(
      () => evaluateExpression("formatNumber('x', 'N2')", host),
      (err: Error) =>
        err.message ===
        "The template language function 'formatNumber' expects its parameter 1 to be a number. The provided value is of type 'String'.",
    );
  });

  it("reports wrong argument counts before anything runs (static check), from the same signatures", () => {
    const problems = checkTemplates({ a: "@substring('abc')", b: "@concat()", c: "@utcNow('o', 1)" });
    assert.deepStrictEqual(
      problems.map((p) => p.message),
      [
        "The template language function 'substring' expects at least '2' parameters. The function was invoked with '1' parameter.",
        "The template language function 'concat' expects at least '1' parameter. The function was invoked with '0' parameters.",
        "The template language function 'utcNow' expects at most '1' parameter. The function was invoked with '2' parameters.",
      ],
    );
  });

  it("keys every function by its lower-case name", () => {
    for (const [key, spec] of Object.entries(FUNCTIONS)) assert.strictEqual(key, spec.name.toLowerCase());
    assert.ok(Object.keys(FUNCTIONS).length >= 124, `${Object.keys(FUNCTIONS).length} functions`);
  });
});
