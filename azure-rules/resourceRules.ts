/**
 * What Azure Resource Manager rejects in a resource graph that Pulumi mocks accept: rules checked on
 * each registration (with the registrations before it) and on each invoke. Each rule names its source.
 */
import { checkDefinition } from "./definitionRules";
import { Violation } from "./violation";
import { WorkflowDefinition } from "../definition/types";
import { CRM_TARGETS, targetSpec } from "../targets";

/** A resource as the engine receives it (secrets unwrapped). */
export interface Registration {
  type: string;
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- engine inputs are untyped JSON
  inputs: Record<string, any>;
  /** The ARM id the registration received. */
  id?: string;
}

export interface Invoke {
  token: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- engine inputs are untyped JSON
  inputs: Record<string, any>;
}

export interface ResourceRule {
  id: string;
  source: string;
  onRegister?(r: Registration, before: Registration[]): Violation[];
  onInvoke?(call: Invoke, before: Registration[]): Violation[];
}

/** Pulumi auto-names a resource as its logical name plus a random suffix (azure-native: 8 characters). */
export const AUTONAME_SUFFIX_LENGTH = 8;

interface NameRule {
  input: string;
  min: number;
  max: number;
  pattern: RegExp;
  chars: string;
}

/** "Naming rules and restrictions for Azure resources" (azure-resource-manager/management/resource-name-rules). */
const NAME_RULES: Record<string, NameRule> = {
  "azure-native:storage:StorageAccount": {
    input: "accountName",
    min: 3,
    max: 24,
    pattern: /^[a-z0-9]+$/,
    chars: "lower-case letters and digits",
  },
  "azure-native:storage:Table": {
    input: "tableName",
    min: 3,
    max: 63,
    pattern: /^[A-Za-z][A-Za-z0-9]*$/,
    chars: "letters and digits, starting with a letter",
  },
  "azure-native:storage:BlobContainer": {
    input: "containerName",
    min: 3,
    max: 63,
    pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*$/,
    chars: "lower-case letters, digits and single hyphens",
  },
  "azure-native:resources:ResourceGroup": {
    input: "resourceGroupName",
    min: 1,
    max: 90,
    pattern: /^[\w\-.()]*[\w\-()]$/,
    chars: "letters, digits, _-.() and not ending in a period",
  },
  "azure-native:logic:Workflow": {
    input: "workflowName",
    min: 1,
    max: 80,
    pattern: /^[A-Za-z0-9\-()._]+$/,
    chars: "letters, digits and -()._",
  },
  "azure-native:web:WebApp": {
    input: "name",
    min: 2,
    max: 60,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    chars: "letters, digits and hyphens, not at either end",
  },
  "azure-native:web:AppServicePlan": {
    input: "name",
    min: 1,
    max: 60,
    pattern: /^[A-Za-z0-9-]+$/,
    chars: "letters, digits and hyphens",
  },
  "azure-native:operationalinsights:Workspace": {
    input: "workspaceName",
    min: 4,
    max: 63,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    chars: "letters, digits and hyphens, starting and ending alphanumeric",
  },
  "azure-native:monitor:ActionGroup": {
    input: "actionGroupName",
    min: 1,
    max: 260,
    pattern: /^[^:<>+/&%\\?]*[^:<>+/&%\\?. ]$/,
    chars: "no :<>+/&%\\? and not ending in space or period",
  },
  "azure-native:monitor:ScheduledQueryRule": {
    input: "ruleName",
    min: 1,
    max: 260,
    pattern: /^[^*<>%{}&:\\?/#]*[^*<>%{}&:\\?/#. ]$/,
    chars: "no *<>%{}&:\\?/# and not ending in space or period",
  },
  "azure-native:monitor:MetricAlert": {
    input: "ruleName",
    min: 1,
    max: 260,
    pattern: /^[^*#&+:<>?@%{}\\/]*[^*#&+:<>?@%{}\\/. ]$/,
    chars: "no *#&+:<>?@%{}\\/ and not ending in space or period",
  },
};

/** The name Azure receives: the explicit name input, else the logical name plus the auto-name suffix. */
export function azureName(r: Registration): { name: string; explicit: boolean } | undefined {
  const rule = NAME_RULES[r.type];
  if (!rule) return undefined;
  const explicit = r.inputs[rule.input];
  return typeof explicit === "string" ? { name: explicit, explicit: true } : { name: r.name, explicit: false };
}

function checkName(r: Registration): Violation[] {
  const rule = NAME_RULES[r.type];
  const n = azureName(r);
  if (!rule || !n) return [];
  const length = n.name.length + (n.explicit ? 0 : AUTONAME_SUFFIX_LENGTH);
  const how = n.explicit
    ? `${rule.input} "${n.name}"`
    : `auto-name "${n.name}" + ${AUTONAME_SUFFIX_LENGTH} random characters`;
  const out: Violation[] = [];
  if (length < rule.min || length > rule.max)
    out.push(
      res(
        "name-rules",
        r,
        `${how} is ${length} characters; Azure allows ${rule.min}-${rule.max}.`,
        `choose a name of ${rule.min}-${rule.max} characters (set ${rule.input}).`,
      ),
    );
  if (!rule.pattern.test(n.name))
    out.push(
      res(
        "name-rules",
        r,
        `${how} has characters Azure does not allow; use ${rule.chars}.`,
        `set ${rule.input} to a name of ${rule.chars}.`,
      ),
    );
  return out;
}

const res = (rule: string, r: Registration, message: string, fix: string, code?: string): Violation => ({
  rule,
  path: `${r.type} ${r.name}`,
  message,
  fix,
  ...(code ? { code } : {}),
});

const call = (rule: string, c: Invoke, message: string, fix: string, code?: string): Violation => ({
  rule,
  path: c.token,
  message,
  fix,
  ...(code ? { code } : {}),
});

const WORKSPACE = "azure-native:operationalinsights:Workspace";

function checkScheduledQuery(r: Registration, before: Registration[]): Violation[] {
  if (r.type !== "azure-native:monitor:ScheduledQueryRule" || r.inputs.skipQueryValidation === true) return [];
  const fresh = before.find(
    (b) => b.type === WORKSPACE && b.id !== undefined && (r.inputs.scopes ?? []).includes(b.id),
  );
  if (!fresh) return [];
  return [
    res(
      "scheduled-query-new-workspace",
      r,
      `the log query is validated against workspace "${fresh.name}", created in this deployment, whose tables do not exist until logs arrive ("SEM0100 ... Failed to resolve table or column expression").`,
      "set skipQueryValidation: true (or create the rule in a later deployment).",
      "SemanticError",
    ),
  ];
}

function checkHostKeys(c: Invoke, before: Registration[]): Violation[] {
  if (c.token !== "azure-native:web:listWebAppHostKeys") return [];
  const app = before.find((b) => b.type === "azure-native:web:WebApp" && (b.inputs.name ?? b.name) === c.inputs.name);
  const settings: Array<{ name?: string }> = app?.inputs.siteConfig?.appSettings ?? [];
  if (settings.some((s) => s.name?.startsWith("AzureWebJobsStorage"))) return [];
  return [
    call(
      "host-keys-need-storage",
      c,
      `host keys of "${String(c.inputs.name)}" are listed but the app was created without an AzureWebJobsStorage setting ("Secret initialization from Blob storage failed due to missing both an Azure Storage connection string and a SAS connection uri").`,
      "put AzureWebJobsStorage__accountName in siteConfig.appSettings at creation, or drop the key (managed identity authentication).",
    ),
  ];
}

/**
 * Connection parameters each managed API defines (exported connection templates; Azure/logicapps#1421): the
 * targets' connectors (TargetSpec.connectionParameters), and `azuretables`, which the kit must not use.
 */
const CONNECTION_PARAMETERS: Record<string, readonly string[]> = {
  azuretables: ["storageaccount", "sharedkey"],
  ...Object.fromEntries(
    CRM_TARGETS.flatMap((t) => {
      const { api, connectionParameters } = targetSpec(t);
      return api && connectionParameters ? [[api, connectionParameters]] : [];
    }),
  ),
};

const apiOf = (r: Registration): string | undefined =>
  /managedApis\/([^/]+)$/.exec(String(r.inputs.properties?.api?.id ?? ""))?.[1];

function checkConnectionParameters(r: Registration): Violation[] {
  if (r.type !== "azure-native:web:Connection") return [];
  const api = apiOf(r) ?? "?";
  const known = CONNECTION_PARAMETERS[api];
  const given = [
    ...Object.keys(r.inputs.properties?.parameterValues ?? {}),
    ...Object.keys(r.inputs.properties?.nonSecretParameterValues ?? {}),
  ];
  if (!known)
    return [
      res(
        "connection-parameters",
        r,
        `no parameter table for managed API "${api}".`,
        "add its connection parameters, with a source, to CONNECTION_PARAMETERS.",
      ),
    ];
  return given
    .filter((p) => !known.includes(p))
    .map((p) =>
      res(
        "connection-parameters",
        r,
        `managed API "${api}" defines no connection parameter "${p}" (it defines: ${known.join(", ") || "none"}).`,
        `remove "${p}" or use one of the API's parameters.`,
      ),
    );
}

/** Built-in roles the kit may assign ("Azure built-in roles", role-based-access-control/built-in-roles). */
export const BUILT_IN_ROLES: Record<string, string> = {
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
  "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
  "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
  "87a39d53-fc1b-424a-814c-f7e04687dc9e": "Logic App Contributor",
  "51d6186e-6489-4900-b93f-92e23144cca5": "Microsoft Sentinel Playbook Operator",
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
};

/** A role is valid when built in, or defined (a custom role) earlier in the same deployment. */
function checkRoleDefinition(r: Registration, before: Registration[] = []): Violation[] {
  if (r.type !== "azure-native:authorization:RoleAssignment") return [];
  const custom = before
    .filter((b) => b.type === "azure-native:authorization:RoleDefinition")
    .map((b) => String(b.inputs.roleDefinitionId ?? "").toLowerCase());
  const id = String(r.inputs.roleDefinitionId ?? "");
  const m = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(id);
  if (m && (m[1].toLowerCase() in BUILT_IN_ROLES || custom.includes(m[1].toLowerCase()))) return [];
  return [
    res(
      "role-definition-built-in",
      r,
      `roleDefinitionId "${id}" is not a built-in role the kit knows ("The specified role definition with ID ... does not exist.").`,
      `use /subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<id> with one of: ${Object.values(BUILT_IN_ROLES).join(", ")}.`,
      "RoleDefinitionDoesNotExist",
    ),
  ];
}

function checkPrincipalType(r: Registration): Violation[] {
  if (r.type !== "azure-native:authorization:RoleAssignment" || r.inputs.principalType !== undefined) return [];
  return [
    res(
      "role-assignment-principal-type",
      r,
      `no principalType: ARM looks the principal up in Microsoft Entra ID, and an identity created in the same deployment may not have replicated yet ("PrincipalNotFound: Principal ... does not exist in the directory").`,
      'set principalType: "ServicePrincipal" (managed identities and apps), which skips the lookup.',
      "PrincipalNotFound",
    ),
  ];
}

function checkActionGroupShortName(r: Registration): Violation[] {
  const short = r.inputs.groupShortName;
  if (
    r.type !== "azure-native:monitor:ActionGroup" ||
    (typeof short === "string" && short.length >= 1 && short.length <= 12)
  )
    return [];
  return [
    res(
      "action-group-short-name",
      r,
      `groupShortName ${JSON.stringify(short)} is not 1-12 characters.`,
      "use a short name of at most 12 characters (it is shown in SMS and e-mail).",
    ),
  ];
}

/** Flex Consumption language versions still supported (Node.js 20 support ended 30 April 2026). */
const FLEX_RUNTIMES: Record<string, string[]> = {
  node: ["22"],
  python: ["3.10", "3.11", "3.12"],
  "dotnet-isolated": ["8.0", "9.0"],
};
const FLEX_MEMORY_MB = [512, 2048, 4096];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- engine inputs are untyped JSON
const flexConfig = (r: Registration): Record<string, any> | undefined =>
  r.type === "azure-native:web:WebApp" ? r.inputs.functionAppConfig : undefined;

function checkFlexRuntime(r: Registration): Violation[] {
  const runtime = flexConfig(r)?.runtime;
  if (!runtime) return [];
  const versions = FLEX_RUNTIMES[String(runtime.name).toLowerCase()];
  if (versions?.includes(String(runtime.version))) return [];
  return [
    res(
      "flex-runtime-version",
      r,
      `runtime ${String(runtime.name)} ${String(runtime.version)} is not a supported Flex Consumption version.`,
      `use ${String(runtime.name)} ${versions?.join(" or ") ?? "(a supported language)"}.`,
    ),
  ];
}

function checkFlexScale(r: Registration): Violation[] {
  const scale = flexConfig(r)?.scaleAndConcurrency;
  if (!scale) return [];
  const out: Violation[] = [];
  const max = scale.maximumInstanceCount;
  if (max !== undefined && !(Number.isInteger(max) && max >= 40 && max <= 1000))
    out.push(
      res(
        "flex-maximum-instance-count",
        r,
        `maximumInstanceCount ${JSON.stringify(max)} is not 40-1000.`,
        "set maximumInstanceCount between 40 and 1000.",
      ),
    );
  const mem = scale.instanceMemoryMB;
  if (mem !== undefined && !FLEX_MEMORY_MB.includes(mem))
    out.push(
      res(
        "flex-instance-memory",
        r,
        `instanceMemoryMB ${JSON.stringify(mem)} is not one of ${FLEX_MEMORY_MB.join(", ")}.`,
        "set instanceMemoryMB to 512, 2048 or 4096.",
      ),
    );
  return out;
}

/**
 * siteConfig properties a Flex Consumption site rejects (ARM 51021), in the order ARM lists them. Newer regional
 * stamps refuse them, older ones ignore them (pulumi/pulumi-azure-native#4168: the same code passes in one region
 * and fails in another).
 */
const FLEX_INVALID_SITE_CONFIG = [
  "ftpsState",
  "use32BitWorkerProcess",
  "preWarmedInstanceCount",
  "netFrameworkVersion",
  "functionsRuntimeScaleMonitoringEnabled",
  "linuxFxVersion",
  "alwaysOn",
  "functionAppScaleLimit",
];

/** `ftpsState` -> `Site.SiteConfig.FtpsState`, as ARM names the property. */
const armSiteConfig = (key: string) => `Site.SiteConfig.${key[0].toUpperCase()}${key.slice(1)}`;

function checkFlexSiteConfig(r: Registration): Violation[] {
  const siteConfig = flexConfig(r) ? r.inputs.siteConfig : undefined;
  const invalid = FLEX_INVALID_SITE_CONFIG.filter((key) => siteConfig?.[key] !== undefined);
  if (invalid.length === 0) return [];
  const names = invalid.map(armSiteConfig).join(", ");
  const azure =
    invalid.length === 1
      ? `The following site configuration property (${names}) for Flex Consumption sites is invalid. Please remove or rename it before retrying.`
      : `The following list of ${invalid.length} site configuration properties (${names}) for Flex Consumption sites is invalid. Please remove or rename them before retrying.`;
  return [
    res(
      "flex-site-config",
      r,
      `siteConfig sets ${invalid.join(", ")}, which Flex Consumption sites reject ("${azure}").`,
      'remove them from siteConfig; azure-native adds netFrameworkVersion "v4.6" to any siteConfig: strip it with a transformations resource option (components/leadFunctionApp.ts).',
      "BadRequest",
    ),
  ];
}

function checkSharedKeyConnection(r: Registration, before: Registration[]): Violation[] {
  if (r.type !== "azure-native:web:Connection" || apiOf(r) !== "azuretables") return [];
  const values = r.inputs.properties?.parameterValues ?? {};
  const account = before.find(
    (b) => b.type === "azure-native:storage:StorageAccount" && (azureName(b)?.name ?? b.name) === values.storageaccount,
  );
  if (values.sharedkey === undefined || account?.inputs.allowSharedKeyAccess !== false) return [];
  return [
    res(
      "shared-key-disabled",
      r,
      `the connection signs with the key of account "${String(values.storageaccount)}", which has allowSharedKeyAccess false ("Key based authentication is not permitted on this storage account.").`,
      "authenticate with Microsoft Entra ID (managed identity) instead of the account key.",
      "KeyBasedAuthenticationNotPermitted",
    ),
  ];
}

function checkWorkflowDefinition(r: Registration): Violation[] {
  if (r.type !== "azure-native:logic:Workflow" || !r.inputs.definition) return [];
  const workflowIdentity = /Assigned/.test(String(r.inputs.identity?.type ?? ""));
  return checkDefinition(r.inputs.definition as WorkflowDefinition, { workflowIdentity }).map((x) => ({
    ...x,
    path: `${r.type} ${r.name} definition.${x.path}`,
  }));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A workbook: a GUID name, kind `shared`, and serializedData that parses as JSON of its `version`. */
function checkWorkbook(r: Registration): Violation[] {
  if (r.type !== "azure-native:applicationinsights:Workbook") return [];
  const out: Violation[] = [];
  const bad = (message: string, fix: string) => out.push(res("workbook-inputs", r, message, fix));
  if (typeof r.inputs.resourceName !== "string" || !GUID.test(r.inputs.resourceName))
    bad(`resourceName ${JSON.stringify(r.inputs.resourceName)} is not a GUID.`, "name the workbook with a GUID.");
  if (r.inputs.kind !== "shared") bad(`kind ${JSON.stringify(r.inputs.kind)} is not "shared".`, 'set kind "shared".');
  let data: { version?: unknown } | undefined;
  try {
    data = JSON.parse(String(r.inputs.serializedData)) as { version?: unknown };
  } catch {
    bad("serializedData is not valid JSON.", "pass JSON.stringify of the workbook.");
  }
  if (data && data.version !== r.inputs.version)
    bad(
      `serializedData version ${JSON.stringify(data.version)} differs from version ${JSON.stringify(r.inputs.version)}.`,
      "set version to the workbook's schema version (Notebook/1.0).",
    );
  return out;
}

const FUNCTIONS_DOCS = "MicrosoftDocs/azure-docs articles/azure-functions";

/** The catalogue: one rule a row, its source quoted briefly. */
export const RESOURCE_RULES: ResourceRule[] = [
  {
    id: "scheduled-query-new-workspace",
    // "SEM0100 'where' operator: Failed to resolve table or column expression named 'AzureDiagnostics'";
    // a log alert created with its workspace fails until "the table is shown".
    source: "CDCgov/prime-reportstream#11773; Azure/bicep#11378; azure-native ScheduledQueryRule.skipQueryValidation",
    onRegister: checkScheduledQuery,
  },
  {
    id: "host-keys-need-storage",
    // "ARM deployment fails when using ... listkey": "first doing listkeys and then associating appsettings".
    source: "Azure/azure-functions-host#5722",
    onInvoke: checkHostKeys,
  },
  {
    id: "connection-parameters",
    source: "exported Microsoft.Web/connections templates; Azure/logicapps#1421 (commondataservice)",
    onRegister: checkConnectionParameters,
  },
  {
    id: "role-definition-built-in",
    // ARM: Code="RoleDefinitionDoesNotExist" Message="The specified role definition with ID '...' does not exist."
    source: "learn.microsoft.com/azure/role-based-access-control/built-in-roles",
    onRegister: checkRoleDefinition,
  },
  {
    id: "role-assignment-principal-type",
    // "If you create a new service principal and immediately try to assign a role to that service principal, that
    // role assignment can fail in some cases ... set the principalType property to ServicePrincipal"
    // (role-assignments-template#new-service-principal); the error in the field: Azure/ResourceModules#981,
    // fixed the same way in Azure/AgentBaker#8251.
    source:
      "learn.microsoft.com/azure/role-based-access-control/role-assignments-template; Azure/ResourceModules#981; Azure/AgentBaker#8251",
    onRegister: checkPrincipalType,
  },
  {
    id: "name-rules",
    source:
      "learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules; pulumi.com/docs/iac/concepts/resources/names (auto-naming)",
    onRegister: checkName,
  },
  {
    id: "action-group-short-name",
    // Azure management library for .NET, ActionGroup WithShortName: "Maximum length cannot exceed 12 symbols."
    source: "learn.microsoft.com/azure/azure-monitor/alerts/action-groups; Microsoft.Azure.Management.Monitor.Fluent",
    onRegister: checkActionGroupShortName,
  },
  {
    id: "flex-runtime-version",
    source: `${FUNCTIONS_DOCS}/supported-languages.md; flex-consumption-plan.md`,
    onRegister: checkFlexRuntime,
  },
  {
    id: "flex-scale",
    // Maximum instance count "lowest 40, highest 1000"; instance memory sizes 512, 2048 and 4096 MB.
    source: `${FUNCTIONS_DOCS}/flex-consumption-plan.md#instance-memory`,
    onRegister: checkFlexScale,
  },
  {
    id: "flex-site-config",
    // ARM 51021, verbatim lists: "(Site.SiteConfig.FtpsState, Site.SiteConfig.Use32BitWorkerProcess,
    // Site.SiteConfig.PreWarmedInstanceCount, Site.SiteConfig.NetFrameworkVersion,
    // Site.SiteConfig.FunctionsRuntimeScaleMonitoringEnabled) for Flex Consumption sites is invalid" (azure-cli);
    // LinuxFxVersion (AVM #283); FunctionAppScaleLimit (functions-host); alwaysOn left out for FC1 by AVM #345.
    // azure-native defaults siteConfig.netFrameworkVersion to "v4.6" (pulumi-azure-native#4168).
    source:
      "Azure/azure-cli#31414; Azure/terraform-azurerm-avm-res-web-site#283, #345; Azure/azure-functions-host#10643; pulumi/pulumi-azure-native#4168",
    onRegister: checkFlexSiteConfig,
  },
  {
    id: "shared-key-disabled",
    source: "learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent",
    onRegister: checkSharedKeyConnection,
  },
  {
    id: "workbook-inputs",
    // Microsoft.Insights/workbooks (REST specs, as azure-native documents them): resourceName "must be an
    // UUID"; kind "Only valid value is shared"; serializedData "a string containing valid JSON";
    // version "should match the workbook in serializedData".
    source: "azure-rest-api-specs applicationinsights Microsoft.Insights workbooks_API.json",
    onRegister: checkWorkbook,
  },
  {
    id: "workflow-definition",
    source: "azure-rules/definitionRules.ts (Azure validates the definition on PUT)",
    onRegister: checkWorkflowDefinition,
  },
];

export function checkRegistration(r: Registration, before: Registration[]): Violation[] {
  return RESOURCE_RULES.flatMap((rule) => rule.onRegister?.(r, before) ?? []);
}

export function checkInvoke(c: Invoke, before: Registration[]): Violation[] {
  return RESOURCE_RULES.flatMap((rule) => rule.onInvoke?.(c, before) ?? []);
}
