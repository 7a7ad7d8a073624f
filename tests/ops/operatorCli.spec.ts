/**
 * CLIs that explain themselves: --help does nothing else, a misspelt flag is refused with the valid list
 * (exit 2), --flag=value works, secrets are not flags, and the dead ends (no endpoint, busy port, no Pulumi
 * CLI) say the way out. Each command runs as a user runs it (a child process) in its --help test, and
 * wherever the process matters (serve, a PATH without Pulumi); its refusals and messages are read from the
 * CLI's own dispatch (a project script's: runCommand) in this process (exit code, stdout and stderr alike).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { busyPort } from "../../local/serve";
import { Command, parseFlags, UsageError } from "../../ops/cli";
import { FORGET } from "../../ops/forget";
import { LEADS } from "../../ops/leads";
import { PURGE, purgeDays } from "../../ops/purge";
import { REPLAY } from "../../ops/replay";
import { SEND } from "../../ops/send";
import { checkFault, STANDIN } from "../../ops/standin";
import { readLocalEndpoint, stackEndpointFile } from "../../ops/archive";
import { VERIFY } from "../../ops/verify";
import { BENCH } from "../../scripts/bench";
import { DOCS } from "../../scripts/docs";
import { DOCS_COST } from "../../scripts/docsCost";
import { RENDER } from "../../scripts/render";
import { runCli, runScript } from "../support/cli";
import { commandInProcess, leadkitInProcess } from "../support/leadkitInProcess";
import { tempDir } from "../support/tempDirs";

/** A state folder of the commands' own, removed at exit. */
const stateDir = () => tempDir("leadkit-cli");

describe("operator CLIs: usage", function () {
  this.timeout(120000);

  for (const command of ["serve", "send", "standin", "leads", "replay", "verify"]) {
    it(`${command} --help prints usage and exit codes, and does nothing else`, async () => {
      const state = stateDir();
      const r = await runCli([command, "--help", "--state-dir", state].slice(0, command === "verify" ? 2 : 4));
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: /);
      assert.ok(r.stdout.includes("--help "), r.stdout);
      assert.ok(r.stdout.trimEnd().endsWith("Exit codes: 0 ok, 1 failed (see the message), 2 usage error."));
      assert.strictEqual(r.stderr, "");
      // serve --help started nothing: no Azurite data, no endpoint file.
      assert.deepStrictEqual(fs.readdirSync(state), []);
    });
  }

  it("the commands the README says take --json do, and no other", async () => {
    const commands = [SEND, VERIFY, REPLAY, LEADS, FORGET, PURGE, STANDIN].map((c) => c as unknown as Command<never>);
    const withJson = commands.filter((c) => "json" in c.flags).map((c) => c.name);
    const readme = fs.readFileSync("README.md", "utf8").replace(/\s+/g, " ");
    const claimed = /; (`\w+`(?:, `\w+`)* and `\w+`) take `--json`/.exec(readme)![1].match(/(?<=`)\w+(?=`)/g);
    assert.deepStrictEqual(withJson.sort(), [...claimed!].sort());
  });

  it("standin refuses an option its fault would ignore (down --ms 5 did nothing with the 5), and slow needs no --ms", () => {
    assert.throws(() => checkFault({ ms: "5" }, "dataverse", "down"), {
      message: "--ms applies to slow only, not to down: drop it, or use slow.",
    });
    assert.throws(() => checkFault({ times: "2" }, "email", "slow"), {
      message: "--times applies to fail only, not to slow: drop it, or use fail.",
    });
    assert.throws(() => checkFault({}, "pipedrive", "down"), { message: /^target is "pipedrive": give one of / });
    assert.doesNotThrow(() => checkFault({ times: "2", status: "503" }, "email", "fail"));
    assert.doesNotThrow(() => checkFault({}, "email", "slow"));
  });

  it("purge keeps what the stack keeps: its days by default, a shorter dedup window refused, --account needs both", () => {
    const stack = { archiveRetentionDays: 0, dedupWindowDays: 90 };
    assert.deepStrictEqual(purgeDays({}, stack), { retentionDays: 0, dedupWindowDays: 90 });
    assert.deepStrictEqual(purgeDays({ days: "30", "dedup-window": "120" }, stack), {
      retentionDays: 30,
      dedupWindowDays: 120,
    });
    assert.throws(() => purgeDays({ "dedup-window": "30" }, stack), {
      message:
        '--dedup-window is "30", shorter than the stack\'s dedupWindowDays 90: the claims it would delete still ' +
        "stop a resent lead from being delivered twice. Omit it, or give at least 90.",
    });
    assert.throws(() => purgeDays({ days: "365" }, undefined), {
      message:
        "--account alone does not say how long the stack keeps leads and dedup claims: give --stack <stack>, " +
        "or both --days (its archiveRetentionDays) and --dedup-window (its dedupWindowDays).",
    });
    assert.deepStrictEqual(purgeDays({ days: "365", "dedup-window": "30" }, undefined), {
      retentionDays: 365,
      dedupWindowDays: 30,
    });
  });

  it("serve refuses a stack without a stack file before anything starts, naming the stacks there are", async () => {
    const state = stateDir();
    const r = await runCli(["serve", "--stack", "nosuch", "--state-dir", state]);
    assert.deepStrictEqual(
      [r.code, r.stderr],
      [
        2,
        'serve: --stack is "nosuch" but there is no Pulumi.nosuch.yaml (nor examples/Pulumi.nosuch.yaml): create it, or use one of: dev, notices, prod.\n' +
          "Run with --help for usage.\n",
      ],
    );
    assert.deepStrictEqual(fs.readdirSync(state), [], "no Azurite started, no data folder made");
  });

  it("refuses a misspelt flag with exit 2 and the valid list (replay --dryrun did a real replay)", async () => {
    const r = await leadkitInProcess(["replay", "--local", "--dryrun"]);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(
      r.stderr,
      "replay: Unknown option '--dryrun'. Valid options: --local, --stack, --account, --table, --dry-run, --wait, --json, --state-dir, --workflow-id, --help.\n" +
        "Run with --help for usage.\n",
    );
    assert.strictEqual(r.stdout, "");
  });

  it("replay --workflow-id takes a workflow's ARM id, and not with --local (npm start knows its own runs)", async () => {
    const local = await leadkitInProcess(["replay", "--local", "--workflow-id", "x"]);
    assert.deepStrictEqual(
      [local.code, local.stderr],
      [
        2,
        "replay: --local and --workflow-id exclude each other: `npm start` knows which of its runs ended.\n" +
          "Run with --help for usage.\n",
      ],
    );
    const bad = await leadkitInProcess(["replay", "--account", "leadsdevst", "--workflow-id", "leads-dev-workflow"], {
      LEADKIT_CALLBACK_URL: "https://prod-00.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke",
    });
    assert.deepStrictEqual(
      [bad.code, bad.stderr],
      [
        2,
        'replay: --workflow-id "leads-dev-workflow" is not a workflow\'s ARM id: give `pulumi stack output workflowId` ' +
          "(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Logic/workflows/<name>).\n" +
          "Run with --help for usage.\n",
      ],
    );
  });

  it("takes --flag=value (the value reaches the command) and refuses secrets as flags", async () => {
    const bad = await leadkitInProcess(["send", "--sample=nosuch"]);
    assert.strictEqual(bad.code, 2);
    assert.ok(
      bad.stderr.startsWith(
        'send: --sample "nosuch" is neither a sample (validate, full, minimal, camelcase) nor a JSON file.',
      ),
      bad.stderr,
    );
    const url = await leadkitInProcess(["send", "--url", "http://127.0.0.1:1/x?sig=secret"]);
    assert.strictEqual(url.code, 2);
    assert.ok(
      url.stderr.startsWith("send: Unknown option '--url'. Valid options: --sample, --wait, --json"),
      url.stderr,
    );
  });

  it("says how to start the local endpoint when none runs (was: fetch failed)", async () => {
    const state = stateDir();
    for (const args of [["send"], ["leads"], ["replay", "--local"], ["standin", "dataverse", "down"]]) {
      const r = await leadkitInProcess([...args, "--state-dir", state]);
      assert.strictEqual(r.code, 1, args.join(" "));
      assert.ok(
        r.stderr.startsWith(`${args[0]}: no local endpoint is running: start it with \`npm start\` (no `),
        `${args.join(" ")}: ${r.stderr}`,
      );
    }
  });

  it("finds the one local endpoint that answers; a killed server's file for the same port yields to the newer", async () => {
    const state = stateDir();
    // Prod's `npm start`: the admin route answers with its stack to the token, which every stack of one state
    // folder shares (.local-runs/admin-token), so the token alone does not tell prod's server from dev's.
    let answer: unknown = { stack: "prod", value: [] };
    const server = http.createServer((req, res) => {
      res.statusCode = req.headers["x-leadkit-admin-token"] === "shared-token" ? 200 : 403;
      res.end(typeof answer === "string" ? answer : JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const file = (stack: string, at: number) => {
        const f = stackEndpointFile(stack, state);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        const adminToken = "shared-token";
        fs.writeFileSync(f, JSON.stringify({ stack, port, adminToken, url: `http://127.0.0.1:${port}/${stack}` }));
        fs.utimesSync(f, at, at);
      };
      file("dev", 1000); // killed earlier: its port is now prod's
      file("prod", 2000);
      assert.strictEqual((await readLocalEndpoint(state, {})).stack, "prod");
      // Named, the stale one is not taken either: its port is prod's now, and the message says so.
      await assert.rejects(readLocalEndpoint(state, { LEADKIT_LOCAL_STACK: "dev" }), {
        message:
          "no local endpoint of stack dev (LEADKIT_LOCAL_STACK) is running: start it with `npm start -- --stack dev` " +
          `(its endpoint file names 127.0.0.1:${port}, where stack prod started later).`,
      });
      await assert.rejects(readLocalEndpoint(state, { LEADKIT_LOCAL_STACK: "staging" }), {
        message: `no local endpoint of stack staging (LEADKIT_LOCAL_STACK) is running: start it with \`npm start -- --stack staging\` (no ${path.relative(process.cwd(), stackEndpointFile("staging", state))}).`,
      });
      // Alone, dev's file is not taken for the server on its port: that server says it is prod's.
      fs.rmSync(stackEndpointFile("prod", state));
      await assert.rejects(readLocalEndpoint(state, {}), {
        message: `no local endpoint is running: start it with \`npm start\` (nothing answers on 127.0.0.1:${port}).`,
      });
      // An endpoint started by an earlier version answers without its stack: its token passes, as it did then;
      // another server's page does not.
      answer = { value: [] };
      assert.strictEqual((await readLocalEndpoint(state, {})).stack, "dev");
      answer = "<html>a dev server answers every path</html>";
      await assert.rejects(readLocalEndpoint(state, {}), { message: /nothing answers on/ });
      await assert.rejects(readLocalEndpoint(state, { LEADKIT_LOCAL_STACK: "../x" }), {
        message: 'LEADKIT_LOCAL_STACK is "../x": a stack name is letters, digits, ".", "_" or "-".',
      });
    } finally {
      server.close();
    }
  });

  it("leads show refuses a key with nothing after the '/' (it showed the newest lead instead)", async () => {
    const r = await leadkitInProcess(["leads", "show", "2026-11/", "--state-dir", stateDir()]);
    assert.deepStrictEqual(
      [r.code, r.stderr],
      [
        2,
        'leads: "2026-11/" has no row key after the "/": give <row key> or <partition>/<row key>.\nRun with --help for usage.\n',
      ],
    );
  });

  it("verify --stack without the Pulumi CLI says what to install or which flags to pass", async () => {
    const r = await runCli(["verify", "--stack", "dev"], { PATH: path.dirname(process.execPath) });
    assert.strictEqual(r.code, 2);
    assert.strictEqual(
      r.stderr.split("\n")[0],
      "verify: --stack needs the Pulumi CLI, which is not installed: install it (https://www.pulumi.com/docs/install/), " +
        "or set LEADKIT_CALLBACK_URL and pass --subscription, --resource-group and --workflow instead of --stack.",
    );
  });

  it("replay --stack without the Pulumi CLI says what to install or which flags to pass", async () => {
    const r = await runCli(["replay", "--stack", "dev"], { PATH: path.dirname(process.execPath) });
    assert.deepStrictEqual(
      [r.code, r.stderr.split("\n")[0]],
      [
        2,
        "replay: --stack needs the Pulumi CLI, which is not installed: install it (https://www.pulumi.com/docs/install/), " +
          "or set LEADKIT_CALLBACK_URL and pass --account <storage account> and --workflow-id <id> instead of --stack.",
      ],
    );
  });

  it("a busy port names --port and starts nothing (was: a bare listen EADDRINUSE)", async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as net.AddressInfo).port;
    const state = stateDir();
    try {
      const r = await runCli(["serve", "--port", String(port), "--state-dir", state]);
      assert.strictEqual(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(`^serve: port ${port} on 127\\.0\\.0\\.1 is already in use( by [^:]+)?: stop it`),
      );
      assert.ok(r.stderr.includes(`\`npm start -- --port ${port + 1}\``), r.stderr);
      assert.deepStrictEqual(fs.readdirSync(state), [], "Azurite was not started");
    } finally {
      holder.close();
    }
  });

  it("names who holds 7071 when it can, and Functions Core Tools' default", () => {
    assert.strictEqual(
      busyPort(7071, "func (pid 42)"),
      "port 7071 on 127.0.0.1 is already in use by func (pid 42) (7071 is also the default port of Azure Functions " +
        "Core Tools, `func start`): stop it, or start on another port with `npm start -- --port 7072`.",
    );
  });

  it("parses both --wait=5 and --wait 5, and refuses a positional the command takes none of", () => {
    assert.strictEqual(parseFlags(SEND, ["--wait=5"]).values.wait, "5");
    assert.strictEqual(parseFlags(SEND, ["--wait", "5", "--json"]).values.json, true);
    assert.throws(
      () => parseFlags(SEND, ["full"]),
      (e: Error) => {
        assert.ok(e instanceof UsageError);
        assert.ok(e.message.startsWith('Unexpected argument "full". Valid options: --sample,'), e.message);
        return true;
      },
    );
  });
});

describe("project scripts: usage (render, docs, docs:cost, bench)", function () {
  this.timeout(120000);
  // Each script's --help runs as npm runs it (a child through the compile hook); its misspelt flag, in this process.
  const scripts: Record<string, [string, Command<never>]> = {
    render: ["scripts/render.ts", RENDER as Command<never>],
    docs: ["scripts/docs.ts", DOCS as Command<never>],
    "docs:cost": ["scripts/docsCost.ts", DOCS_COST as Command<never>],
    bench: ["scripts/bench.ts", BENCH as Command<never>],
  };
  const run = (file: string, args: string[]) => runScript(file, args);

  for (const [name, [file, command]] of Object.entries(scripts)) {
    it(`${name} --help prints usage and writes nothing; a misspelt flag exits 2`, async () => {
      const watched = ["README.md", "rendered/dev.workflow.json"].map((f) => fs.statSync(f).mtimeMs);
      const help = await run(file, ["--help"]);
      assert.strictEqual(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: npm run ${name.replace(":", "\\:")}`));
      assert.deepStrictEqual(
        ["README.md", "rendered/dev.workflow.json"].map((f) => fs.statSync(f).mtimeMs),
        watched,
        "--help rewrote a file",
      );
      const bad = await commandInProcess(command, ["--stak", "dev"]);
      assert.strictEqual(bad.code, 2);
      assert.ok(bad.stderr.startsWith(`${name}: Unknown option '--stak'. Valid options: `), bad.stderr);
    });
  }
});
