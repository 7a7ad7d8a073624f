import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SETTINGS, SETTING_NAMES } from "./settings";
import { KitConfig, parseStackConfig, RawSettings } from "./stackConfig";
import { SecretSettings } from "./endpointArgs";

/** The kit's settings of the current stack, validated, and its secrets as secret Outputs. */
export function readStackConfig(): { config: KitConfig; secrets: SecretSettings } {
  const all = pulumi.runtime.allConfig();
  const raw: RawSettings = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (fullKey.startsWith(`${PROJECT}:`)) raw[fullKey.slice(PROJECT.length + 1)] = value;
  }
  const plaintextSecrets = SETTING_NAMES.filter(
    (name) => "secret" in SETTINGS[name] && raw[name] !== undefined && !isConfigSecret(`${PROJECT}:${name}`),
  );
  const config = parseStackConfig(raw, plaintextSecrets);
  const cfg = new pulumi.Config(PROJECT);
  return {
    config,
    secrets: {
      dataverseClientSecret: config.dataverse ? cfg.requireSecret("dataverseClientSecret") : undefined,
      webhookSecret: config.webhook ? cfg.requireSecret("webhookSecret") : undefined,
    },
  };
}

/**
 * Whether Pulumi holds a key as a secret. `isConfigSecret` is exported by the SDK's runtime module
 * but not declared in its typings; without it, no plain-text check is made.
 */
function isConfigSecret(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret ? runtime.isConfigSecret(fullKey) : true;
}
