/**
 * cli/register.js maps stack frames to the TypeScript lines itself, from the inline map of each file it compiled
 * (this mocha process loads TypeScript through it), instead of Node's source maps, which parse every module's map.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

describe("stack traces of the kit's TypeScript (cli/register.js)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-stack-"));
  const file = path.join(dir, "thrower.ts");
  fs.writeFileSync(
    file,
    [
      "interface T { a: number }",
      "export class K {",
      "  constructor(readonly t: T) {}",
      "  async go(): Promise<void> {",
      "    await null;",
      "    throw new Error(`boom ${this.t.a}`);",
      "  }",
      "}",
      "export async function run(): Promise<string> {",
      "  try { await new K({ a: 1 }).go(); } catch (e) { return (e as Error).stack!; }",
      '  return "";',
      "}",
      'export const plain = { name: "Custom", message: "m" } as { name: string; message: string; stack?: string };',
      "Error.captureStackTrace(plain);",
      "",
    ].join("\n"),
  );
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file written by this test, loaded as the kit loads its own
  const thrower = require(file) as { run(): Promise<string>; plain: { stack?: string } };

  it("names each frame's TypeScript line and column, async frames included, with V8's own text around it", async () => {
    const frames = (await thrower.run()).split("\n");
    assert.deepStrictEqual(
      [frames[0], frames[1], frames.find((f) => f.includes("async Object.run"))],
      ["Error: boom 1", `    at K.go (${file}:6:11)`, `    at async Object.run (${file}:10:9)`],
    );
  });

  it("heads a captured non-Error object's stack with its name and message, its frame mapped", () => {
    assert.deepStrictEqual(thrower.plain.stack!.split("\n").slice(0, 2), [
      "Custom: m",
      `    at Object.<anonymous> (${file}:14:7)`,
    ]);
  });

  it("heads a Node error's stack with its code, as Node does", () => {
    let stack = "";
    try {
      fs.readFileSync(1.5 as unknown as string);
    } catch (e) {
      stack = (e as Error).stack!;
    }
    assert.strictEqual(
      stack.split("\n")[0],
      'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string or an instance of Buffer or URL. ' +
        "Received type number (1.5)",
    );
  });

  it("heads an assertion's stack with its code once, as Node does (the name carries it while the stack is taken)", () => {
    let stack = "";
    try {
      assert.strictEqual(0, 1, "one of none");
    } catch (e) {
      stack = (e as Error).stack!;
    }
    assert.strictEqual(stack.split("\n")[0], "AssertionError [ERR_ASSERTION]: one of none");
  });

  it("heads an error whose name is not a string, or empty, as Node does, its code left out", () => {
    const head = (name: unknown) => {
      const e = Object.assign(new Error("m"), { name, code: "ERR_X" });
      return e.stack!.split("\n")[0];
    };
    assert.deepStrictEqual([head(42), head(""), head(undefined)], ["42: m", "m", "Error: m"]);
  });

  it("leaves the frames of JavaScript modules as V8 gives them, and Node's source maps off", () => {
    let stack = "";
    try {
      JSON.parse("{");
    } catch (e) {
      stack = (e as Error).stack!;
    }
    assert.match(stack.split("\n")[1], /^ {4}at JSON\.parse \(<anonymous>\)$/);
    // Node's maps would parse node_modules' .js.map files on every load and map every frame of every stack.
    assert.strictEqual((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled, false);
  });
});
