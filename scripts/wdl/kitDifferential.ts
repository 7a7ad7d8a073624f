/**
 * The kit's own definitions in Microsoft's Logic Apps Standard runtime, against the local runner: the rendered
 * definition adapted to built-in actions only, with the kit's stand-ins behind HTTP, a sample lead posted to both,
 * and every action's status (and outputs, where neither run hides them) compared.
 *
 * Adapted for Standard, as nothing else can run on a GitHub runner:
 * - ApiConnection actions (managed connectors need Azure) become Http actions to the stand-in server,
 *   `<base>/apiconnection/<api><path>`, which answers as the local stand-in of that API does;
 * - Http actions carry their `authentication` in headers (no managed identity outside Azure; see authHeaders); the
 *   table, function and webhook endpoints are parameters whose defaults point at the stand-in server (tables in
 *   Azurite).
 */
import { createServer, IncomingMessage, Server } from "http";
import { referencedParameters } from "../../emulator/expressions";
import { ActionRun, Connectors, WorkflowRun } from "../../emulator/types";

type Json = Record<string, unknown>;

/** The connector name in `@parameters('$connections')['office365']['connectionId']`. */
function apiOf(action: Json): string {
  const name = String(((action.inputs as Json)?.host as Json & { connection?: { name?: string } })?.connection?.name);
  const m = /\('\$connections'\)\['([^']+)'\]/.exec(name);
  if (!m) throw new Error(`ApiConnection action without a $connections reference: ${name}`);
  return m[1];
}

function toHttp(action: Json, base: string): Json {
  const { host: _host, path, method, ...rest } = action.inputs as Json;
  return { ...action, type: "Http", inputs: { ...rest, method, uri: `${base}/apiconnection/${apiOf(action)}${path}` } };
}

/** Header prefix carrying an action's `authentication` to the stand-ins, which check it as the local runner does. */
export const AUTH_HEADER = "x-standin-authentication-";

/**
 * A managed identity exists only in Azure, so the Standard runtime cannot sign the request; the action's
 * `authentication` (type, identity, audience, expressions kept) travels in headers instead, and the stand-in
 * refuses a table request without a storage-audience identity exactly as the local runner does.
 */
function authHeaders(inputs: Json): Json {
  const { authentication, headers, ...rest } = inputs;
  const carried = Object.fromEntries(
    Object.entries(authentication as Json).map(([k, v]) => [`${AUTH_HEADER}${k.toLowerCase()}`, v]),
  );
  return { ...rest, headers: { ...((headers as Json) ?? {}), ...carried } };
}

/** The `authentication` an action carried in headers (see authHeaders), or undefined. */
function carriedAuthentication(headers: Record<string, string>): Record<string, unknown> | undefined {
  const entries = Object.entries(headers).filter(([k]) => k.startsWith(AUTH_HEADER));
  if (!entries.length) return undefined;
  const names: Record<string, string> = { type: "type", identity: "identity", audience: "audience" };
  return Object.fromEntries(
    entries.map(([k, v]) => [names[k.slice(AUTH_HEADER.length)] ?? k.slice(AUTH_HEADER.length), v]),
  );
}

function adaptActions(actions: Record<string, Json> | undefined, base: string): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, original] of Object.entries(actions ?? {})) {
    let action: Json = original.type === "ApiConnection" ? toHttp(original, base) : { ...original };
    if (action.type === "Http" && (action.inputs as Json).authentication)
      action = { ...action, inputs: authHeaders(action.inputs as Json) };
    if (action.actions) action.actions = adaptActions(action.actions as Record<string, Json>, base);
    if (action.else)
      action.else = {
        ...(action.else as Json),
        actions: adaptActions((action.else as Json).actions as Record<string, Json>, base),
      };
    if (action.default)
      action.default = {
        ...(action.default as Json),
        actions: adaptActions((action.default as Json).actions as Record<string, Json>, base),
      };
    if (action.cases)
      action.cases = Object.fromEntries(
        Object.entries(action.cases as Record<string, Json>).map(([k, c]) => [
          k,
          { ...c, actions: adaptActions(c.actions as Record<string, Json>, base) },
        ]),
      );
    out[name] = action;
  }
  return out;
}

/** Stand-in values of the kit's parameters on the runner (local values, not secrets). */
export function standinParameters(base: string): Record<string, unknown> {
  return {
    tableEndpoint: `${base}/local-tables/`,
    normalizerUrl: `${base}/local-function/api/normalizeLead`,
    normalizerAudience: "api://local-normalizer",
    webhookUrl: `${base}/local-standin/webhook`,
    webhookSecret: "local-webhook-secret-0123456789",
    workflowIdentity: "/local/userAssignedIdentities/leads-workflow",
  };
}

/** workflow.json of a stateful Standard workflow running `definition` with built-in actions only. */
export function standardWorkflow(definition: Json, base: string): { definition: Json; kind: "Stateful" } {
  const adapted: Json = { ...definition, actions: adaptActions(definition.actions as Record<string, Json>, base) };
  const values = standinParameters(base);
  const declared = (definition.parameters ?? {}) as Record<string, Json>;
  const used = referencedParameters(adapted.actions);
  const parameters: Record<string, Json> = {};
  for (const [name, p] of Object.entries(declared)) {
    if (!used.has(name)) continue;
    if (!(name in values))
      throw new Error(`No stand-in value for the parameter '${name}' (scripts/wdl/kitDifferential.ts)`);
    parameters[name] = { ...p, defaultValue: values[name] };
  }
  return { definition: { ...adapted, parameters }, kind: "Stateful" };
}

/** Reads a request body as JSON (or text, or null when empty). */
async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The stand-ins behind HTTP for the Standard runtime: `/apiconnection/<api>/...` as the local API stand-ins answer,
 * everything else (`/local-tables/`, `/local-function/`, `/local-standin/webhook`) as the local runner's HTTP
 * connector does, under the local endpoints' URLs (`http://127.0.0.1/...`).
 */
export function standinServer(connectors: Connectors): Server {
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const queries = Object.fromEntries(url.searchParams);
    const body = await readBody(req);
    const signal = new AbortController().signal;
    const method = req.method ?? "GET";
    const api = /^\/apiconnection\/([^/]+)(\/.*)$/.exec(url.pathname);
    const answer = api
      ? await connectors.apiConnection(
          {
            apiName: api[1],
            connectionKey: api[1],
            connectionId: `/local/connections/${api[1]}`,
            method,
            path: api[2],
            queries,
            headers,
            body,
            actionName: headers["x-ms-workflow-operation-name"] ?? "",
            runName: headers["x-ms-workflow-run-id"] ?? "",
          },
          signal,
        )
      : await connectors.http(
          {
            method,
            uri: `http://127.0.0.1${url.pathname}${url.search}`,
            headers,
            body,
            actionName: "",
            runName: headers["x-ms-workflow-run-id"] ?? "",
            authentication: carriedAuthentication(headers),
          },
          signal,
        );
    const isText = typeof answer.body === "string";
    res.writeHead(answer.statusCode, {
      "Content-Type": isText ? "text/plain" : "application/json",
      ...(answer.headers ?? {}),
    });
    res.end(
      answer.body === undefined || answer.body === null ? "" : isText ? answer.body : JSON.stringify(answer.body),
    );
  });
}

/** What the comparison reads of a run: its status and each action's status, code and (unless hidden) outputs. */
export interface RunSummary {
  status: string;
  actions: Record<string, { status: string; code?: string; outputs?: unknown }>;
}

export function localSummary(run: WorkflowRun): RunSummary {
  const actions: RunSummary["actions"] = {};
  for (const [name, a] of Object.entries(run.actions) as Array<[string, ActionRun]>)
    actions[name] =
      a.outputs === undefined
        ? { status: a.status, code: a.code }
        : { status: a.status, code: a.code, outputs: a.outputs };
  return { status: run.status, actions };
}

/** Values that differ between any two runs (times, ids, ETags) are masked before outputs are compared. */
const VOLATILE = [
  /^\d{4}-\d\d-\d\dT[\d:.]+Z?$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^W\/"/,
  /^\d{30,}$/,
];

function comparable(outputs: unknown): unknown {
  const o = outputs as { statusCode?: unknown; body?: unknown } | undefined;
  const mask = (v: unknown): unknown =>
    typeof v === "string" && VOLATILE.some((re) => re.test(v))
      ? "<volatile>"
      : Array.isArray(v)
        ? v.map(mask)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]))
          : v;
  return o && typeof o === "object" && "statusCode" in o
    ? mask({ statusCode: o.statusCode, body: o.body })
    : mask(outputs);
}

export interface KitDifference {
  sample: string;
  action: string;
  what: "run" | "presence" | "status" | "outputs";
  azure: unknown;
  local: unknown;
}

/** Every difference between Azure's run of a sample and the local run of the same sample. */
export function compareRuns(
  sample: string,
  azure: RunSummary,
  local: RunSummary,
): { same: number; differences: KitDifference[] } {
  const differences: KitDifference[] = [];
  if (azure.status !== local.status)
    differences.push({ sample, action: "(run)", what: "run", azure: azure.status, local: local.status });
  let same = 0;
  const names = [...new Set([...Object.keys(azure.actions), ...Object.keys(local.actions)])].sort();
  for (const name of names) {
    const [a, l] = [azure.actions[name], local.actions[name]];
    const before = differences.length;
    if (!a || !l)
      differences.push({
        sample,
        action: name,
        what: "presence",
        azure: a?.status ?? "absent",
        local: l?.status ?? "absent",
      });
    else if (a.status !== l.status)
      differences.push({ sample, action: name, what: "status", azure: a.status, local: l.status });
    else if (
      a.outputs !== undefined &&
      l.outputs !== undefined &&
      JSON.stringify(comparable(a.outputs)) !== JSON.stringify(comparable(l.outputs))
    )
      differences.push({
        sample,
        action: name,
        what: "outputs",
        azure: comparable(a.outputs),
        local: comparable(l.outputs),
      });
    if (differences.length === before) same++;
  }
  return { same, differences };
}

/** One summary line per sample, then one line per difference with both values. */
export function formatKitDiff(results: Array<{ sample: string; same: number; differences: KitDifference[] }>): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.sample}: ${r.same} actions same, ${r.differences.length} different`);
    for (const d of r.differences)
      lines.push(
        `DIFF ${r.sample} ${d.action} ${d.what}: azure ${JSON.stringify(d.azure)}, local ${JSON.stringify(d.local)}`,
      );
  }
  return lines.join("\n");
}

/**
 * A run of a Standard workflow through the local host's management API (the `hostruntime/runtime/webhooks/workflow/
 * api/management/workflows/{workflowName}/runs/{runName}/actions` paths of Microsoft.Web's REST specification, served
 * by `func host start` without the `hostruntime/` prefix). Outputs are read from their `outputsLink`.
 */
export async function azureRun(managementBase: string, workflow: string, runId: string): Promise<RunSummary> {
  const api = "api-version=2020-05-01-preview";
  const get = async (url: string) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Json>;
  };
  const runUrl = `${managementBase}/workflows/${workflow}/runs/${runId}`;
  let run = await get(`${runUrl}?${api}`);
  for (let i = 0; i < 120 && ["Running", "Waiting"].includes(String((run.properties as Json).status)); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    run = await get(`${runUrl}?${api}`);
  }
  const actions: RunSummary["actions"] = {};
  for (let url: string | undefined = `${runUrl}/actions?${api}`; url;) {
    const page = await get(url);
    for (const a of page.value as Array<{ name: string; properties: Json }>) {
      const link = (a.properties.outputsLink as { uri?: string } | undefined)?.uri;
      const entry: RunSummary["actions"][string] = {
        status: String(a.properties.status),
        code: a.properties.code as string,
      };
      if (link) entry.outputs = await get(link);
      actions[a.name] = entry;
    }
    url = page.nextLink as string | undefined;
  }
  return { status: String((run.properties as Json).status), actions };
}
