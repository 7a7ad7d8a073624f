/**
 * CLI start-up: each command run as a user runs it with `--help` (which loads the command and prints its
 * usage, nothing else), directly (`node cli/leadkit.js <command>`) and through `npm run`, median of several
 * runs, with the number of modules the command loads (require.cache after loading it).
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { RUN_HISTORY_LINE } from "../../local/serve";
import { median } from "./stats";

const ROOT = path.join(__dirname, "..", "..");
/** The commands the issue measures, and the module each loads for its work. */
export const CLI_ENTRIES = { send: "ops/send.ts", replay: "ops/replay.ts", verify: "ops/verify.ts" } as const;

/** Node code that loads a kit module (`ops/send.ts`, ...) as `leadkit` does: through cli/register.js. */
export function loadAsCli(entry: string): string {
  return `require(${JSON.stringify(path.join(ROOT, "cli", "register.js"))});require(${JSON.stringify(path.join(ROOT, entry))});`;
}

/** Node code that loads a command module as `leadkit` does and prints the module count. */
export const moduleCounter = (entry: string) => `${loadAsCli(entry)}console.log(Object.keys(require.cache).length)`;

function timed(file: string, args: string[]): { ms: number; out: string } {
  const t = performance.now();
  const out = execFileSync(file, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { ms: performance.now() - t, out: out.trim() };
}

export interface CliStartup {
  name: string;
  modules: number;
  directMs: number;
  npmMs: number;
}

export function cliStartup(name: keyof typeof CLI_ENTRIES, runs: number): CliStartup {
  const direct = Array.from({ length: runs }, () => timed(process.execPath, ["cli/leadkit.js", name, "--help"]));
  const npm = Array.from({ length: runs }, () => timed("npm", ["run", "-s", name, "--", "--help"]));
  const modules = Number(
    timed(process.execPath, ["-e", moduleCounter(CLI_ENTRIES[name])])
      .out.split("\n")
      .pop(),
  );
  return { name, modules, directMs: median(direct.map((r) => r.ms)), npmMs: median(npm.map((r) => r.ms)) };
}

/**
 * `npm start` (run directly) from its spawn to its banner, when the endpoint answers, on a fresh state
 * folder (a new Azurite data folder), median of `runs`; each is stopped with Ctrl-C's SIGINT.
 */
export async function serveReadyMs(runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "leadkit-bench-serve-"));
    try {
      times.push(await timeToBanner(state));
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  }
  return median(times);
}

/** Gives up on a start that shows no banner in this long (it is stopped and the bench fails, naming why). */
const BANNER_TIMEOUT_MS = 60000;

export function timeToBanner(state: string, args: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const argv = ["cli/leadkit.js", "serve", "--port", "0", "--state-dir", state, ...args];
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let ms: number | undefined;
    const timer = setTimeout(() => child.kill("SIGINT"), BANNER_TIMEOUT_MS);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (ms !== undefined || !out.includes(RUN_HISTORY_LINE)) return;
      ms = performance.now() - t;
      child.kill("SIGINT");
    });
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (ms !== undefined) resolve(ms);
      else reject(new Error(`npm start showed no "${RUN_HISTORY_LINE}" line (exit ${code}):\n${out}`));
    });
  });
}
