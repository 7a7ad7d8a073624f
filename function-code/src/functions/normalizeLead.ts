/** Azure Functions (v4 programming model) registration of the lead normalizer. */
import { app, HttpRequest, HttpResponseInit } from "@azure/functions";
import { handleNormalizeRequest } from "../handler";

export async function normalizeLeadHttp(request: HttpRequest): Promise<HttpResponseInit> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    body = undefined;
  }
  return handleNormalizeRequest(body);
}

app.http("normalizeLead", { methods: ["POST"], authLevel: "function", handler: normalizeLeadHttp });
