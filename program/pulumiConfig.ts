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
