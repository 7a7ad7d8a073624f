/**
 * CLI start-up: none of `send`, `replay`, `verify` has --help yet, and local/cli.ts runs its command on load, so
 * each is timed as `node` requiring the modules its entry imports (its whole module graph but the entry file),
 * under ts-node transpile-only as `npm run` does, directly and through `npm exec`, median of several runs, with
 * the number of modules loaded (require.cache afterwards).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { median } from "./stats";

const ROOT = path.join(__dirname, "..", "..");
export const CLI_ENTRIES = { send: "local/cli.ts", replay: "ops/replay.ts", verify: "ops/verify.ts" } as const;

/** The specifiers an entry imports (`import ... from "x"`), resolved from the entry's folder. */
export function importsOf(source: string, dir: string): string[] {
  const specs = [...source.matchAll(/^import\s[^;]*?from\s+"([^"]+)";/gms)].map((m) => m[1]);
  return specs.map((s) => (s.startsWith(".") ? path.join(dir, s) : s));
}

/** Requires what the entry imports and prints the module count. */
function loader(entry: string): string {
  const file = path.join(ROOT, entry);
  const requires = importsOf(fs.readFileSync(file, "utf8"), path.dirname(file)).map(
    (m) => `require(${JSON.stringify(m)});`,
  );
  return `${requires.join("")}console.log(Object.keys(require.cache).length)`;
}

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
  const args = ["-r", "ts-node/register/transpile-only", "-e", loader(CLI_ENTRIES[name])];
  const direct = Array.from({ length: runs }, () => timed(process.execPath, args));
  const npm = Array.from({ length: runs }, () => timed("npm", ["exec", "--offline", "--", "node", ...args]));
  const modules = Number(direct[0].out.split("\n").pop());
  return { name, modules, directMs: median(direct.map((r) => r.ms)), npmMs: median(npm.map((r) => r.ms)) };
}
