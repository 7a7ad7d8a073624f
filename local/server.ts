/**
 * The local HTTP endpoint: the same callback URL shape as Azure (`/workflows/{name}/triggers/{trigger}
 * /paths/invoke?...&sig=...`), a SAS-like signature check, and the run history as JSON and as a page.
 */
import { createHmac, randomBytes, timingSafeEqual } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { ADMIN_TOKEN_HEADER } from "../ops/archive";
import { STANDIN_NAMES, StandinTarget } from "./connectors/standins";
import { LocalEndpoint } from "./endpoint";
import { jsonDepth, MAX_JSON_DEPTH } from "./jsonDepth";
import { RUN_VIEW_HTML } from "./runView";

/** Azure's inbound message limit for Consumption workflows (100 MB). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

export interface LocalServerOptions {
  endpoint: LocalEndpoint;
  /** Key that signs the callback URL (Azure: the workflow's access key). */
  key: string;
  triggerName: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Largest accepted body. @default MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Deepest accepted JSON nesting. @default MAX_JSON_DEPTH */
  maxJsonDepth?: number;
  /** Receives one line per request: method, path (never the query: it holds the sig), status, ms, run id. */
  log?: (line: string) => void;
  /**
   * Token for the admin routes (`/standins/*`, `/replay`) from outside the page (`npm run standin`,
   * tests), sent as `x-leadkit-admin-token`. The page itself is trusted by same-origin instead.
   * @default a random token (see LocalServer.adminToken)
   */
  adminToken?: string;
}

export interface LocalServer {
  server: http.Server;
  port: number;
  /** The signed callback URL, like `listCallbackUrl` returns in Azure. */
  callbackUrl: string;
  adminToken: string;
  close(): Promise<void>;
}

export { ADMIN_TOKEN_HEADER };

/** `sig` of a callback URL: HMAC-SHA256 over the permission path, keyed by the workflow key. */
export function signature(key: string, workflowName: string, triggerName: string): string {
  return createHmac("sha256", key).update(`${workflowName}:/triggers/${triggerName}/run`).digest("base64url");
}

type Res = http.ServerResponse;

function json(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // setHeader, not writeHead(status, headers): the request log reads the run id back with getHeader.
  for (const [name, value] of Object.entries({ "Content-Type": "application/json; charset=utf-8", ...headers }))
    res.setHeader(name, value);
  res.writeHead(status);
  res.end(body === null || body === undefined ? "" : JSON.stringify(body));
}

const fail = (res: Res, status: number, code: string, message: string) =>
  json(res, status, { error: { code, message } });

function sigMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve("too-large");
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** JSON bodies are parsed; anything else stays text (the trigger schema then refuses it, as Azure does). */
function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === "") return null;
  if (!contentType || /json/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A query parameter that must be a whole number in [min, max]; an error names it, its value and the range. */
class BadParameter extends Error {}
function wholeNumber(url: URL, name: string, min: number, max: number, fallback?: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max)
    throw new BadParameter(`Query parameter '${name}' is '${raw}': give a whole number from ${min} to ${max}.`);
  return value;
}

interface Context {
  options: LocalServerOptions;
  invokePath: string;
  expectedSig: string;
  adminToken: string;
  port: number;
}

async function invoke(ctx: Context, req: http.IncomingMessage, res: Res, url: URL): Promise<void> {
  if (req.method !== "POST") return fail(res, 405, "MethodNotAllowed", "The callback URL accepts POST only.");
  const sig = url.searchParams.get("sig");
  if (!sig)
    return fail(
      res,
      401,
      "DirectApiAuthorizationRequired",
      "The request must be authenticated only by Shared Access scheme: the 'sig' query parameter is missing.",
    );
  if (!sigMatches(sig, ctx.expectedSig))
    return fail(
      res,
      401,
      "DirectApiInvalidAuthorizationSignature",
      "The provided 'sig' is not valid for this workflow.",
    );
  const limit = ctx.options.maxBodyBytes ?? MAX_BODY_BYTES;
  const raw = await readBody(req, limit);
  if (raw === "too-large")
    return fail(res, 413, "MessageSizeExceeded", `The request body is larger than ${limit} bytes.`);
  const text = raw.toString("utf8");
  const tooDeep = depthProblem(text, ctx.options.maxJsonDepth ?? MAX_JSON_DEPTH, ctx.options.triggerName);
  if (tooDeep) return fail(res, 400, "TriggerInputSchemaMismatch", tooDeep);
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]),
  );
  const { endpoint } = ctx.options;
  const posted = await endpoint.post({
    method: "POST",
    headers,
    body: parseBody(text, req.headers["content-type"]),
    queries: Object.fromEntries(url.searchParams),
  });
  const extra: Record<string, string> = posted.runName ? { "x-ms-workflow-run-id": posted.runName } : {};
  json(res, posted.response.statusCode, posted.response.body, { ...posted.response.headers, ...extra });
}

/**
 * Refuses JSON nested deeper than `limit` before a run starts: the run's expressions and the archive's
 * JSON.stringify recurse, so a 5,000-level body used to fail in storage (500 "not archived") instead.
 */
function depthProblem(text: string, limit: number, triggerName: string): string | undefined {
  const depth = jsonDepth(text);
  if (depth <= limit) return undefined;
  return (
    `The input body for trigger '${triggerName}' of type 'Request' nests JSON ${depth} levels deep; ` +
    `the local endpoint accepts at most ${limit}. A Partner Center lead nests 2 levels: send the lead as it comes.`
  );
}

const FAULT = new RegExp(`^/standins/(${STANDIN_NAMES.join("|")})/(down|up|fail|slow)$`);

/** Fault injection for demos of dead letters and replay: POST /standins/<target>/down|up|fail|slow. */
function standinFault(ctx: Context, res: Res, url: URL, target: StandinTarget, fault: string): void {
  const { standins } = ctx.options.endpoint;
  if (fault === "slow" && !url.searchParams.has("ms"))
    throw new BadParameter("Query parameter 'ms' is missing: give the delay in milliseconds, e.g. ?ms=2000.");
  if (fault === "down") standins.down(target);
  else if (fault === "up") standins.up(target);
  else if (fault === "slow") standins.delay(target, wholeNumber(url, "ms", 0, 600000)!);
  else
    standins.fail(target, {
      times: wholeNumber(url, "times", 1, 1000000),
      statusCode: wholeNumber(url, "status", 100, 599, 500),
    });
  json(res, 200, { target, fault, ...(fault === "slow" ? { ms: Number(url.searchParams.get("ms")) } : {}) });
}

function runList(ctx: Context, res: Res): void {
  json(res, 200, {
    value: ctx.options.endpoint.listRuns().map((r) => ({
      name: r.name,
      status: r.status,
      startTime: r.startTime,
      endTime: r.endTime,
      responseStatus: r.response?.statusCode,
      error: r.error,
    })),
  });
}

/**
 * Everything but the signed callback answers only to Host 127.0.0.1/localhost:<port>: a page on another
 * name that resolves to 127.0.0.1 (DNS rebinding) cannot read recorded leads or the run history.
 */
function hostAllowed(ctx: Context, req: http.IncomingMessage): boolean {
  const host = String(req.headers.host ?? "").toLowerCase();
  return host === `127.0.0.1:${ctx.port}` || host === `localhost:${ctx.port}`;
}

/**
 * Admin routes change stand-ins, show what CRMs received and replay leads: the token (CLIs), or the
 * run page itself (same origin). Browsers set Origin and Sec-Fetch-Site; a page cannot forge them.
 */
function adminAllowed(ctx: Context, req: http.IncomingMessage): boolean {
  const token = req.headers[ADMIN_TOKEN_HEADER];
  if (typeof token === "string") return sigMatches(token, ctx.adminToken);
  const origin = req.headers.origin;
  if (origin !== undefined) return origin === `http://${req.headers.host}`;
  return req.headers["sec-fetch-site"] === "same-origin";
}

const isAdmin = (path: string) => path.startsWith("/standins/") || path.startsWith("/replay/");

interface Route {
  method: "GET" | "POST";
  path: RegExp;
  /** `match` is the path's RegExp match: its groups are the route's parameters. */
  handle(ctx: Context, res: Res, url: URL, match: RegExpExecArray): void | Promise<void>;
}

/** Every route after the callback and the host/admin checks; anything else is one 404. */
const ROUTES: Route[] = [
  { method: "GET", path: /^\/runs$/, handle: (ctx, res) => runList(ctx, res) },
  // `npm run replay -- --local`: which `received` rows belong to runs that have ended.
  {
    method: "GET",
    path: /^\/runs\/in-progress$/,
    handle: (ctx, res) => json(res, 200, ctx.options.endpoint.inProgressRuns()),
  },
  { method: "GET", path: /^\/runs\/([0-9A-Za-z]+)$/, handle: (ctx, res, _url, m) => runDetail(ctx, res, m[1]) },
  {
    method: "GET",
    path: /^\/leads$/,
    handle: async (ctx, res) => json(res, 200, { value: await ctx.options.endpoint.leads() }),
  },
  // `npm run send`: the lead's outcome, without the storage SDK in the command (null while it has no row);
  // ?row=<partition>/<run>, from the endpoint's answer, reads that row alone.
  {
    method: "GET",
    path: /^\/leads\/([0-9A-Za-z]+)$/,
    handle: async (ctx, res, url, m) =>
      json(res, 200, {
        value: (await ctx.options.endpoint.lead(m[1], url.searchParams.get("row") ?? undefined)) ?? null,
      }),
  },
  {
    method: "GET",
    path: /^\/insights$/,
    handle: async (ctx, res) => json(res, 200, await ctx.options.endpoint.insights()),
  },
  {
    method: "POST",
    path: /^\/replay\/([0-9A-Za-z]+)$/,
    handle: async (ctx, res, _url, m) => json(res, 200, { value: await ctx.options.endpoint.replay(m[1]) }),
  },
  {
    method: "POST",
    path: FAULT,
    handle: (ctx, res, url, m) => standinFault(ctx, res, url, m[1] as StandinTarget, m[2]),
  },
  { method: "GET", path: /^\/standins\/requests$/, handle: (ctx, res) => standinRequests(ctx, res) },
  {
    method: "GET",
    path: /^\/standins\/state$/,
    // The stack too: the commands tell this endpoint from another stack's by it (ops/archive.ts readLocalEndpoint).
    handle: (ctx, res) =>
      json(res, 200, { stack: ctx.options.endpoint.stackName, value: ctx.options.endpoint.standins.states() }),
  },
  { method: "GET", path: /^\/$/, handle: (ctx, res) => runPage(ctx, res) },
];

function runDetail(ctx: Context, res: Res, name: string): void {
  const run = ctx.options.endpoint.run(name);
  return run ? json(res, 200, run) : fail(res, 404, "RunNotFound", `No run named '${name}'.`);
}

function standinRequests(ctx: Context, res: Res): void {
  const { standins } = ctx.options.endpoint;
  json(res, 200, { value: standins.requests, dropped: standins.dropped });
}

function runPage(ctx: Context, res: Res): void {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end(RUN_VIEW_HTML.replaceAll("{{WORKFLOW}}", ctx.options.endpoint.workflowName));
}

async function route(ctx: Context, req: http.IncomingMessage, res: Res): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (url.pathname === ctx.invokePath) return invoke(ctx, req, res, url);
  if (!hostAllowed(ctx, req))
    return fail(
      res,
      421,
      "MisdirectedRequest",
      `Host '${req.headers.host}' is not this server: use 127.0.0.1:${ctx.port}.`,
    );
  if (isAdmin(url.pathname) && !adminAllowed(ctx, req))
    return fail(
      res,
      403,
      "AdminRouteForbidden",
      `${url.pathname} is for the run page (same origin) or a client sending ${ADMIN_TOKEN_HEADER} ` +
        "(its value is adminToken in .local-runs/endpoint.json; `npm run standin` sends it for you).",
    );
  for (const r of ROUTES) {
    const match = req.method === r.method ? r.path.exec(url.pathname) : null;
    if (match) return r.handle(ctx, res, url, match);
  }
  fail(res, 404, "NotFound", `No route for ${req.method} ${url.pathname}.`);
}

/** One line per request once it ends; the path only, never the query string (it carries the sig). */
function logRequest(req: http.IncomingMessage, res: Res, log: (line: string) => void): void {
  const started = performance.now();
  const path = (req.url ?? "/").split("?")[0];
  res.once("close", () => {
    const ms = Math.round(performance.now() - started);
    const status = res.writableFinished ? String(res.statusCode) : "aborted";
    const runId = res.getHeader("x-ms-workflow-run-id");
    log(`${req.method} ${path} ${status} ${ms}ms${runId ? ` run=${runId}` : ""}`);
  });
}

async function handle(ctx: Context, req: http.IncomingMessage, res: Res): Promise<void> {
  if (ctx.options.log) logRequest(req, res, ctx.options.log);
  try {
    await route(ctx, req, res);
  } catch (err) {
    // Once headers are out, a second answer would throw ERR_HTTP_HEADERS_SENT (and crash the process).
    if (res.headersSent) return void res.destroy();
    if (err instanceof BadParameter) return fail(res, 400, "InvalidParameter", err.message);
    fail(res, 500, "LocalRuntimeError", (err as Error).message);
  }
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { endpoint, triggerName } = options;
  const ctx: Context = {
    options,
    invokePath: `/workflows/${endpoint.workflowName}/triggers/${triggerName}/paths/invoke`,
    expectedSig: signature(options.key, endpoint.workflowName, triggerName),
    adminToken: options.adminToken ?? randomBytes(24).toString("base64url"),
    port: 0,
  };
  // Requests not yet answered: closing waits for them, and for nothing else (see close below).
  let inFlight = 0;
  let closing = false;
  const server = http.createServer((req, res) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (closing && inFlight === 0) server.closeAllConnections();
    });
    void handle(ctx, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  ctx.port = port;
  const query = `api-version=2016-10-01&sp=%2Ftriggers%2F${triggerName}%2Frun&sv=1.0&sig=${ctx.expectedSig}`;
  return {
    server,
    port,
    callbackUrl: `http://127.0.0.1:${port}${ctx.invokePath}?${query}`,
    adminToken: ctx.adminToken,
    // A browser keeps spare connections that never send a request (Chromium preconnects); close() alone
    // waits for them until Node's request timeout, minutes later. Requests in flight still get their
    // answer; then every connection left is closed.
    close: () =>
      new Promise((resolve) => {
        closing = true;
        server.close(() => resolve());
        if (inFlight === 0) server.closeAllConnections();
        else server.closeIdleConnections();
      }),
  };
}
