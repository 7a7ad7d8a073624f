/**
 * One HTTP(S) request for the CLIs, on node:http. Not fetch: loading it (undici and its WebAssembly parser) cost
 * 0.3 CPU-s of each CLI start, more than the commands' own work (measured: `node -e` with one GET, fetch 0.40-0.51
 * CPU-s, http 0.14-0.16).
 */
import * as http from "http";
import * as https from "https";

export interface HttpAnswer {
  status: number;
  ok: boolean;
  text: string;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, answer included; then the request is dropped. */
  timeoutMs: number;
}

/** The error of a request that got no answer in time; `code` as node's network errors have one. */
export class HttpTimeout extends Error {
  readonly code = "TIMEOUT";
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** Sends one request and reads the whole answer. Network errors reject with node's error (its `code` says why). */
export function httpRequest(
  url: string,
  { method = "GET", headers = {}, body, timeoutMs }: HttpOptions,
): Promise<HttpAnswer> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const sized = body === undefined ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => (clearTimeout(timer), reject(error));
    const request = client.request(target, { method, headers: sized }, (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    // The whole exchange: an answer that stops halfway through its body times out too.
    const timer = setTimeout(() => request.destroy(new HttpTimeout(timeoutMs)), timeoutMs);
    request.on("error", fail);
    request.end(body);
  });
}
