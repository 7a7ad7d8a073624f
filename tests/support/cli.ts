/** Runs a kit CLI as a user does (a child process), without blocking the test's own servers. */
import { spawn } from "child_process";
import * as path from "path";

export const ROOT = path.join(__dirname, "..", "..");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The node arguments that start `leadkit` as `npx leadkit` and the npm scripts do (esbuild, not ts-node). */
export const LEADKIT = ["cli/leadkit.js"];
const REGISTER = "./cli/register.js";

/** `leadkit <args>` (cli/leadkit.js), with `env` added to a copy of this process's environment. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60000,
): Promise<CliResult> {
  return runNode([...LEADKIT, ...args], env, timeoutMs);
}

/** Any TypeScript entry of the kit (`scripts/render.ts`, ...) run through the compile hook as npm runs it. */
export function runScript(
  file: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60000,
): Promise<CliResult> {
  return runNode(["-r", REGISTER, file, ...args], env, timeoutMs);
}

function runNode(nodeArgs: string[], env: Record<string, string | undefined>, timeoutMs: number): Promise<CliResult> {
  const what = nodeArgs.filter((a) => a !== "-r" && a !== REGISTER).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: ROOT,
      env: { ...process.env, CI: "", LEADKIT_CALLBACK_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
