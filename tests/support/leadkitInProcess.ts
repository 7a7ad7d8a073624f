/**
 * `leadkit <args>` through the CLI's own dispatch (cli/leadkit.ts: what `main` runs before it exits with the
 * code), or a project script's command through runCommand (what its `main` runs), in this process: the same
 * parsing, command and messages as the child process of runCli or runScript, without a node start and the
 * command's modules loaded anew (0.2-0.6 CPU-s a call). For a command another test of the file already runs
 * as a child; the process itself (its exit, its fresh module load) is that child's to show.
 */
import { Command, runCommand } from "../../ops/cli";
import { CliResult } from "./cli";

// By the .ts file's name: "../../cli/leadkit" is cli/leadkit.js to node, the bin, which runs main() on load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { dispatch } = require("../../cli/leadkit.ts") as typeof import("../../cli/leadkit");

type Write = typeof process.stdout.write;

/** Runs one command with `env` over the environment runCli gives a child; stdout and stderr are captured. */
export function leadkitInProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return inProcess(() => dispatch(args), env);
}

/** A script's command (`npm run render`: scripts/render.ts's RENDER) as its `main` runs it, in this process. */
export function commandInProcess<V>(
  command: Command<V>,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return inProcess(() => runCommand(command, args), env);
}

async function inProcess(run: () => Promise<number>, env: Record<string, string | undefined>): Promise<CliResult> {
  const vars = { CI: "", LEADKIT_CALLBACK_URL: "", ...env };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  let stdout = "";
  let stderr = "";
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as Write;
  set(vars);
  process.stdout.write = capture((t) => (stdout += t));
  process.stderr.write = capture((t) => (stderr += t));
  try {
    const code = await run();
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    set(saved);
  }
}
