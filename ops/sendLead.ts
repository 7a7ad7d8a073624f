/**
 * Sending a lead as Partner Center does, shared by send, verify and replay. Light on purpose
 * (no workflow or SDK imports): every CLI loads it.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./cli";
import { httpRequest } from "./http";

/** Environment variable holding an endpoint's signed URL (never a flag: argv shows in `ps` and logs). */
export const CALLBACK_URL_ENV = "LEADKIT_CALLBACK_URL";

/**
 * The endpoint URL for --stack: the stack's `leadEndpointUrl` output, or the environment's when it is the same.
 * A different one is refused: an exported URL of another stack would receive this stack's leads.
 */
export function stackEndpointUrl(stack: string, output: string | undefined, fromEnv: string | undefined) {
  if (fromEnv && output && fromEnv !== output)
    throw new UsageError(
      `${CALLBACK_URL_ENV} is set, and it is not stack ${stack}'s leadEndpointUrl: its leads would go to another ` +
        `endpoint. Unset it (unset ${CALLBACK_URL_ENV}), or drop --stack to use it.`,
    );
  return fromEnv ?? output;
}

export const SAMPLES = ["validate", "full", "minimal", "camelcase"] as const;
const SAMPLE_DIR = path.join(__dirname, "..", "samples");

/** A sample lead by name (`validate`, `full`, ...) or a JSON file path. */
export function loadSample(nameOrFile: string): unknown {
  const file = (SAMPLES as readonly string[]).includes(nameOrFile)
    ? path.join(SAMPLE_DIR, `${nameOrFile}-lead.json`)
    : nameOrFile;
  if (!fs.existsSync(file)) {
    throw new Error(`--sample "${nameOrFile}" is neither a sample (${SAMPLES.join(", ")}) nor a JSON file.`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

export interface SendResult {
  status: number;
  body: unknown;
  milliseconds: number;
}

/** POSTs a lead as Partner Center does (JSON). Never logs the URL: it carries a signature. */
export async function sendLead(
  url: string,
  lead: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 130_000,
): Promise<SendResult> {
  const started = performance.now();
  const response = await httpRequest(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(lead),
    timeoutMs,
  }).catch((err: Error & { code?: string }) => {
    // The code (ECONNREFUSED, ENOTFOUND, TIMEOUT) is what helps.
    throw new Error(`could not reach ${redactUrl(url)}: ${err.code ?? err.message}`);
  });
  const text = response.text;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body, milliseconds: Math.round(performance.now() - started) };
}

/** The URL without its query (the SAS signature), safe to print. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? "?<signature hidden>" : ""}`;
}
