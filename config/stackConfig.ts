import type { ErrorObject } from "ajv";
import {
  CRM_TARGETS,
  CrmTarget,
  FALLBACK_LOCATION,
  PROJECT,
  SETTINGS,
  SETTING_NAMES,
  SettingName,
  SettingSpec,
} from "./settings";
import { durationSeconds } from "../emulator/iso8601";
import { TARGETS, targetSpec } from "../targets";
import { checkOfferOwners, OfferOwners } from "./offerOwners";
import { cachedValidator } from "./settingsValidator";
import { shellWord } from "./shell";

/** Each selected target's block of the stack config (TargetSpec.config), keyed by target. */
export type TargetConfigs = { [T in CrmTarget]?: ReturnType<(typeof TARGETS)[T]["config"]> };

/** A stack's validated settings. Secret values are not here: only whether they were set. */
export interface KitConfig extends TargetConfigs {
  location: string;
  /** Existing resource group; undefined = create one. */
  resourceGroupName?: string;
  targets: CrmTarget[];
  archiveTableName: string;
  dedupTableName: string;
  dedupWindowDays: number;
  /** Days archive rows are kept; 0 = no purge. */
  archiveRetentionDays: number;
  protectLeads: boolean;
  incompleteLeads: "archive" | "deliver";
  crmRetry: { count: number; interval: string; maximumInterval: string };
  allowedCallerIps: string[];
  normalizer: "expressions" | "function";
  /** Automatic replay schedule; undefined = off. */
  replaySchedule?: string;
  alertEmails: string[];
  logRetentionDays: number;
  /** Offer id or display name (as written) to the targets its leads go to; empty: every lead to every target. */
  offerRoutes: Record<string, CrmTarget[]>;
  /** Offer id or display name (as written) to each target's record owner (as written); empty: default owners. */
  offerOwners: OfferOwners;
}

/** Thrown with every problem of a stack's settings at once. */
export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

export { shellWord };

/** Raw settings as Pulumi hands them over: text values keyed by short name (no `<project>:` prefix). */
export type RawSettings = Record<string, string | undefined>;

/** The `<project>:` keys of a full config map, by short name. Other namespaces (providers) are not ours. */
export function projectSettings(all: Record<string, string | undefined>, project: string): RawSettings {
  const raw: RawSettings = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (fullKey.startsWith(`${project}:`)) raw[fullKey.slice(project.length + 1)] = value;
  }
  return raw;
}

/** Stands in for a secret value offline; long enough for every secret's schema. */
export const SECRET_PLACEHOLDER = "(secret set with pulumi config set --secret)";

/** How a stack's settings are read: under which project name, and with which provider settings. */
export interface ParseOptions {
  /** False offline (render, local runs): secrets are encrypted or not set, so placeholders stand in. */
  secretsAvailable?: boolean;
  /** The Pulumi project name that namespaces the keys (`<project>:targets`) in error messages. */
  project?: string;
  /** `azure-native:location`, the region when the kit's own `location` is unset. */
  providerLocation?: string;
  /** Keys the stack holds as secrets (`pulumi config set --secret`): their values are never printed. */
  secretKeys?: readonly string[];
  /**
   * Refuse a key of `secretKeys` that is part of the workflow definition. False where `secretKeys` is a guess
   * (every key, when the runtime cannot tell secrets apart): masked, never refused. @default true
   */
  refuseHeldShaping?: boolean;
}

const MIN_INTERVAL_S = 5;
const MAX_INTERVAL_S = 24 * 3600;

// strictRequired off: the conditional "required" lists name properties declared at the top level.
// validateSchema off: checking the schema against JSON Schema's own cost about 0.15 s of CPU at every CLI
// start; the tests check settingsSchema() against it instead.
const { validate } = cachedValidator(settingsSchema(), {
  allErrors: true,
  coerceTypes: true,
  strict: true,
  strictRequired: false,
  validateSchema: false,
});

/** JSON schema of the parsed settings: value rules per key, plus "required when target X is chosen". */
export function settingsSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) properties[name] = SETTINGS[name].schema;
  const conditional = CRM_TARGETS.map((target) => ({
    if: { properties: { targets: { type: "array", contains: { const: target } } }, required: ["targets"] },
    then: { required: SETTING_NAMES.filter((n) => spec(n).requiredFor === target) },
  })).filter((c) => c.then.required.length > 0);
  return { type: "object", properties, additionalProperties: false, allOf: conditional };
}

/**
 * Validates a stack's settings and returns them typed, or throws {@link StackConfigError} listing
 * every problem with the key, the value received and the command that fixes it. Secret values are
 * checked but never printed; `plaintextSecrets` names secret keys a stack stored unencrypted.
 */
export function parseStackConfig(
  raw: RawSettings,
  plaintextSecrets: readonly string[] = [],
  options: ParseOptions = {},
): KitConfig {
  const problems: string[] = [];
  const data: Record<string, unknown> = {};
  const masked = (name: SettingName) => Boolean(spec(name).secret) || (options.secretKeys ?? []).includes(name);
  /** A setting's value as messages quote it; one the stack holds as a secret is never printed. */
  const shown = (name: SettingName) => (masked(name) ? "the secret value" : JSON.stringify(String(data[name])));
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in SETTINGS)) {
      problems.push(unknownKeyProblem(key));
      continue;
    }
    const s = spec(key as SettingName);
    // Refused, yet still checked below (values masked): the other problems of the stack are found in one run.
    if (options.refuseHeldShaping !== false && options.secretKeys?.includes(key) && shapesWorkflow(key as SettingName))
      problems.push(heldShapingSecret(key as SettingName));
    if (s.secret && plaintextSecrets.includes(key)) {
      problems.push(`${key}: is stored in plain text. Fix: pulumi config set --secret ${key} ${shellWord(s.example)}`);
    }
    if (value === undefined || value.trim() === "") continue;
    const parsed = s.list ? parseList(value) : "map" in s && s.map ? parseMap(value) : value.trim();
    const checked = typeof parsed === "string" ? s.check?.(parsed) : undefined;
    if (parsed === undefined) problems.push(invalid(key as SettingName, value, masked(key as SettingName)));
    else if (checked)
      problems.push(masked(key as SettingName) ? invalid(key as SettingName, value, true) : `${key}: ${checked}`);
    else data[key] = parsed;
  }
  for (const name of SETTING_NAMES) {
    const s = spec(name);
    if (!(name in data) && s.default !== undefined && s.default !== "")
      data[name] = s.list ? splitList(s.default) : s.default;
  }
  data.location ??= options.providerLocation?.trim() || FALLBACK_LOCATION;

  // Offline (render, local runs) secrets are encrypted in the stack file or not set yet: stand them in.
  if (options.secretsAvailable === false) {
    for (const name of SETTING_NAMES) if (spec(name).secret) data[name] = SECRET_PLACEHOLDER;
  }
  const snapshot = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  if (!validate(data)) {
    for (const err of validate.errors ?? []) {
      const problem = describe(err, snapshot, masked);
      if (problem && !problems.includes(problem)) problems.push(problem);
    }
  }
  const setByStack = new Set(Object.keys(raw).filter((k) => raw[k]?.trim()));
  problems.push(...crossSettingProblems(data, snapshot, setByStack, masked, shown));
  const project = options.project ?? PROJECT;
  const guard = heldValueGuard(options.secretKeys ?? []);
  if (problems.length > 0) throw new StackConfigError(sortBySetting(problems).map((p) => `${project}:${guard(p)}`));
  return toKitConfig(data);
}

/** The checks across settings (retry intervals, routes, owners, tables); values are quoted through `shown`. */
function crossSettingProblems(
  data: Record<string, unknown>,
  snapshot: Record<string, unknown>,
  setByStack: ReadonlySet<string>,
  masked: (name: SettingName) => boolean,
  shown: (name: SettingName) => string,
): string[] {
  const problems: string[] = [];
  for (const name of ["crmRetryInterval", "crmRetryMaxInterval"] as const) {
    const seconds = durationSeconds(String(data[name] ?? ""));
    if (seconds !== undefined && (seconds < MIN_INTERVAL_S || seconds > MAX_INTERVAL_S)) {
      problems.push(invalid(name, String(snapshot[name]), masked(name)));
    }
  }
  const interval = durationSeconds(String(data.crmRetryInterval));
  const maxInterval = durationSeconds(String(data.crmRetryMaxInterval));
  if (interval !== undefined && maxInterval !== undefined && maxInterval < interval) {
    problems.push(
      `crmRetryMaxInterval: ${shown("crmRetryMaxInterval")} is shorter than crmRetryInterval ${shown("crmRetryInterval")}. ` +
        `Fix: pulumi config set crmRetryMaxInterval ${shellWord(SETTINGS.crmRetryMaxInterval.example)}`,
    );
  }
  // Routes and owners quote offers and targets: with either held as a secret, one message says what is wrong.
  const unquoted = (key: SettingName, found: string[], what: string) =>
    found.length > 0 && (masked(key) || masked("targets"))
      ? [
          `${key}: ${masked(key) ? "the secret value" : "a value"} ${what} (secret values not shown). ${fix(key, false)}`,
        ]
      : found;
  problems.push(
    ...unquoted("offerRoutes", routeProblems(data), "routes an offer to a target the stack does not have"),
    ...unquoted("offerOwners", ownerProblems(data), "names an owner that is not one of the stack's targets' owners"),
    ...tableProblems(data, setByStack, shown, masked),
  );
  return problems;
}

/**
 * The last guard: a problem of a key the stack holds as a secret that still quotes its value says only what a
 * valid value is (every check quotes through `shown`, so this should not happen). Secret settings' own
 * messages quote no value.
 */
function heldValueGuard(secretKeys: readonly string[]): (problem: string) => string {
  return (p) => {
    const key = p.slice(0, p.indexOf(":")) as SettingName;
    const held = secretKeys.includes(key) && key in SETTINGS && !spec(key).secret;
    const quotesNoValue = p.startsWith(`${key}: the secret value`) || p === heldShapingSecret(key);
    return held && !quotesNoValue ? invalid(key, "", true) : p;
  };
}

/** A setting whose value is part of the workflow definition: not a secret, a secured parameter's value or outside. */
export const shapesWorkflow = (key: SettingName): boolean =>
  !spec(key).secret && !spec(key).maybeSecret && !spec(key).outsideDefinition;

/**
 * A setting that may stay held as a secret: a secured parameter's value, or one outside the definition that no
 * local command reads (offline its example stands in: program/stacks.ts secretStandIn).
 */
export const mayStaySecret = (key: SettingName): boolean =>
  Boolean(spec(key).maybeSecret) || Boolean(spec(key).outsideDefinition && !spec(key).readOffline);

/**
 * The refusal of a setting held as a secret that shapes the workflow. `pulumi up` reads it as plain config, so
 * the value would sit in plain text in the workflow's definition and in the state (only values read as secrets
 * stay encrypted: pulumi.com/docs/iac/concepts/secrets); offline, secrets are not decrypted at all.
 */
export function heldShapingSecret(key: SettingName): string {
  return (
    `${key}: is set as a secret, but it shapes the workflow: pulumi up would store it in plain text in the ` +
    `workflow's definition, and npm run render and npm start, which do not decrypt secrets, cannot build it. ` +
    `Fix: pulumi config set ${key} '<value>' (without --secret)`
  );
}

function toKitConfig(d: Record<string, unknown>): KitConfig {
  const str = (k: SettingName) => d[k] as string;
  const targets = (d.targets as CrmTarget[] | undefined) ?? [];
  const on = (t: CrmTarget) => targets.includes(t);
  return {
    location: str("location"),
    resourceGroupName: d.resourceGroupName as string | undefined,
    targets,
    archiveTableName: str("archiveTableName"),
    dedupTableName: str("dedupTableName"),
    dedupWindowDays: d.dedupWindowDays as number,
    archiveRetentionDays: d.archiveRetentionDays as number,
    protectLeads: d.protectLeads !== "false",
    incompleteLeads: d.incompleteLeads as KitConfig["incompleteLeads"],
    ...Object.fromEntries(
      CRM_TARGETS.map((t) => [t, on(t) ? targetSpec(t).config((key) => d[key] as string) : undefined]),
    ),
    crmRetry: {
      count: d.crmRetryCount as number,
      interval: str("crmRetryInterval"),
      maximumInterval: str("crmRetryMaxInterval"),
    },
    allowedCallerIps: (d.allowedCallerIps as string[] | undefined) ?? [],
    normalizer: d.normalizer as KitConfig["normalizer"],
    replaySchedule: d.replaySchedule as string | undefined,
    alertEmails: (d.alertEmails as string[] | undefined) ?? [],
    logRetentionDays: d.logRetentionDays as number,
    offerRoutes: (d.offerRoutes as Record<string, CrmTarget[]> | undefined) ?? {},
    offerOwners: d.offerOwners ? checkOfferOwners(d.offerOwners as Record<string, string[]>, targets).owners : {},
  };
}

/**
 * `offer=target+target;offer=target`, or the map as JSON text (an ESC `pulumiConfig` map also reaches the
 * program as JSON text, like a YAML list: pulumi/pulumi#3342). Undefined: a route without `=`, an empty offer or target, or other JSON.
 */
export function parseMap(text: string): Record<string, string[]> | undefined {
  if (text.trim().startsWith("{")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      const ok = (v: unknown) => Array.isArray(v) && v.every((t) => typeof t === "string");
      if (parsed === null || typeof parsed !== "object" || !Object.values(parsed).every(ok)) return undefined;
      return parsed as Record<string, string[]>;
    } catch {
      return undefined;
    }
  }
  const routes: Record<string, string[]> = {};
  for (const route of text.split(";").filter((r) => r.trim() !== "")) {
    const eq = route.lastIndexOf("=");
    const offer = route.slice(0, Math.max(eq, 0)).trim();
    const targets = route
      .slice(eq + 1)
      .split("+")
      .map((t) => t.trim());
    if (eq < 0 || offer === "" || targets.some((t) => t === "")) return undefined;
    routes[offer] = targets;
  }
  return routes;
}

/** Routes as `pulumi config set` text. */
const routesText = (routes: Record<string, string[]>) =>
  Object.entries(routes)
    .map(([offer, targets]) => `${offer}=${targets.join("+")}`)
    .join(";");

/**
 * The stack's tables must be distinct tables, and none the reserved name: "Table names are case-insensitive" and
 * "Some table names are reserved, including \"tables\""
 * (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model). Two settings
 * naming one table would declare it twice (pulumi up stops on the duplicate resource) and mix its rows.
 */
function tableProblems(
  data: Record<string, unknown>,
  setByStack: ReadonlySet<string>,
  shown: (name: SettingName) => string,
  masked: (name: SettingName) => boolean,
): string[] {
  const targets = (data.targets as string[] | undefined) ?? [];
  const names = SETTING_NAMES.filter((name) => {
    const s = spec(name);
    return s.table && typeof data[name] === "string" && (!s.target || targets.includes(s.target));
  });
  const taken = (value: string) => names.some((n) => (data[n] as string).toLowerCase() === value.toLowerCase());
  /** The setting's default, else the default with a number: a name no other table of the stack has. */
  const free = (name: SettingName) => {
    const base = SETTINGS[name].default as string;
    for (let i = 1; ; i++) if (!taken(i === 1 ? base : `${base}${i}`)) return i === 1 ? base : `${base}${i}`;
  };
  const problems: string[] = [];
  names.forEach((name, i) => {
    const value = data[name] as string;
    const other = names.slice(0, i).find((o) => (data[o] as string).toLowerCase() === value.toLowerCase());
    if (other) {
      // Blame the setting the stack set (a default clashing with it is not the user's doing).
      const [blamed, kept] = setByStack.has(name) || !setByStack.has(other) ? [name, other] : [other, name];
      // One value gives the other away (names ignore case): with either held as a secret, neither is shown.
      const hide = masked(blamed) || masked(kept);
      const value = masked(blamed) ? "the secret value" : hide ? "its value" : shown(blamed);
      problems.push(
        `${blamed}: ${value} is the table ${kept} names (${hide ? "" : `${shown(kept)}; `}table names ignore case): ` +
          `give each table its own name. Fix: pulumi config set ${blamed} ${free(blamed)}`,
      );
    } else if (value.toLowerCase() === "tables")
      problems.push(`${name}: ${shown(name)} is a name Azure reserves. Fix: pulumi config set ${name} ${free(name)}`);
  });
  return problems;
}

/** Each route's targets must be targets of the stack: an offer routed elsewhere would never be delivered. */
function routeProblems(data: Record<string, unknown>): string[] {
  const routes = data.offerRoutes as Record<string, string[]> | undefined;
  if (!routes || typeof routes !== "object") return [];
  const targets = ((data.targets as string[] | undefined) ?? []).filter((t) => typeof t === "string");
  if (targets.length === 0 && Object.keys(routes).length > 0) {
    return [
      `offerRoutes: routes leads to targets, but targets is empty. Fix: pulumi config set targets ${SETTINGS.targets.example}`,
    ];
  }
  const problems: string[] = [];
  for (const [offer, routed] of Object.entries(routes)) {
    for (const target of Array.isArray(routed) ? routed : []) {
      if (targets.includes(target)) continue;
      const suggestion = targets.find((t) => similar(t.toLowerCase(), target.toLowerCase())) ?? targets[0];
      const fixed = { ...routes, [offer]: routed.map((t) => (t === target ? suggestion : t)) };
      problems.push(
        `offerRoutes: route "${offer}=${routed.join("+")}": '${target}' is not a target: must be one of the stack's targets (${targets.join(", ")}). ` +
          `Fix: pulumi config set offerRoutes ${shellWord(routesText(fixed))}`,
      );
    }
  }
  return problems;
}

/** Each offer's owners must be owners of targets of the stack, in the shape each target takes (targets/). */
function ownerProblems(data: Record<string, unknown>): string[] {
  const map = data.offerOwners as Record<string, string[]> | undefined;
  if (!map || typeof map !== "object" || Object.keys(map).length === 0) return [];
  const targets = ((data.targets as string[] | undefined) ?? []).filter((t) => typeof t === "string");
  if (targets.length === 0)
    return [
      `offerOwners: sets owners in targets, but targets is empty. Fix: pulumi config set targets ${SETTINGS.targets.example}`,
    ];
  return checkOfferOwners(map, targets).problems;
}

/** Problems in the order settings are documented (unknown keys first); stable within a key. */
function sortBySetting(problems: string[]): string[] {
  const rank = (p: string) => SETTING_NAMES.indexOf(p.split(":")[0] as SettingName);
  return problems
    .map((p, i) => ({ p, i, r: rank(p) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.p);
}

function spec(name: SettingName): SettingSpec {
  return SETTINGS[name];
}

/**
 * A list setting as Pulumi hands it to the program: `pulumi config set targets email,webhook` gives comma
 * text, while a YAML list in a stack file (or an ESC `pulumiConfig` list) reaches the program as JSON text
 * (`["email","webhook"]`): "These are available to Pulumi programs as JSON strings" (pulumi/pulumi#3342,
 * "Support lists and maps in config"). Undefined: JSON that is not a list of strings.
 */
export function parseList(text: string): string[] | undefined {
  if (!text.trim().startsWith("[")) return splitList(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) return undefined;
  return parsed.map((item) => item.trim()).filter((item) => item !== "");
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function fix(name: SettingName, secret = Boolean(spec(name).secret)): string {
  return `Fix: pulumi config set${secret ? " --secret" : ""} ${name} ${shellWord(spec(name).example)}`;
}

function invalid(name: SettingName, received: unknown, masked: boolean): string {
  const shown = masked ? "the secret value" : JSON.stringify(received);
  // --secret in the fix only where a secret is right (heldShapingSecret, secretStandIn refuse the others).
  const secret = Boolean(spec(name).secret) || (masked && mayStaySecret(name));
  return `${name}: ${shown} is not valid: must be ${spec(name).expect}. ${fix(name, secret)}`;
}

function describe(
  err: ErrorObject,
  data: Record<string, unknown>,
  masked: (name: SettingName) => boolean,
): string | undefined {
  if (err.keyword === "if") return undefined; // the "then" error carries the detail
  if (err.keyword === "required") {
    const name = (err.params as { missingProperty: string }).missingProperty as SettingName;
    const target = spec(name).requiredFor;
    return `${name}: missing; required because targets includes "${target}". ${fix(name)}`;
  }
  const name = err.instancePath.split("/")[1] as SettingName;
  if (name === "targets" && (err.keyword === "enum" || err.keyword === "uniqueItems") && masked("targets"))
    return `targets: the secret value names a target that is not a CRM target, or one twice. Valid targets: ${CRM_TARGETS.join(", ")}. ${fix("targets", false)}`;
  if (name === "targets" && err.keyword === "enum") {
    const index = Number(err.instancePath.split("/")[2]);
    const item = (data.targets as string[])[index];
    // The fix keeps the stack's valid targets; each other item becomes the target it resembles, else goes.
    const valid = (t: string): t is CrmTarget => (CRM_TARGETS as readonly string[]).includes(t);
    const resembled = (t: string) => CRM_TARGETS.find((c) => similar(c.toLowerCase(), t.toLowerCase()));
    const fixed = [...new Set((data.targets as string[]).flatMap((t) => (valid(t) ? [t] : (resembled(t) ?? []))))];
    const value = fixed.length > 0 ? fixed.join(",") : spec("targets").example;
    return (
      `targets: "${item}" is not a CRM target. Valid targets: ${CRM_TARGETS.join(", ")}. ` +
      `Fix: pulumi config set targets ${shellWord(value)}`
    );
  }
  if (name === "targets" && err.keyword === "uniqueItems") {
    return `targets: ${JSON.stringify((data.targets as string[]).join(","))} lists a target twice. ${fix("targets")}`;
  }
  const received = spec(name).list ? (data[name] as string[]).join(",") : data[name];
  return invalid(name, received, masked(name));
}

function unknownKeyProblem(key: string): string {
  const close = SETTING_NAMES.filter((n) => similar(n.toLowerCase(), key.toLowerCase()));
  const hint = close.length > 0 ? ` Did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : "";
  return (
    `${key}: unknown setting.${hint} Known settings: ${SETTING_NAMES.join(", ")}. ` + `Fix: pulumi config rm ${key}`
  );
}

/** Edit distance <= 2, or one name contains the other: enough to catch typos like `target`. */
function similar(a: string, b: string): boolean {
  if (a.includes(b) || b.includes(a)) return true;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] <= 2;
}
