import * as pulumi from "@pulumi/pulumi";
import { SettingSpec, SETTINGS, SETTING_NAMES } from "../config/settings";
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
  const known = secretsKnown();
  const secretKeys = set.filter((name) => !known || known(`${project}:${name}`));
  const plaintextSecrets = set.filter((name) => "secret" in SETTINGS[name] && !secretKeys.includes(name));
  const config = parseStackConfig(raw, plaintextSecrets, {
    project,
    providerLocation: all["azure-native:location"],
    secretKeys,
    refuseHeldShaping: known !== undefined,
  });
  // Accepted as secrets (none enters the workflow definition), yet read as plain config like the rest: say so.
  for (const key of secretKeys.filter((k) => known && (SETTINGS[k] as SettingSpec).outsideDefinition))
    pulumi.log.warn(heldPlainWarning(project, key));
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
 * What `pulumi up` says of a setting held as a secret outside the definition: its resources take it as a plain
 * value, and Pulumi encrypts in the state only the values read as secrets (pulumi.com/docs/iac/concepts/secrets).
 */
export function heldPlainWarning(project: string, key: string): string {
  return (
    `${project}:${key} is held as a secret, but the kit passes it to its resources as a plain value: the state may ` +
    `hold it unencrypted. It is not part of the workflow definition; set it without --secret to silence this.`
  );
}

/**
 * Whether Pulumi holds a key as a secret: the SDK runtime's `isConfigSecret`, exported but not declared in its
 * typings. Without it (undefined), every key counts as secret: no value is printed, no plain-text check is made,
 * and none is refused as a held secret.
 */
function secretsKnown(): ((fullKey: string) => boolean) | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret ? (k) => runtime.isConfigSecret!(k) : undefined;
}

/** The longest stack name whose derived Azure names all fit (see {@link endpointName}). */
export const MAX_STACK_NAME = 33;

/**
 * The component's name, `leads-<stack>`, from which the Azure names of its resources are derived. Pulumi allows
 * stack names Azure refuses in those (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules,
 * azure-rules/resourceRules.ts), and azure-native adds 8 random characters:
 * - "_" and "." nowhere: the Log Analytics workspace (always deployed) takes letters, digits and hyphens;
 * - at most 33 characters: the workspace `leads-<stack>-monitoring-logs` + 8 must fit its 63;
 * - with the function app, no upper case and no "--": its package container takes lower-case letters, digits and
 *   single hyphens. A stack deployed without the app keeps its name (renaming one replaces every resource).
 */
export function endpointName(stack: string, withFunctionApp: boolean): string {
  const always = stack.length <= MAX_STACK_NAME && /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(stack);
  const container = /^[a-z0-9](?:-?[a-z0-9])*$/.test(stack);
  if (always && (container || !withFunctionApp)) return `leads-${stack}`;
  const fixed =
    stack
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, MAX_STACK_NAME)
      .replace(/-+$/, "") || "leads";
  const why = always
    ? "with the function app (archiveRetentionDays above 0, replaySchedule or normalizer: function) its blob " +
      'container allows no upper case and no "--"'
    : `use letters, digits and single hyphens, at most ${MAX_STACK_NAME} characters (Log Analytics workspaces allow no "_" or ".")`;
  throw new Error(
    `Stack name "${stack}" cannot name the kit's Azure resources (leads-${stack}-...): ${why}. ` +
      `Fix: pulumi stack rename ${fixed} before the first pulumi up; a stack already deployed would have every ` +
      `resource replaced by a rename: deploy a new stack ${fixed} and move Partner Center to its URL.`,
  );
}
