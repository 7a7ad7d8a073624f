/**
 * The function's logic as a plain function: the Azure Functions registration (functions/) and the
 * local runtime both call it, so what runs locally is what runs in Azure.
 */
import { normalizeLead, NormalizeResult } from "./lead/normalize";

export interface HandlerResponse {
  status: number;
  jsonBody: NormalizeResult | { error: { code: string; message: string } };
}

function describe(body: unknown): string {
  if (body === null || body === undefined) return "an empty body";
  if (Array.isArray(body)) return `an array of ${body.length} item(s)`;
  return `a ${typeof body}`;
}

/** 200 with the normalized lead for any JSON object; 400 naming what was received otherwise. */
export function handleNormalizeRequest(body: unknown): HandlerResponse {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return {
      status: 400,
      jsonBody: {
        error: { code: "LeadNotAnObject", message: `The lead must be a JSON object; received ${describe(body)}.` },
      },
    };
  }
  return { status: 200, jsonBody: normalizeLead(body as Record<string, unknown>) };
}
