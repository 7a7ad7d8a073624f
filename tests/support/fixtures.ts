/** Shared test inputs: sample leads and the lead workflow with every target. */
import * as fs from "fs";
import type { LeadEndpointArgs } from "../../components/leadEndpoint";
import { leadWorkflowOptions } from "../../components/workflowOptions";
import { CRM_TARGETS, TargetSetting, targetSpec } from "../../targets";
import { buildLeadWorkflow, LeadWorkflow } from "../../workflow/leadWorkflow";

/** A sample lead of samples/ (`validate`, `full`, `minimal`, `camelcase`). */
export function sample(name: string): any {
  return JSON.parse(fs.readFileSync(`samples/${name}-lead.json`, "utf8"));
}

/**
 * Each target's block of a stack config, from the examples of its settings (TARGETS): the workflow reads
 * no secret, so these are the component args it needs.
 */
export function exampleTargetArgs(): Partial<LeadEndpointArgs> {
  return Object.fromEntries(
    CRM_TARGETS.map((t) => {
      const settings: Record<string, TargetSetting> = targetSpec(t).settings;
      return [t, targetSpec(t).config((key) => settings[key].example)];
    }),
  );
}

/** The workflow with every CRM target (and, optionally, the normalizer function). */
export function allTargetsWorkflow(normalizerFunction = false): LeadWorkflow {
  return buildLeadWorkflow(leadWorkflowOptions({ location: "westeurope", ...exampleTargetArgs(), normalizerFunction }));
}
