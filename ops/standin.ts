/**
 * `npm run standin -- <target> down|up|fail|slow`: fault injection on the local CRM stand-ins, for the
 * dead-letter and replay walkthroughs. Sends the admin token of `npm start` (the routes refuse others).
 */
import { ADMIN_TOKEN_HEADER, readLocalEndpoint } from "./archive";
import { httpRequest } from "./http";
import { Command, EXIT, STATE_DIR_FLAG, UsageError, wholeNumberFlag } from "./cli";
import { TARGET_STANDIN } from "../targets";

/** Kit target names (as in `leadkit:targets`) to the stand-in they call, and the function app's. */
export const STANDIN_OF: Record<string, string> = { ...TARGET_STANDIN, function: "function" };
const FAULTS = ["down", "up", "fail", "slow"] as const;

interface StandinFlags {
  times?: string;
  status?: string;
  ms?: string;
  "state-dir"?: string;
}

export const STANDIN: Command<StandinFlags> = {
  name: "standin",
  usage: [
    `npm run standin -- <${Object.keys(STANDIN_OF).join("|")}> <${FAULTS.join("|")}> [--times N] [--status 500] [--ms 2000]`,
    "npm run standin   (no arguments: what each stand-in does now)",
  ],
  flags: {
    times: { type: "string", help: "fail: fail this many calls, then answer again (default: until `up`)" },
    status: { type: "string", help: "fail: the HTTP status the stand-in answers (default: 500)" },
    ms: { type: "string", help: "slow: delay of each answer in milliseconds" },
    "state-dir": STATE_DIR_FLAG,
  },
  positionals: 2,
  run: standin,
};

/** A stand-in's state as `GET /standins/state` of `npm start` answers it (Standins.states, local/connectors/). */
export interface StandinState {
  target: string;
  state: "up" | "down" | "failing";
  statusCode?: number;
  callsLeft?: number;
  slowerMs?: number;
}

/** One line per stand-in, under the kit's target names: `email  failing (500, 2 more calls), 2000 ms slower`. */
export function stateLines(states: StandinState[]): string[] {
  const nameOf = Object.fromEntries(Object.entries(STANDIN_OF).map(([kit, standin]) => [standin, kit]));
  return states.map((s) => {
    const failing = `failing (${s.statusCode}${s.callsLeft === undefined ? ", until up" : `, ${s.callsLeft} more call${s.callsLeft === 1 ? "" : "s"}`})`;
    const state = s.state === "failing" ? failing : s.state;
    return `${(nameOf[s.target] ?? s.target).padEnd(11)} ${state}${s.slowerMs ? `, ${s.slowerMs} ms slower` : ""}`;
  });
}

/** The fault each option shapes: given with another fault it would be ignored, so it is refused. */
const OPTION_FAULT = { times: "fail", status: "fail", ms: "slow" } as const;

async function standin(flags: StandinFlags, [target, fault]: string[]): Promise<number> {
  if (target !== undefined) checkFault(flags, target, fault);
  const local = await readLocalEndpoint(flags["state-dir"]);
  const headers = { [ADMIN_TOKEN_HEADER]: local.adminToken ?? "" };
  if (target === undefined) {
    // No arguments: what each stand-in does now.
    const res = await httpRequest(`http://127.0.0.1:${local.port}/standins/state`, { headers, timeoutMs: 10_000 });
    if (!res.ok) throw new Error(`the local endpoint answered ${res.status}: ${res.text}`);
    for (const line of stateLines((JSON.parse(res.text) as { value: StandinState[] }).value)) console.log(line);
    return EXIT.ok;
  }
  const query = new URLSearchParams();
  if (flags.times) query.set("times", String(wholeNumberFlag("times", flags.times, 1, 1000000, 1)));
  if (flags.status) query.set("status", String(wholeNumberFlag("status", flags.status, 100, 599, 500)));
  if (fault === "slow") query.set("ms", String(wholeNumberFlag("ms", flags.ms, 0, 600000, 2000)));
  const url = `http://127.0.0.1:${local.port}/standins/${STANDIN_OF[target]}/${fault}${query.size ? `?${query}` : ""}`;
  const res = await httpRequest(url, { method: "POST", headers, timeoutMs: 10_000 });
  if (!res.ok) throw new Error(`the local endpoint answered ${res.status}: ${res.text}`);
  console.log(`${target} stand-in: ${fault}${query.size ? ` (${query})` : ""}`);
  return EXIT.ok;
}

/** The target and fault, and no option the fault would ignore; a UsageError otherwise. */
export function checkFault(flags: StandinFlags, target: string, fault: string | undefined): void {
  if (!(target in STANDIN_OF))
    throw new UsageError(`target is "${target}": give one of ${Object.keys(STANDIN_OF).join(", ")}.`);
  if (!fault || !(FAULTS as readonly string[]).includes(fault))
    throw new UsageError(`fault is "${fault ?? ""}": give one of ${FAULTS.join(", ")}.`);
  for (const [option, shapes] of Object.entries(OPTION_FAULT))
    if (flags[option as keyof typeof OPTION_FAULT] !== undefined && shapes !== fault)
      throw new UsageError(`--${option} applies to ${shapes} only, not to ${fault}: drop it, or use ${shapes}.`);
}
