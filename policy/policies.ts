/**
 * The kit's rules as Pulumi policies (CrossGuard). Each rule is a plain function over a resource's
 * type and properties, so tests call it directly; `index.ts` packs them for `pulumi preview --policy-pack`.
 *
 * What policies cannot see: Pulumi hands them plaintext values, not which ones are secret, and not
 * the stack's outputs. Secret handling is therefore proven by the unit tests (`pulumi.isSecret` on
 * `leadEndpointUrl`, no secret in a non-secret input); these rules catch what is visible.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  Action,
  allActions,
  isCall,
  isOutboundCall,
  isStorageWrite,
  isVariableAction,
  kindOf,
  leadData,
  Props,
  readsTrigger,
  startsOnlyAfter,
  triggersOf,
} from "./definition";
import { INPUTS_HIDE_OUTPUTS, SECURE_INPUTS_ONLY, secureDataSupport } from "./secureData";

const WORKFLOW = "azure-native:logic:Workflow";
const CONNECTION = "azure-native:web:Connection";
const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
const DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting";

/**
 * Logic Apps resends only after a 408, 429 or 5xx; "none" never resends; a count is 1 to 90; without a
 * policy the default is 4 exponential retries capped at 45 s (learn.microsoft.com/azure/logic-apps/
 * logic-apps-exception-handling, "Retry policies").
 */
function retryProblem(name: string, policy: unknown): string | undefined {
  const fix = 'Fix: type "exponential" (or "fixed") with a count from 1 to 90.';
  if (policy === undefined) {
    return `Action '${name}' has no inputs.retryPolicy, so Azure's default applies (4 retries at most 45 s apart), shorter than a CRM outage. Fix: set inputs.retryPolicy, e.g. { type: "exponential", count: 10, interval: "PT30S" }.`;
  }
  const { type, count } = (policy ?? {}) as { type?: unknown; count?: unknown };
  const kind = String(type).toLowerCase();
  if (kind === "none") {
    return `Action '${name}' has retryPolicy type ${JSON.stringify(type)}: Logic Apps will not resend it after a 408, 429 or 5xx, so a passing outage loses the lead. ${fix}`;
  }
  if (kind === "default") return undefined;
  if (kind !== "exponential" && kind !== "fixed") {
    return `Action '${name}' has retryPolicy type ${JSON.stringify(type)}, which Azure does not know. ${fix}`;
  }
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 90) {
    return `Action '${name}' has retryPolicy count ${count === undefined ? "missing" : JSON.stringify(count)}: Azure takes 1 to 90 retries, and 0 means a passing outage loses the lead. Fix: count between 1 and 90 (the kit uses 10 for CRMs).`;
  }
  return undefined;
}

/** Every connector, HTTP and function call retries a passing outage. */
export function checkRetryPolicies(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  return allActions(props.definition)
    .filter(({ action }) => isCall(action))
    .map(({ name, action }) => retryProblem(name, action.inputs?.retryPolicy))
    .filter((problem): problem is string => problem !== undefined);
}

/** The first action writes the trigger's body to the kit's Table storage. */
function findArchive(definition: unknown): { archive?: string; first: string[] } {
  const top = Object.entries(
    ((definition as { actions?: Record<string, Action> })?.actions ?? {}) as Record<string, Action>,
  );
  const first = top.filter(([, a]) => Object.keys(a.runAfter ?? {}).length === 0);
  const archive = first.find(([, a]) => isStorageWrite(a) && readsTrigger(a.inputs))?.[0];
  return { archive, first: first.map(([n]) => n) };
}

/** The first action archives the lead; every outbound call can only start after it succeeded. */
export function checkArchiveFirst(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  const { archive, first } = findArchive(props.definition);
  if (!archive) {
    return [
      `No action archives the lead before anything else: the first action (runAfter {}) must write triggerBody() to Azure Table storage (PUT, POST, PATCH or MERGE). First actions: ${first.join(", ") || "none"}.`,
    ];
  }
  const located = allActions(props.definition);
  const guarded = startsOnlyAfter(archive, located);
  return located
    .filter(({ name, action }) => isOutboundCall(action) && !guarded(name))
    .map(
      ({ name }) =>
        `Action '${name}' can call out when '${archive}' did not succeed: archive every lead first. Fix: make it (or its container) run after '${archive}' with status Succeeded, directly or through steps that ran after it (never on a Skipped status).`,
    );
}

/**
 * What Azure accepts in runtimeConfiguration.secureData, per built-in: the table in ./secureData
 * (learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#obfuscate, "Secure data in run
 * history by using obfuscation"), which the offline Azure rules (azure-rules/) read too.
 */
const listed = (types: readonly string[], last: string): string =>
  `${types.slice(0, -1).join(", ")} ${last} ${types[types.length - 1]}`;
const INPUTS_ONLY_FIX = `Fix: runtimeConfiguration.secureData.properties = ["inputs"] (on a ${listed(INPUTS_HIDE_OUTPUTS, "or")} this also hides the outputs).`;

const securedOf = (action: Action): string[] => {
  const secureData = action.runtimeConfiguration?.secureData as Props | undefined;
  return ((secureData?.properties ?? []) as unknown[]).map((p) => String(p).toLowerCase());
};

/** secureData only where Azure supports it: a definition Azure rejects would not deploy. */
export function checkSecureDataSupported(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  const everything = [
    ...triggersOf(props.definition).map(([name, action]) => ({ name, action })),
    ...allActions(props.definition),
  ];
  const problems: string[] = [];
  for (const { name, action } of everything) {
    const support = secureDataSupport(action.type);
    if (support === "none" && action.runtimeConfiguration?.secureData !== undefined) {
      problems.push(
        `Action '${name}' (${action.type}) has runtimeConfiguration.secureData, which Azure does not support on ${action.type}. Fix: remove it; secure the actions that hold the data instead.`,
      );
    } else if (support === "inputs" && securedOf(action).includes("outputs")) {
      problems.push(
        `Action '${name}' (${action.type}) secures "outputs", which Azure rejects with InvalidSecureDataConfiguration: ${listed(SECURE_INPUTS_ONLY, "and")} take Secure Inputs only. ${INPUTS_ONLY_FIX}`,
      );
    }
  }
  return problems;
}

/** The one leak a lead-carrying action can have, given what its type can hide. */
function leadLeak(name: string, action: Action, carries: (value: unknown) => boolean): string[] {
  const kind = kindOf(action);
  const secured = securedOf(action);
  const shown = `secureData.properties is ${JSON.stringify(secured)}`;
  if (isVariableAction(action)) {
    return [
      `Action '${name}' (${action.type}) holds lead data in a variable, which Azure cannot hide from the run history. Fix: keep it in a Compose with secureData ["inputs"] and read that Compose's outputs.`,
    ];
  }
  const support = secureDataSupport(kind);
  if (support === "none") return [];
  const problems: string[] = [];
  if (kind === "response" && carries([action.inputs?.body, action.inputs?.headers])) {
    problems.push(
      `Action '${name}' (${action.type}) echoes lead data to the caller in its body or headers. Fix: answer Partner Center with the run id and status only, never triggerBody() or values derived from it.`,
    );
  }
  if (support === "inputs" && !secured.includes("inputs")) {
    problems.push(`Action '${name}' (${action.type}) puts lead data in the run history: ${shown}. ${INPUTS_ONLY_FIX}`);
  } else if (support === "both" && !(secured.includes("inputs") && secured.includes("outputs"))) {
    problems.push(
      `Action '${name}' (${action.type}) puts lead data in the run history: ${shown}. Fix: runtimeConfiguration.secureData.properties = ["inputs", "outputs"].`,
    );
  }
  return problems;
}

/**
 * The lead stays out of the run history: the trigger's outputs, and every action that carries the lead
 * or anything derived from it. Azure hides only what each action secures itself: a step reading a
 * Compose's hidden outputs shows them again (same page, "Considerations for securing inputs and outputs").
 */
export function checkSecureLeadData(type: string, props: Props): string[] {
  if (type !== WORKFLOW) return [];
  const problems = triggersOf(props.definition)
    .filter(([, trigger]) => kindOf(trigger) !== "recurrence" && !securedOf(trigger).includes("outputs"))
    .map(
      ([name, trigger]) =>
        `Trigger '${name}' (${trigger.type}) puts the lead in the run history: secureData.properties is ${JSON.stringify(securedOf(trigger))}. Fix: runtimeConfiguration.secureData.properties = ["outputs"].`,
    );
  const { carriers, carries } = leadData(props.definition);
  for (const { name, action } of allActions(props.definition)) {
    if (carriers.has(name)) problems.push(...leadLeak(name, action, carries));
  }
  return problems;
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
    "Every connector, HTTP and function call of the lead workflow retries (count 1 to 90, not none).",
    checkRetryPolicies,
  ),
  resourcePolicy(
    "archive-before-crm",
    "The raw lead is archived before any call leaves the workflow.",
    checkArchiveFirst,
  ),
  resourcePolicy("secure-lead-data", "Actions carrying lead data hide it from the run history.", checkSecureLeadData),
  resourcePolicy(
    "secure-data-supported",
    "secureData only where Azure accepts it (Compose, ParseJson, Response: inputs only).",
    checkSecureDataSupported,
  ),
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
