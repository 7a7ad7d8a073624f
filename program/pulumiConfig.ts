import * as pulumi from "@pulumi/pulumi";
import { SETTINGS, SETTING_NAMES } from "../config/settings";
import { KitConfig, parseStackConfig, projectSettings } from "../config/stackConfig";
import { SecretSettings } from "./endpointArgs";

/**
 * The kit's settings of the current stack, validated, and its secrets as secret Outputs. Keys are read
 * under the running project's name: "If you don't specify a namespace, the current project's name is used"
 * (https://www.pulumi.com/docs/iac/concepts/config/), and `pulumi new` renames the project.
 */
export function readStackConfig(project: string = pulumi.getProject()): { config: KitConfig; secrets: SecretSettings } {
  const all = pulumi.runtime.allConfig();
  const raw = projectSettings(all, project);
  const set = SETTING_NAMES.filter((name) => raw[name] !== undefined);
  const secretKeys = set.filter((name) => isConfigSecret(`${project}:${name}`));
  const plaintextSecrets = set.filter((name) => "secret" in SETTINGS[name] && !secretKeys.includes(name));
  const config = parseStackConfig(raw, plaintextSecrets, {
    project,
    providerLocation: all["azure-native:location"],
    secretKeys,
  });
  const cfg = new pulumi.Config(project);
  return {
    config,
    secrets: {
      dataverseClientSecret: config.dataverse ? cfg.requireSecret("dataverseClientSecret") : undefined,
      webhookSecret: config.webhook ? cfg.requireSecret("webhookSecret") : undefined,
      hubspotToken: config.hubspot ? cfg.requireSecret("hubspotToken") : undefined,
      teamsWebhookUrl: config.teams ? cfg.requireSecret("teamsWebhookUrl") : undefined,
    },
  };
}

/**
 * Whether Pulumi holds a key as a secret. `isConfigSecret` is exported by the SDK's runtime module
 * but not declared in its typings; without it, every key counts as secret: no plain-text check is made,
 * and no value is printed.
 */
function isConfigSecret(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret ? runtime.isConfigSecret(fullKey) : true;
}

/** The longest stack name whose derived Azure names all fit (see {@link endpointName}). */
export const MAX_STACK_NAME = 33;

/**
 * The component's name, `leads-<stack>`, from which the Azure names of its resources are derived. Pulumi allows
 * stack names Azure refuses in those: upper case and "--" (blob containers: lower-case letters, digits and single
 * hyphens), "_" and "." (function apps, Log Analytics workspaces); azure-native adds 8 random characters
 * (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules, azure-rules/resourceRules.ts).
 * The longest, the Log Analytics workspace `leads-<stack>-monitoring-logs` + 8, must fit the workspace's 63.
 */
export function endpointName(stack: string): string {
  if (stack.length <= MAX_STACK_NAME && /^[a-z0-9](?:-?[a-z0-9])*$/.test(stack)) return `leads-${stack}`;
  const fixed =
    stack
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, MAX_STACK_NAME)
      .replace(/-+$/, "") || "leads";
  throw new Error(
    `Stack name "${stack}" cannot name the kit's Azure resources (leads-${stack}-...): use lower-case letters, ` +
      `digits and single hyphens, at most ${MAX_STACK_NAME} characters (blob containers allow no upper case, ` +
      `function apps and workspaces no "_" or "."). Fix: pulumi stack rename ${fixed} (before the first pulumi up).`,
  );
}
