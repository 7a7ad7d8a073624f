import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { leadWorkflowOptions } from "../components/leadEndpoint";
import { endpointArgs } from "../config/endpointArgs";
import { PROJECT } from "../config/settings";
import { KitConfig, parseStackConfig, RawSettings, SECRET_PLACEHOLDER } from "../config/stackConfig";
import { buildLeadWorkflow, LeadWorkflow } from "./leadWorkflow";

/** A stack read from its files, without Pulumi: what `npm run render` and the local endpoint use. */
export interface LoadedStack extends LeadWorkflow {
  stack: string;
  config: KitConfig;
  /** Parameters the definition declares (`$connections`, `webhookUrl`, ...). */
  parameterNames: string[];
}

/** Directory of `Pulumi.yaml`. */
export const PROJECT_DIR = path.join(__dirname, "..");

/**
 * Reads `Pulumi.yaml` defaults and `Pulumi.<stack>.yaml` like the Pulumi CLI does, validates them,
 * and builds the stack's workflow through the same path `pulumi up` takes. Secrets are not decrypted
 * (they never shape the definition).
 */
export function loadStack(stack: string, projectDir: string = PROJECT_DIR): LoadedStack {
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const known = listStacks(projectDir);
    throw new Error(
      `Stack "${stack}" has no file ${path.basename(stackFile)}. Known stacks: ${known.join(", ") || "none"}.`,
    );
  }
  const stackYaml = (parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw: RawSettings = projectDefaults(projectDir);
  for (const [fullKey, value] of Object.entries(stackYaml.config ?? {})) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue; // provider keys such as azure-native:location
    const key = fullKey.slice(PROJECT.length + 1);
    raw[key] = typeof value === "object" && value !== null && "secure" in value ? SECRET_PLACEHOLDER : String(value);
  }
  return stackFromSettings(stack, raw);
}

/** Builds a stack's workflow from raw settings (as in a stack file), the way `pulumi up` would. */
export function stackFromSettings(stack: string, raw: RawSettings): LoadedStack {
  const config = parseStackConfig(raw, [], { secretsAvailable: false });
  const args = endpointArgs(config, { dataverseClientSecret: SECRET_PLACEHOLDER, webhookSecret: SECRET_PLACEHOLDER });
  const workflow = buildLeadWorkflow(leadWorkflowOptions(args));
  return { ...workflow, stack, config, parameterNames: Object.keys(workflow.definition.parameters) };
}

/** Defaults of the project config block of `Pulumi.yaml` (the CLI applies them to every stack). */
function projectDefaults(projectDir: string): RawSettings {
  const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, { default?: unknown }>;
  };
  const defaults: RawSettings = {};
  for (const [key, spec] of Object.entries(project.config ?? {})) {
    if (!key.includes(":") && spec?.default !== undefined) defaults[key] = String(spec.default);
  }
  return defaults;
}

/** Stack names that have a `Pulumi.<stack>.yaml`. */
export function listStacks(projectDir: string = PROJECT_DIR): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}
