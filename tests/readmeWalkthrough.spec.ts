/**
 * The README's local walkthroughs, pasted: the shell blocks after "Quick start" are run line by line,
 * exactly as written, in a copy of the project against a running `npm start`, and each line's exit code
 * and output are checked against what the README says it prints.
 */
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "../local/azurite";

const ROOT = path.join(__dirname, "..");

/** The ```bash blocks of a README section, each as its command lines (comments stripped). */
function bashBlocks(readme: string, heading: string): string[][] {
  const start = readme.indexOf(`## ${heading}`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter((l) => l.length > 0),
  );
}

/** A copy of the project (its node_modules linked) so the walkthrough's state stays out of the work tree. */
function projectCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-readme-"));
  const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
  for (const f of files) {
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

describe("README walkthroughs, pasted", function () {
  this.timeout(240000);
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const blocks = bashBlocks(readme, "Quick start (no Azure account needed)");
  let dir: string;
  let server: ChildProcess;
  let serverOut = "";

  before(async () => {
    dir = projectCopy();
    const port = await freePort();
    // The first block's `npm start`, on a free port (7071 may be taken on a developer's machine).
    // Its own process group: Ctrl-C reaches npm and the server alike, as in a terminal.
    server = spawn("npm", ["start", "--", "--port", String(port)], {
      cwd: dir,
      env: { ...process.env, CI: "" },
      detached: true,
    });
    server.stdout?.on("data", (d: Buffer) => (serverOut += d.toString()));
    server.stderr?.on("data", (d: Buffer) => (serverOut += d.toString()));
    const deadline = Date.now() + 90000;
    while (!fs.existsSync(path.join(dir, ".local-runs", "endpoint.json"))) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`npm start did not come up:\n${serverOut}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((r) => server.once("exit", r));
    process.kill(-server.pid!, "SIGINT"); // Ctrl-C: the server stops Azurite with SIGINT and exits
    // Its timer cleared once npm has exited: a pending one kept mocha's process up 20 s after the last test.
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise((r) => (timer = setTimeout(() => r(false), 20000))),
    ]);
    clearTimeout(timer);
    if (!stopped) process.kill(-server.pid!, "SIGKILL");
    else fs.rmSync(dir, { recursive: true, force: true }); // the project's copy (kept when the stop fails)
    assert.ok(stopped, `npm start did not stop on Ctrl-C:\n${serverOut}`);
  });

  /** Runs one pasted line with bash in the project copy. */
  const sh = (line: string) => {
    const r = spawnSync("bash", ["-c", line], {
      cwd: dir,
      encoding: "utf8",
      timeout: 120000,
      env: { ...process.env, CI: "" },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  it("the README has the blocks this test pastes", () => {
    assert.deepStrictEqual(blocks[0], ["npm ci && npm start", "npm test"]);
    assert.strictEqual(blocks.length, 3, JSON.stringify(blocks));
  });

  it("quick start: the Validate lead is set aside, the sample lead delivered", () => {
    const [validate, full] = blocks[1].map(sh);
    assert.strictEqual(validate.code, 0, validate.out);
    assert.match(validate.out, /Outcome: test lead/, validate.out);
    assert.strictEqual(full.code, 0, full.out);
    assert.match(full.out, /Outcome: delivered to dataverse \(record [0-9a-f-]{36}\)/, full.out);
  });

  it("see a dead letter, replay it, list the leads: each line does what its comment says", () => {
    const results = blocks[2].map((line) => ({ line, ...sh(line) }));
    const byStart = (prefix: string) => results.find((r) => r.line.startsWith(prefix))!;
    const codes = results.map((r) => [r.line.split("  ")[0], r.code]);
    const send = byStart("npm run send");
    assert.strictEqual(send.code, 1, send.out);
    assert.match(send.out, /Outcome: dead-lettered: dataverse failed/, send.out);
    const replay = byStart("npm run replay");
    assert.strictEqual(replay.code, 0, replay.out);
    assert.match(replay.out, /1 replayed/, replay.out);
    assert.match(replay.out, /new run delivered/, replay.out);
    const list = results.filter((r) => r.line.startsWith("npm run leads"));
    assert.deepStrictEqual(
      list.map((r) => r.code),
      [0, 0],
      JSON.stringify(codes),
    );
    assert.match(list[0].out, /replayed/, list[0].out);
    assert.deepStrictEqual(JSON.parse(list[1].out.slice(list[1].out.indexOf("["))), [], "no dead letter left");
  });
});
