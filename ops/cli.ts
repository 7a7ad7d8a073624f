/**
 * One way for every command of the kit to read its arguments, explain itself and exit:
 * `--help` prints usage and does nothing else; unknown flags are refused with the valid list;
 * `--flag=value` and `--flag value` both work (node's util.parseArgs, strict).
 *
 * Exit codes, the same for every command: 0 ok, 1 a failed verdict (or an error while working),
 * 2 a usage error (bad flag or value, missing input). Kept free of heavy imports: every CLI loads it.
 */
import { parseArgs } from "util";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A mistake in how the command was called: exits 2 with the message and a pointer to --help. */
export class UsageError extends Error {}

export interface Flag {
  type: "string" | "boolean";
  /** One line for --help; `<value>` placeholders say what to give. */
  help: string;
  short?: string;
  default?: string | boolean;
}

/** `--state-dir`, the same for every command that reads the state of `npm start`. */
export const STATE_DIR_FLAG: Flag = {
  type: "string",
  help: "state folder of `npm start -- --state-dir` (default: the project)",
};

export interface Command<V> {
  /** As typed: `npm run send --` is `send`. */
  name: string;
  /** Usage lines printed first by --help. */
  usage: string[];
  flags: Record<string, Flag>;
  /** Positional arguments allowed (e.g. `leads show <row>`). @default 0 */
  positionals?: number;
  /** Returns the exit code. */
  run(values: V, positionals: string[]): Promise<number>;
}

export type Values = Record<string, string | boolean | undefined>;

/** Usage text: the usage lines, then each flag with its help. */
export function helpText(command: Command<never>): string {
  const flags = { ...command.flags, help: { type: "boolean", help: "print this help and exit" } as Flag };
  const width = Math.max(...Object.entries(flags).map(([n, f]) => flagLabel(n, f).length));
  const lines = Object.entries(flags).map(([n, f]) => `  ${flagLabel(n, f).padEnd(width)}  ${f.help}`);
  return [...command.usage.map((u) => `Usage: ${u}`), "", "Options:", ...lines, "", EXIT_HELP].join("\n");
}

const EXIT_HELP = "Exit codes: 0 ok, 1 failed (see the message), 2 usage error.";

function flagLabel(name: string, flag: Flag): string {
  return `--${name}${flag.type === "string" ? " <value>" : ""}`;
}

/** Parses argv strictly; throws UsageError naming the flag, the valid list and --help. */
export function parseFlags<V>(command: Command<V>, argv: string[]): { values: V & { help?: boolean }; rest: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...command.flags, help: { type: "boolean", help: "" } as Flag }).map(([n, f]) => [
      n,
      {
        type: f.type,
        ...(f.short ? { short: f.short } : {}),
        ...(f.default !== undefined ? { default: f.default } : {}),
      },
    ]),
  ) as NonNullable<Parameters<typeof parseArgs>[0]>["options"];
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${cleanParseError((err as Error).message)} Valid options: ${validList(command)}.`);
  }
  const max = command.positionals ?? 0;
  if (parsed.positionals.length > max)
    throw new UsageError(`Unexpected argument "${parsed.positionals[max]}". Valid options: ${validList(command)}.`);
  return { values: parsed.values as V & { help?: boolean }, rest: parsed.positionals };
}

/** parseArgs says "To specify a positional argument starting with a '-', place it at the end ...": not our case. */
function cleanParseError(message: string): string {
  return message.split(". To specify a positional")[0].replace(/\.?$/, ".");
}

const validList = (command: Command<never> | Command<unknown>) =>
  [...Object.keys(command.flags), "help"].map((n) => `--${n}`).join(", ");

/** Runs a command as a CLI: parses, prints help or runs, maps errors to exit codes. Never throws. */
export async function runCommand<V>(command: Command<V>, argv: string[]): Promise<number> {
  try {
    const { values, rest } = parseFlags(command, argv);
    if (values.help) {
      console.log(helpText(command as unknown as Command<never>));
      return EXIT.ok;
    }
    return await command.run(values, rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${command.name}: ${err.message}\nRun with --help for usage.`);
      return EXIT.usage;
    }
    console.error(`${command.name}: ${(err as Error).message}`);
    return EXIT.failed;
  }
}

/** Runs `command` when the file is the program (`require.main === module`), exiting with its code. */
export function main<V>(command: Command<V>, argv = process.argv.slice(2)): void {
  void runCommand(command, argv).then((code) => process.exit(code));
}

/**
 * A secret (signed URL, connection string) from an environment variable, never from argv: argv shows
 * in npm's echo line, shell history, `ps` and CI logs. `-` as the variable's value reads stdin.
 */
export async function secretFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  if (value !== "-") return value.trim();
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

/** A whole number flag in [min, max], or a UsageError naming the flag, the value and the range. */
export function wholeNumberFlag(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback: number,
  what = /wait/.test(name) ? "whole seconds" : "a whole number",
): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new UsageError(`--${name} is "${raw}": give ${what} from ${min} to ${max} (e.g. --${name} ${fallback}).`);
  return Number(raw);
}
