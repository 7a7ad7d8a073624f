/**
 * The local HTTP endpoint: the same callback URL shape as Azure (`/workflows/{name}/triggers/{trigger}
 * /paths/invoke?...&sig=...`), a SAS-like signature check, and the run history as JSON and as a page.
 */
import { createHmac, timingSafeEqual } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { StandinTarget } from "./connectors/standins";
import { LocalEndpoint } from "./endpoint";
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
}

export interface LocalServer {
  server: http.Server;
  port: number;
  /** The signed callback URL, like `listCallbackUrl` returns in Azure. */
  callbackUrl: string;
  close(): Promise<void>;
}

/** `sig` of a callback URL: HMAC-SHA256 over the permission path, keyed by the workflow key. */
export function signature(key: string, workflowName: string, triggerName: string): string {
  return createHmac("sha256", key).update(`${workflowName}:/triggers/${triggerName}/run`).digest("base64url");
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
  res.end(body === null || body === undefined ? "" : JSON.stringify(body));
}

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
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString("utf8");
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

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { endpoint, triggerName } = options;
  const invokePath = `/workflows/${endpoint.workflowName}/triggers/${triggerName}/paths/invoke`;
  const expectedSig = signature(options.key, endpoint.workflowName, triggerName);
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname === invokePath) {
        if (req.method !== "POST")
          return json(res, 405, {
            error: { code: "MethodNotAllowed", message: "The callback URL accepts POST only." },
          });
        const sig = url.searchParams.get("sig");
        if (!sig) {
          return json(res, 401, {
            error: {
              code: "DirectApiAuthorizationRequired",
              message:
                "The request must be authenticated only by Shared Access scheme: the 'sig' query parameter is missing.",
            },
          });
        }
        if (!sigMatches(sig, expectedSig)) {
          return json(res, 401, {
            error: {
              code: "DirectApiInvalidAuthorizationSignature",
              message: "The provided 'sig' is not valid for this workflow.",
            },
          });
        }
        const raw = await readBody(req, limit);
        if (raw === "too-large") {
          return json(res, 413, {
            error: { code: "MessageSizeExceeded", message: `The request body is larger than ${limit} bytes.` },
          });
        }
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]),
        );
        const posted = await endpoint.post({
          method: "POST",
          headers,
          body: parseBody(raw, req.headers["content-type"]),
          queries: Object.fromEntries(url.searchParams),
        });
        const extra: Record<string, string> = posted.runName ? { "x-ms-workflow-run-id": posted.runName } : {};
        return json(res, posted.response.statusCode, posted.response.body, { ...posted.response.headers, ...extra });
      }
      if (req.method === "GET" && url.pathname === "/runs") {
        return json(res, 200, {
          value: endpoint.listRuns().map((r) => ({
            name: r.name,
            status: r.status,
            startTime: r.startTime,
            endTime: r.endTime,
            responseStatus: r.response?.statusCode,
            error: r.error,
          })),
        });
      }
      const runMatch = /^\/runs\/([0-9A-Za-z]+)$/.exec(url.pathname);
      if (req.method === "GET" && runMatch) {
        const run = endpoint.run(runMatch[1]);
        return run
          ? json(res, 200, run)
          : json(res, 404, { error: { code: "RunNotFound", message: `No run named '${runMatch[1]}'.` } });
      }
      // Fault injection for demos of dead letters and replay: POST /standins/<target>/down|up|fail?times=N&status=S
      const fault = /^\/standins\/(commondataservice|salesforce|office365|webhook|function)\/(down|up|fail)$/.exec(
        url.pathname,
      );
      if (req.method === "POST" && fault) {
        const target = fault[1] as StandinTarget;
        if (fault[2] === "down") endpoint.standins.down(target);
        else if (fault[2] === "up") endpoint.standins.up(target);
        else {
          const times = url.searchParams.get("times");
          endpoint.standins.fail(target, {
            times: times ? Number(times) : undefined,
            statusCode: Number(url.searchParams.get("status") ?? 500),
          });
        }
        return json(res, 200, { target, fault: fault[2] });
      }
      if (req.method === "GET" && url.pathname === "/standins/requests")
        return json(res, 200, { value: endpoint.standins.requests });
      if (req.method === "GET" && url.pathname === "/") {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(RUN_VIEW_HTML.replaceAll("{{WORKFLOW}}", endpoint.workflowName));
      }
      return json(res, 404, { error: { code: "NotFound", message: `No route for ${req.method} ${url.pathname}.` } });
    } catch (err) {
      return json(res, 500, { error: { code: "LocalRuntimeError", message: (err as Error).message } });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const query = `api-version=2016-10-01&sp=%2Ftriggers%2F${triggerName}%2Frun&sv=1.0&sig=${expectedSig}`;
  return {
    server,
    port,
    callbackUrl: `http://127.0.0.1:${port}${invokePath}?${query}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
