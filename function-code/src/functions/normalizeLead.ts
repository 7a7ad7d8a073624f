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

// Anonymous: no function key exists. App Service authentication in front of the app lets in only the
// workflow's managed identity; a Consumption workflow calling with a managed identity needs the function's
// auth level anonymous (MicrosoftDocs/azure-docs articles/logic-apps/call-azure-functions-from-workflows.md,
// "Set up your function for anonymous authentication").
app.http("normalizeLead", { methods: ["POST"], authLevel: "anonymous", handler: normalizeLeadHttp });
