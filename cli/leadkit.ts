/**
 * `leadkit <command>`: every operator command behind one entry (`npx leadkit send ...`, the npm scripts).
 * Each command module is loaded only when asked for, so `send` never loads the Pulumi SDK.
 *
 *   npm start                            # serve stack dev's workflow on http://127.0.0.1:7071
 *   npm run send -- --sample validate    # POST a sample lead to the running endpoint; prints its outcome
 *   npm run standin -- dataverse down    # take a CRM stand-in down (dead-letter demo)
 *   npm run leads                        # list archived leads
 *   npm run forget -- --email <address>  # erase a person's archived leads and dedup claims
 */
import { Command, EXIT, runCommand } from "../ops/cli";

const COMMANDS: Record<string, () => Promise<Command<never>>> = {
  serve: async () => (await import("../local/serve")).SERVE as Command<never>,
  send: async () => (await import("../ops/send")).SEND as Command<never>,
  standin: async () => (await import("../ops/standin")).STANDIN as Command<never>,
  leads: async () => (await import("../ops/leads")).LEADS as Command<never>,
  replay: async () => (await import("../ops/replay")).REPLAY as Command<never>,
  verify: async () => (await import("../ops/verify")).VERIFY as Command<never>,
  forget: async () => (await import("../ops/forget")).FORGET as Command<never>,
  purge: async () => (await import("../ops/purge")).PURGE as Command<never>,
};

const USAGE = `Usage: leadkit <command> [options]   (leadkit <command> --help for its options)
Commands: ${Object.keys(COMMANDS).join(", ")}
Exit codes: 0 ok, 1 failed (see the message), 2 usage error.`;

export async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`Unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(", ")}.`);
    return EXIT.usage;
  }
  return runCommand(await load(), rest);
}

/** Runs the command named in argv; exits with its code (`serve` keeps running until stopped). */
export function main(argv = process.argv.slice(2)): void {
  void dispatch(argv).then((code) => {
    if (code !== EXIT.ok || argv[0] !== "serve" || argv.includes("--help")) process.exit(code);
  });
}

if (require.main === module) main();
