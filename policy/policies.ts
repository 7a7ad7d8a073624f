/**
 * The kit's rules as Pulumi policies (CrossGuard). Each rule is a plain function over a resource's
 * type and properties, so tests call it directly; `index.ts` packs them for `pulumi preview --policy-pack`.
 *
 * What policies cannot see: Pulumi hands them plaintext values, not which ones are secret, and not
 * the stack's outputs. Secret handling is therefore proven by the unit tests (`pulumi.isSecret` on
 * `leadEndpointUrl`, no secret in a non-secret input); these rules catch what is visible.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

type Props = Record<string, unknown>;
type Action = {
  type?: string;
  runAfter?: Record<string, string[]>;
  inputs?: Props;
  runtimeConfiguration?: Props;
  actions?: Record<string, Action>;
  else?: { actions?: Record<string, Action> };
  cases?: Record<string, { actions?: Record<string, Action> }>;
  default?: { actions?: Record<string, Action> };
};

const WORKFLOW = "azure-native:logic:Workflow";
const CONNECTION = "azure-native:web:Connection";
const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
const DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting";

/** Every action of a definition with its top-level ancestor, at any depth. */
function allActions(definition: unknown): Array<{ name: string; action: Action; topLevel: string }> {
  const out: Array<{ name: string; action: Action; topLevel: string }> = [];
  const walk = (actions: Record<string, Action> | undefined, topLevel?: string) => {
    for (const [name, action] of Object.entries(actions ?? {})) {
      const top = topLevel ?? name;
      out.push({ name, action, topLevel: top });
      walk(action.actions, top);
      walk(action.else?.actions, top);
      for (const c of Object.values(action.cases ?? {})) walk(c.actions, top);
      walk(action.default?.actions, top);
    }
  };
  walk((definition as { actions?: Record<string, Action> })?.actions);
  return out;
}

function apiOf(action: Action): string | undefined {
  const name = String(
    (action.inputs?.host as Props | undefined)?.connection
      ? ((action.inputs!.host as Props).connection as Props).name
      : "",
  );
  return /\$connections'\)\['([^']+)'\]/.exec(name)?.[1];
}

/** Calls leaving the workflow: connectors other than the table archive, HTTP and functions. */
function isExternalCall(action: Action): boolean {
  if (action.type === "Http" || action.type === "Function") return true;
  return action.type === "ApiConnection" && apiOf(action) !== "azuretables";
}

function isTableWrite(action: Action): boolean {
  return (
    action.type === "ApiConnection" &&
    apiOf(action) === "azuretables" &&
    ["put", "post"].includes(String(action.inputs?.method).toLowerCase())
  );
}

/** Every connector and HTTP call has a retry policy other than `none`. */
export function checkRetryPolicies(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  return allActions(props.definition)
    .filter(({ action }) => action.type === "ApiConnection" || action.type === "Http" || action.type === "Function")
    .filter(({ action }) => {
      const policy = action.inputs?.retryPolicy as { type?: string } | undefined;
      return !policy || policy.type === "none";
    })
    .map(
      ({ name }) =>
        `Action '${name}' calls out without a retry policy: a passing outage would lose the lead. Fix: set inputs.retryPolicy (exponential).`,
    );
}

/** The first action archives the lead; every external call comes after it succeeded. */
export function checkArchiveFirst(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  const top = ((props.definition as { actions?: Record<string, Action> })?.actions ?? {}) as Record<string, Action>;
  const first = Object.entries(top).filter(([, a]) => Object.keys(a.runAfter ?? {}).length === 0);
  const archive = first.find(([, a]) => isTableWrite(a))?.[0];
  if (!archive) {
    return [
      `No action archives the lead before anything else: the first action must write it to Azure Table storage. First actions: ${first.map(([n]) => n).join(", ") || "none"}.`,
    ];
  }
  /** Whether a top-level action runs only after the archive succeeded (directly or through its predecessors). */
  const afterArchive = (name: string, seen = new Set<string>()): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    const runAfter = top[name]?.runAfter ?? {};
    if (archive in runAfter) return runAfter[archive].every((s) => s === "Succeeded");
    return Object.keys(runAfter).some((dep) => afterArchive(dep, seen));
  };
  return allActions(props.definition)
    .filter(({ action }) => isExternalCall(action))
    .filter(({ topLevel }) => !afterArchive(topLevel))
    .map(
      ({ name }) =>
        `Action '${name}' can call out before '${archive}' succeeded: archive every lead first. Fix: make it run after '${archive}' with status Succeeded.`,
    );
}

/** Actions whose inputs carry the lead hide them from the run history. */
export function checkSecureLeadData(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  const carriesLead =
    /triggerBody\(\)|outputs\('Normalize_lead'\)|body\('Normalize_lead_function'\)|outputs\('Plain_mapping'\)/;
  return allActions(props.definition)
    .filter(({ action }) => ["ApiConnection", "Http", "Function", "Compose"].includes(String(action.type)))
    .filter(({ action }) => carriesLead.test(JSON.stringify(action.inputs ?? {})))
    .filter(({ action }) => {
      const secured = ((action.runtimeConfiguration?.secureData as Props | undefined)?.properties ?? []) as string[];
      return !secured.includes("inputs");
    })
    .map(
      ({ name }) =>
        `Action '${name}' puts lead data in the run history. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].`,
    );
}

/** Secret connection parameters only in `parameterValues` (write-only in Azure), never in the readable ones. */
export function checkConnectionSecrets(type: string, props: Props): string[] {
  if (type !== CONNECTION) return [];
  const secretName = /secret|password|key|token:clientSecret/i;
  const properties = (props.properties ?? {}) as Props;
  const problems: string[] = [];
  for (const bag of ["nonSecretParameterValues", "customParameterValues"]) {
    for (const key of Object.keys((properties[bag] ?? {}) as Props)) {
      if (secretName.test(key) && key !== "token:LoginUri") {
        problems.push(
          `Connection parameter '${key}' is in ${bag}, which Azure stores and returns in plain text. Fix: pass it in parameterValues.`,
        );
      }
    }
  }
  return problems;
}

/** The archive's storage account: TLS 1.2+, HTTPS only, no anonymous blob access. */
export function checkStorageAccount(type: string, props: Props): string[] {
  if (type !== STORAGE_ACCOUNT) return [];
  const problems: string[] = [];
  if (!["TLS1_2", "TLS1_3"].includes(String(props.minimumTlsVersion))) {
    problems.push(`minimumTlsVersion is ${JSON.stringify(props.minimumTlsVersion)}. Fix: "TLS1_2" or higher.`);
  }
  if (props.allowBlobPublicAccess !== false)
    problems.push("allowBlobPublicAccess is not false. Fix: allowBlobPublicAccess: false.");
  if (props.enableHttpsTrafficOnly === false)
    problems.push("enableHttpsTrafficOnly is false. Fix: enableHttpsTrafficOnly: true.");
  return problems;
}

/** No resource property holds a Logic Apps callback URL (it carries a SAS signature). */
export function checkNoCallbackUrl(type: string, props: Props): string[] {
  const text = JSON.stringify(props);
  return /\/triggers\/[^"]*\/paths\/invoke[^"]*[?&]sig=/.test(text)
    ? [
        `A property of this ${type} holds a workflow callback URL with its signature. Fix: never copy leadEndpointUrl into resources; export it with pulumi.secret.`,
      ]
    : [];
}

/** Every workflow sends its runtime logs somewhere (diagnostic setting with WorkflowRuntime). */
export function checkDiagnostics(resources: PolicyResource[]): string[] {
  const settings = resources.filter((r) => r.type === DIAGNOSTIC_SETTING);
  const logsRuntime = (r: PolicyResource) =>
    ((r.props.logs ?? []) as Array<{ category?: string; enabled?: boolean }>).some(
      (l) => l.category === "WorkflowRuntime" && l.enabled,
    );
  return resources
    .filter((r) => r.type === WORKFLOW)
    .filter((wf) => {
      // Ids are unknown during a first preview: then any runtime-logging setting counts.
      const id = wf.props.id;
      const matching = settings.filter(
        (s) => id === undefined || s.props.resourceUri === undefined || s.props.resourceUri === id,
      );
      return !matching.some(logsRuntime);
    })
    .map(
      (wf) =>
        `Workflow ${wf.name} has no diagnostic setting sending WorkflowRuntime logs: failed runs would go unnoticed. Fix: add LeadMonitoring.`,
    );
}

type Check = (type: string, props: Props) => string[];

function resourcePolicy(name: string, description: string, check: Check): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      for (const message of check(args.type, args.props)) report(message);
    },
  };
}

export const resourcePolicies: ResourceValidationPolicy[] = [
  resourcePolicy(
    "crm-calls-retry",
    "Every connector and HTTP call of the lead workflow has a retry policy.",
    checkRetryPolicies,
  ),
  resourcePolicy(
    "archive-before-crm",
    "The raw lead is archived before any call leaves the workflow.",
    checkArchiveFirst,
  ),
  resourcePolicy("secure-lead-data", "Actions carrying lead data hide it from the run history.", checkSecureLeadData),
  resourcePolicy(
    "connection-secrets-write-only",
    "Connection secrets only in write-only parameterValues.",
    checkConnectionSecrets,
  ),
  resourcePolicy(
    "storage-hardened",
    "Storage accounts: TLS 1.2+, HTTPS only, no public blob access.",
    checkStorageAccount,
  ),
  resourcePolicy(
    "no-callback-url-in-resources",
    "No resource property holds the signed callback URL.",
    checkNoCallbackUrl,
  ),
];

export const stackPolicies: StackValidationPolicy[] = [
  {
    name: "workflow-diagnostics-on",
    description: "Every workflow sends its runtime logs to Log Analytics.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      for (const message of checkDiagnostics(args.resources)) report(message);
    },
  },
];
