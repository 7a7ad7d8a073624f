/** Shared test inputs: sample leads and the lead workflow with every target. */
import * as fs from "fs";
import { leadWorkflowOptions } from "../../components/leadEndpoint";
import { buildLeadWorkflow, LeadWorkflow } from "../../workflow/leadWorkflow";

/** A sample lead of samples/ (`validate`, `full`, `minimal`, `camelcase`). */
export function sample(name: string): any {
  return JSON.parse(fs.readFileSync(`samples/${name}-lead.json`, "utf8"));
}

/** The workflow with every CRM target (and, optionally, the normalizer function). */
export function allTargetsWorkflow(normalizerFunction = false): LeadWorkflow {
  return buildLeadWorkflow(
    leadWorkflowOptions({
      location: "westeurope",
      dataverse: { url: "https://contoso.crm4.dynamics.com", tenantId: "t", clientId: "c", clientSecret: "s" },
      salesforce: {},
      email: { to: "sales@contoso.com" },
      webhook: { url: "https://hooks.contoso.com/x", secret: "s" },
      azureTable: {},
      normalizerFunction,
    }),
  );
}
