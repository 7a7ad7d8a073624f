import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { leadWorkflowOptions } from "../components/workflowOptions";
import { endpointArgs } from "./endpointArgs";
import { PROJECT, SettingName, SettingSpec, SETTINGS, SETTING_NAMES } from "../config/settings";
import {
  heldShapingSecret,
  KitConfig,
  mayStaySecret,
  parseStackConfig,
  projectSettings,
  RawSettings,
  SECRET_PLACEHOLDER,
} from "../config/stackConfig";
import { buildLeadWorkflow, LeadWorkflow } from "../workflow/leadWorkflow";
import { listStacks, PROJECT_DIR, stackFilePath } from "./stackFiles";

export { listStacks, PROJECT_DIR };

/** A stack read from its files, without Pulumi: what `npm run render` and the local endpoint use. */
export interface LoadedStack extends LeadWorkflow {
  stack: string;
  config: KitConfig;
  /** Parameters the definition declares (`$connections`, `webhookUrl`, ...). */
  parameterNames: string[];
}

/** A stack's config as Pulumi resolves it: full keys (`<project>:targets`) to text, undefined = secret. */
export type ResolvedConfig = Record<string, string | undefined>;

export interface LoadOptions {
  /**
   * The stack's resolved config (`pulumi config --json --open` output, or PULUMI_CONFIG's map) in place of
   * its stack file: the only way to render a stack whose config comes from a Pulumi ESC environment.
   * Default: the JSON in the PULUMI_CONFIG environment variable, when set.
   */
  config?: ResolvedConfig;
  /** Only a stack file of your own, never an example (a command acting on the deployed stack). @default false */
  deployed?: boolean;
}

/**
 * Reads `Pulumi.yaml` defaults and `Pulumi.<stack>.yaml` like the Pulumi CLI does, validates them,
 * and builds the stack's workflow through the same path `pulumi up` takes. Secrets are not decrypted
 * (they never shape the definition).
 */
export function loadStack(stack: string, projectDir: string = PROJECT_DIR, options: LoadOptions = {}): LoadedStack {
  const stackFile = stackFilePath(stack, projectDir, options.deployed);
  const projectFile = readProject(projectDir);
  const project = nameOf(projectFile);
  const stackYaml = (parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as StackFile;
  const resolved = options.config ?? configFromEnv();
  if (resolved === undefined && stackYaml.environment !== undefined) {
    throw new Error(escRefusal(stack, stackFile, stackYaml.environment));
  }
  if (resolved === undefined) refuseMistyped(stack, stackYaml, projectFile.config ?? {}, project);
  const all: ResolvedConfig = resolved ?? stackFileConfig(stackYaml);
  const raw: RawSettings = { ...projectDefaults(projectFile), ...projectSettings(all, project) };
  for (const [key, value] of Object.entries(raw)) if (value === undefined) raw[key] = secretStandIn(key, stack);
  return stackFromSettings(stack, raw, { project, providerLocation: all["azure-native:location"] });
}

/**
 * What stands in offline for a value the stack holds as a secret, which is not decrypted here: a placeholder
 * for a secret setting, the example of one outside the definition (a parameter's value, a resource's setting)
 * that no local command reads. Any other setting is refused with the fix: the definition's, or one the local
 * commands read (`readOffline`).
 */
export function secretStandIn(key: string, stack: string): string {
  if (!(key in SETTINGS)) return SECRET_PLACEHOLDER; // an unknown key: parseStackConfig names it
  const spec: SettingSpec = SETTINGS[key as SettingName];
  if (spec.secret) return SECRET_PLACEHOLDER;
  if (mayStaySecret(key as SettingName)) return spec.example;
  if (spec.readOffline)
    throw new Error(
      `Stack '${stack}': ${key} is set as a secret, which npm run purge reads from the stack file, and npm run ` +
        `render, npm start and the local commands load it too: they do not decrypt secrets. ` +
        `Fix: pulumi config set ${key} '<value>' (without --secret)`,
    );
  throw new Error(`Stack '${stack}': ${heldShapingSecret(key as SettingName)}`);
}

/** Builds a stack's workflow from raw settings (as in a stack file), the way `pulumi up` would. */
export function stackFromSettings(
  stack: string,
  raw: RawSettings,
  options: { project?: string; providerLocation?: string } = {},
): LoadedStack {
  const config = parseStackConfig(raw, [], { ...options, secretsAvailable: false });
  const secrets = Object.fromEntries(
    SETTING_NAMES.filter((n) => "secret" in SETTINGS[n]).map((n) => [n, SECRET_PLACEHOLDER]),
  );
  const args = endpointArgs(config, secrets);
  const workflow = buildLeadWorkflow(leadWorkflowOptions(args));
  return { ...workflow, stack, config, parameterNames: Object.keys(workflow.definition.parameters) };
}

/**
 * A resolved config in either shape Pulumi prints it: `pulumi config --json` gives
 * `{"<key>": {"value": "...", "secret": bool}}` with `value` left out for a secret without --show-secrets,
 * and `--open` resolves the stack's ESC environments (pulumi/pulumi pkg/cmd/pulumi/config, listConfig and
 * configValueJSON); PULUMI_CONFIG, which the CLI hands the program, is a flat `{"<key>": "..."}` map.
 */
export function resolvedConfig(json: string, source: string): ResolvedConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message}). Fix: pulumi config --json --open > <file>`, {
      cause: err,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${source}: must be a JSON object of config keys. Fix: pulumi config --json --open > <file>`);
  }
  const config: ResolvedConfig = {};
  for (const [key, entry] of Object.entries(parsed)) {
    if (typeof entry === "object" && entry !== null && "secret" in entry) {
      const { value } = entry as { value?: string };
      config[key] = value;
    } else config[key] = configText(entry);
  }
  return config;
}

/**
 * Example stacks that only `npm start -- --stack <name>` runs: `notices` shows the HubSpot and Teams targets
 * against their stand-ins; no team deploys it, so pull requests do not preview it.
 */
export const LOCAL_DEMO_STACKS: readonly string[] = ["notices"];

/** `name:` of `Pulumi.yaml`: the namespace of the project's config keys. */
export function projectName(projectDir: string = PROJECT_DIR): string {
  return nameOf(readProject(projectDir));
}

const nameOf = (project: ProjectFile) =>
  typeof project.name === "string" && project.name !== "" ? project.name : PROJECT;

interface StackFile {
  config?: Record<string, unknown>;
  environment?: unknown;
}

/**
 * What `pulumi up` refuses before the program runs: a stack file list or map for a key `Pulumi.yaml` declares as
 * `string` or `integer` (pulumi/pulumi ValidateStackConfigAndMergeProjectConfig: "Stack '%v' with configuration
 * key '%v' must be of type '%v'"). Offline the kit refuses it the same way, so a render never shows a stack that
 * cannot deploy.
 */
function refuseMistyped(
  stack: string,
  stackYaml: StackFile,
  declared: Record<string, { type?: unknown }>,
  project: string,
): void {
  const problems = Object.entries(stackYaml.config ?? {}).flatMap(([key, value]) => {
    const short = key.startsWith(`${project}:`) ? key.slice(project.length + 1) : undefined;
    const type = short === undefined ? undefined : declared[short]?.type;
    const structured = typeof value === "object" && value !== null && !("secure" in value);
    if (!structured || (type !== "string" && type !== "integer")) return [];
    const fix = Array.isArray(value)
      ? `write it as comma text: ${key}: ${value.join(",")}`
      : `write it as one quoted JSON text: ${key}: '${JSON.stringify(value)}'`;
    return [`Stack '${stack}' with configuration key '${short}' must be of type '${type}'. Fix: ${fix}`];
  });
  if (problems.length > 0)
    throw new Error(
      `${problems.join("\n")}\n(pulumi up refuses these the same way: Pulumi.yaml declares their types.)`,
    );
}

/** A stack file's config as the CLI hands it to the program: text as is, secure values undefined. */
function stackFileConfig(stackYaml: StackFile): ResolvedConfig {
  const config: ResolvedConfig = {};
  for (const [key, value] of Object.entries(stackYaml.config ?? {})) {
    const secure = typeof value === "object" && value !== null && "secure" in value;
    config[key] = secure ? undefined : configText(value);
  }
  return config;
}

/**
 * Pulumi passes every config value to the program as text; lists and maps become JSON text
 * ("These are available to Pulumi programs as JSON strings", pulumi/pulumi#3342), numbers and
 * booleans their YAML text.
 */
export function configText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function configFromEnv(): ResolvedConfig | undefined {
  const json = process.env.PULUMI_CONFIG;
  return json === undefined || json.trim() === "" ? undefined : resolvedConfig(json, "PULUMI_CONFIG");
}

/** ESC environments are opened by Pulumi Cloud; offline, the resolved config must be handed over. */
function escRefusal(stack: string, stackFile: string, environment: unknown): string {
  return (
    `Stack "${stack}" takes its config from the Pulumi ESC environment ${JSON.stringify(environment)} ` +
    `(environment: in ${path.basename(stackFile)}), which cannot be read offline; rendering it from the stack ` +
    `file alone would show a workflow "pulumi up" does not deploy. Fix: pulumi config --json --open --stack ${stack} ` +
    `> ${stack}.config.json, then npm run render -- --stack ${stack} --env-file ${stack}.config.json ` +
    `(or set PULUMI_CONFIG to that JSON for npm start).`
  );
}

/** Defaults of the project config block of `Pulumi.yaml` (the CLI applies them to every stack). */
function projectDefaults(project: ProjectFile): RawSettings {
  const defaults: RawSettings = {};
  for (const [key, spec] of Object.entries(project.config ?? {})) {
    if (!key.includes(":") && spec?.default !== undefined) defaults[key] = configText(spec.default);
  }
  return defaults;
}

/** `Pulumi.yaml`, the parts the kit reads. */
interface ProjectFile {
  name?: unknown;
  config?: Record<string, { default?: unknown; type?: unknown }>;
}

function readProject(projectDir: string): ProjectFile {
  return parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) ?? {};
}
