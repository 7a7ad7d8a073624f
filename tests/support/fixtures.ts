/** Shared test inputs: sample leads and the lead workflow with every target. */
import * as fs from "fs";
import type { LeadEndpointArgs } from "../../components/leadEndpoint";
import { leadWorkflowOptions } from "../../components/workflowOptions";
import { EXAMPLES_ONLY_ENV } from "../../program/stackFiles";
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

/**
 * `fn` with the stacks resolved as `npm run render` resolves them for you (your Pulumi.<stack>.yaml first, then the
 * examples), not the examples alone that the tests otherwise run (.mocharc.js): for the checks of rendered/, which
 * the pull-request workflow keeps in step with your own stacks.
 */
export function asRendered<T>(fn: () => T): T {
  const saved = process.env[EXAMPLES_ONLY_ENV];
  delete process.env[EXAMPLES_ONLY_ENV];
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env[EXAMPLES_ONLY_ENV] = saved;
  }
}
