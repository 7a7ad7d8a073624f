import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as logic from "@pulumi/azure-native/logic";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import { LeadFunctionApp, STORAGE_TABLE_DATA_CONTRIBUTOR } from "./leadFunctionApp";
import { LeadMonitoring } from "./leadMonitoring";
import { CRM_TARGETS, ManagedApi, OAUTH_APIS, targetSpec } from "../targets";
import { archiveRetentionDays, leadWorkflowOptions } from "./workflowOptions";
import { buildLeadWorkflow, LeadWorkflowOptions, TRIGGER_NAME } from "../workflow/leadWorkflow";

/** Retry policy of the CRM calls (exponential back-off). */
export interface CrmRetryArgs {
  /** Retries before the lead is dead-lettered (1-90). */
  count: number;
  /** First interval, ISO 8601 (PT5S-P1D). */
  interval: string;
  /** Longest interval, ISO 8601 (PT5S-P1D). */
  maximumInterval: string;
}

// The target types are named interfaces (not inline object types) so that Pulumi's schema analyzer
// (componentProviderHost, @pulumi/pulumi/provider/experimental) can turn them into schema types.

/** Dataverse / Dynamics 365 target, reached as a service principal. */
export interface DataverseArgs {
  /** Environment URL, `https://<org>.crm<N>.dynamics.com`. */
  url: string;
  /** Microsoft Entra tenant id of the application user. */
  tenantId: pulumi.Input<string>;
  /** Application (client) id of the application user. */
  clientId: pulumi.Input<string>;
  /** Client secret; pass a secret (`config.requireSecret`). */
  clientSecret: pulumi.Input<string>;
  /**
   * Opt-in campaign lookup: campaign value (the lead's mktcmpid) to the GUID of its Dataverse `campaign` row,
   * bound as the lead's Source Campaign. Campaigns not listed go as text in the description only.
   * @default {} - campaigns as text only
   */
  campaigns?: Record<string, string>;
}

/** Salesforce target (OAuth connection, signed in once after deploy). */
export interface SalesforceArgs {
  /** Login host. @default "https://login.salesforce.com" */
  loginUri?: string;
  /** Lead.LeadSource value. @default "Web" */
  leadSource?: string;
}

/** HubSpot target: contacts created or updated by e-mail with a private app's token. */
export interface HubspotArgs {
  /** Private app access token; pass a secret. */
  token: pulumi.Input<string>;
  /** Extra lead values to contact properties, `Field=property` pairs separated by commas. @default "" */
  propertyMap?: string;
}

/** Microsoft Teams lead card, posted through a Workflows webhook. */
export interface TeamsArgs {
  /** The Workflows webhook URL (it holds the key); pass a secret. */
  webhookUrl: pulumi.Input<string>;
}

/** Office 365 e-mail notice per lead. */
export interface EmailArgs {
  /** Semicolon-separated recipients. */
  to: string;
}

/** Generic HTTPS webhook receiving each lead as JSON. */
export interface WebhookArgs {
  /** HTTPS URL that receives each lead (POST). */
  url: pulumi.Input<string>;
  /** Header that carries `secret`. @default "X-Lead-Secret" */
  secretHeader?: string;
  /** Shared secret sent in `secretHeader`; pass a secret. */
  secret: pulumi.Input<string>;
}

/** Table in the layout of Partner Center's own "Azure Table" lead destination. */
export interface AzureTableArgs {
  /** Table name. @default "MarketplaceLeads" */
  tableName?: string;
}

export interface LeadEndpointArgs {
  /** Azure region of every resource. */
  location: pulumi.Input<string>;
  /**
   * Existing resource group to deploy into.
   * @default - a new resource group named after the component
   */
  resourceGroupName?: pulumi.Input<string>;
  /**
   * Azure Table that archives every raw lead before any CRM call.
   * @default "LeadArchive"
   */
  archiveTableName?: string;
  /**
   * Azure Table of point-insert rows that detect a lead Partner Center delivers twice.
   * @default "LeadDedup"
   */
  dedupTableName?: string;
  /**
   * Days a lead's identity is remembered for duplicate detection (1-3650).
   * @default 30
   */
  dedupWindowDays?: number;
  /**
   * Days archived leads are kept (0-3650): a daily timer function of the function app (then deployed)
   * deletes older archive rows and expired dedup claims. 0: kept forever, no purge.
   * @default 365
   */
  archiveRetentionDays?: number;
  /**
   * Pulumi `protect` on what holds or receives leads: the resource group the kit creates, the storage account,
   * its tables (the archive with the dead letters, the dedup claims) and the workflow (its callback URL is in
   * Partner Center). A change that would replace or delete one (a renamed table, another location) then stops
   * `pulumi up`, and `pulumi destroy` stops before them; false for a throwaway stack.
   * @default true
   */
  protectLeads?: boolean;
  /**
   * What happens to a lead missing fields the CRMs need: keep it in the archive only, or deliver it anyway.
   * @default "archive"
   */
  incompleteLeads?: string; // "archive" | "deliver", checked at construction: the schema analyzer takes no unions
  /**
   * Dataverse / Dynamics 365 target, reached as a service principal (no sign-in after deploy).
   * @default - not a target
   */
  dataverse?: DataverseArgs;
  /**
   * Salesforce target. The connection needs a one-time sign-in after deploy (OAuth).
   * @default - not a target
   */
  salesforce?: SalesforceArgs;
  /**
   * HubSpot target: a contact created or updated by e-mail (private app token, no sign-in after deploy).
   * @default - not a target
   */
  hubspot?: HubspotArgs;
  /**
   * Office 365 e-mail notice per lead. The connection needs a one-time sign-in after deploy (OAuth).
   * @default - not a target
   */
  email?: EmailArgs;
  /**
   * Generic HTTPS webhook receiving each lead as JSON.
   * @default - not a target
   */
  webhook?: WebhookArgs;
  /**
   * Table in the layout of Partner Center's own "Azure Table" lead destination.
   * @default - not a target
   */
  azureTable?: AzureTableArgs;
  /**
   * Microsoft Teams lead card per lead, through a Workflows webhook.
   * @default - not a target
   */
  teams?: TeamsArgs;
  /**
   * Retry policy of every CRM call.
   * @default - 10 retries, from 30 seconds up to 1 hour apart (a CRM outage of several hours loses nothing)
   */
  crmRetry?: CrmRetryArgs;
  /**
   * IPv4 addresses or CIDR ranges allowed to call the endpoint.
   * @default - any caller holding the signed URL (Partner Center publishes no source ranges)
   */
  allowedCallerIps?: string[];
  /**
   * Normalize each lead with the function app of `function-code/` (Flex Consumption), with the
   * workflow's expression mapping as the fallback when the function fails.
   * @default false - workflow expressions only
   */
  normalizerFunction?: boolean;
  /**
   * Per-offer routing: offer id (`publisher.offer`) or offer display name to the targets that offer's leads
   * go to (each one of the configured targets). Offers not listed go to every configured target.
   * @default {} - every lead to every configured target
   */
  offerRoutes?: Record<string, string[]>;
  /**
   * Per-offer record owner: offer id or display name to each target's owner, by target name (Dataverse:
   * `user/<GUID>` or `team/<GUID>`; Salesforce: a user `005...` or queue `00G...` id). Offers not listed, and
   * targets an offer does not name, keep the CRM's default owner.
   * @default {} - the CRMs' default owners
   */
  offerOwners?: Record<string, Record<string, string>>;
  /**
   * NCRONTAB schedule of the automatic replay of dead-lettered leads (a timer function in the
   * function app, which is then deployed even without `normalizerFunction`).
   * @default - no automatic replay (`npm run replay` by hand)
   */
  replaySchedule?: string;
  /**
   * Addresses e-mailed when a lead run fails or a lead is dead-lettered.
   * @default - alerts show in the portal only
   */
  alertEmails?: string[];
  /**
   * Days the Log Analytics workspace keeps the workflow's run logs (30-730).
   * @default 30
   */
  logRetentionDays?: number;
  /**
   * Tags for every resource.
   * @default - none
   */
  tags?: Record<string, string>;
}

export type IncompleteLeads = "archive" | "deliver";

/**
 * What the scheduled replay may do on the workflow: read it and its trigger's callback URL, nothing else
 * (in place of Logic App Contributor, which can rewrite the definition and includes `Microsoft.Web/connections/*`).
 * The built-in role "Microsoft Sentinel Playbook Operator" is exactly that: `Microsoft.Logic/workflows/read`,
 * `workflows/triggers/listCallbackUrl/action`, `Microsoft.Web/sites/read` and the Standard-workflow twin of the
 * callback action (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). Built in, it
 * needs no `roleDefinitions/write` from the deployer, which a custom role would (Owner or User Access Administrator).
 */
export const WORKFLOW_CALLBACK_READER = "51d6186e-6489-4900-b93f-92e23144cca5";

/**
 * Reader (every read action: learn.microsoft.com/azure/role-based-access-control/built-in-roles/general), on
 * the workflow only: the scheduled replay reads the status of the run behind a row left `received`
 * (`workflows/runs/read`, which the role above lacks) to know whether that run has ended.
 */
export const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

/**
 * A Consumption Logic App that receives Marketplace leads on an HTTPS endpoint, archives each one in
 * Azure Table storage, answers Partner Center, and delivers it to the configured CRM targets.
 */
export class LeadEndpoint extends pulumi.ComponentResource {
  /** The HTTPS endpoint URL to paste into Partner Center. Secret: it carries a SAS signature. */
  public readonly leadEndpointUrl: pulumi.Output<string>;
  public readonly workflowName: pulumi.Output<string>;
  public readonly workflowId: pulumi.Output<string>;
  public readonly resourceGroupName: pulumi.Output<string>;
  public readonly storageAccountName: pulumi.Output<string>;
  public readonly archiveTableName: pulumi.Output<string>;
  /** Name of the normalizer function app; undefined without `normalizerFunction`. */
  public readonly functionAppName?: pulumi.Output<string>;
  /** Log Analytics workspace receiving the workflow's run logs. */
  public readonly logWorkspaceId: pulumi.Output<string>;
  /** OAuth connections to authorize once after the first deployment: connector name -> portal link. */
  public readonly connectionsToAuthorize: pulumi.Output<Record<string, string>>;

  // A little over a screen: the resources in deployment order, then the outputs, each decision in a helper below.
  constructor(name: string, args: LeadEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadkit:index:LeadEndpoint", name, {}, opts);
    const parent = { parent: this };
    const options = leadWorkflowOptions(args);
    const workflow = buildLeadWorkflow(options);

    const resourceGroupName =
      args.resourceGroupName !== undefined
        ? pulumi.output(args.resourceGroupName)
        : // Protected too: another location replaces the group (create first), and the next `pulumi up` deletes the
          // old group with everything in it, the protected account included (pulumi/pulumi-azure-native#2522).
          new resources.ResourceGroup(
            `${name}-rg`,
            { location: args.location, tags: args.tags },
            { ...parent, protect: protects(args) },
          ).name;
    const subscriptionId = authorization.getClientConfigOutput(parent).subscriptionId;
    // A fixed name, so the workflow's ARM id is known before it exists (the function app's settings need it).
    const workflowName = `${name}-workflow`;
    const scope: Scope = { name, args, resourceGroupName, subscriptionId, parent: this };
    const storageSide = workflowStorage(scope, workflowTables(options));
    const connections = managedConnections(scope, workflow.apis);
    const functionApp = wireFunctionApp(scope, options, storageSide, workflowName);

    const logicApp = logicWorkflow(scope, workflowName, workflow.definition, storageSide, {
      ...connections.parameters,
      ...functionApp?.parameters,
      ...connections.targetParameters,
    });
    const monitoring = monitorWorkflow(scope, logicApp);
    // Only the scheduled replay reads the callback URL and the runs: the purge and the normalizer need neither.
    if (functionApp && args.replaySchedule) grantReplay(scope, functionApp.app, logicApp);

    this.leadEndpointUrl = pulumi.secret(callbackUrl(scope, logicApp));
    this.workflowName = logicApp.name;
    this.workflowId = logicApp.id;
    this.resourceGroupName = resourceGroupName;
    this.storageAccountName = storageSide.account.name;
    this.archiveTableName = pulumi.output(options.archiveTableName);
    this.logWorkspaceId = monitoring.workspaceId;
    this.functionAppName = functionApp?.app.functionAppName;
    this.connectionsToAuthorize = connections.toAuthorize;
    this.registerOutputs({
      leadEndpointUrl: this.leadEndpointUrl,
      workflowName: this.workflowName,
      workflowId: this.workflowId,
      resourceGroupName: this.resourceGroupName,
      storageAccountName: this.storageAccountName,
      archiveTableName: this.archiveTableName,
      logWorkspaceId: this.logWorkspaceId,
      functionAppName: this.functionAppName,
      connectionsToAuthorize: this.connectionsToAuthorize,
    });
  }
}

/**
 * The Consumption workflow: the definition, its parameters (connections, the table endpoint and the
 * identity its storage calls present, the function app and target values) and who may call its trigger.
 * Internal. Exported for testing.
 */
export function logicWorkflow(
  { name, args, resourceGroupName, parent }: Scope,
  workflowName: string,
  definition: unknown,
  storageSide: ReturnType<typeof workflowStorage>,
  parameters: WorkflowParameterValues,
): logic.Workflow {
  return new logic.Workflow(
    `${name}-workflow`,
    {
      resourceGroupName,
      location: args.location,
      workflowName,
      state: logic.WorkflowState.Enabled,
      identity: {
        type: logic.ManagedServiceIdentityType.UserAssigned,
        userAssignedIdentities: [storageSide.identity.id],
      },
      definition,
      parameters: {
        ...parameters,
        // The account's table endpoint, with its trailing slash ("table": "https://<account>.table.core.windows.net/"
        // in azure-rest-api-specs storage examples, StorageAccountGetProperties.json): calls append `<Table>(...)`.
        tableEndpoint: { value: storageSide.account.primaryEndpoints.apply((e) => e.table) },
        workflowIdentity: { value: storageSide.identity.id },
      },
      accessControl: args.allowedCallerIps?.length
        ? { triggers: { allowedCallerIpAddresses: args.allowedCallerIps.map((addressRange) => ({ addressRange })) } }
        : undefined,
      tags: args.tags,
    },
    // After its tables and its roles on them, so the first lead does not meet a 403. A role can still take
    // "up to 10 minutes" to take effect (learn.microsoft.com/azure/role-based-access-control/troubleshooting): a
    // lead in that window gets 500 and its run fails (alert), as the README's "Roles take time" note says.
    // A fixed name: a replacement must delete the old workflow before it creates the new one (create first meets
    // the name taken: pulumi/pulumi-azure#182, pulumi/pulumi#6350).
    {
      parent,
      dependsOn: [...storageSide.tables, ...storageSide.tableRoles],
      protect: protects(args),
      deleteBeforeReplace: true,
    },
  );
}

/** Whether the resources that hold or receive leads are protected (see LeadEndpointArgs.protectLeads). */
export const protects = (args: Pick<LeadEndpointArgs, "protectLeads">): boolean => args.protectLeads ?? true;

type WorkflowParameterValues = Record<string, pulumi.Input<{ value: unknown }>>;
type ConnectionProperties = Omit<web.ConnectionArgs["properties"] & object, "api">;

/** Where the component's parts are created: its name and args, resource group, subscription and parent. */
interface Scope {
  name: string;
  args: LeadEndpointArgs;
  resourceGroupName: pulumi.Output<string>;
  subscriptionId: pulumi.Output<string>;
  parent: pulumi.Resource;
}

/** The workflow's storage account, its tables and its identity with a data role on each table. */
function workflowStorage({ name, args, resourceGroupName, subscriptionId, parent }: Scope, roles: TableRole[]) {
  const tableNames = roles.map((r) => r.tableName);
  const account = new storage.StorageAccount(
    `${compactName(name)}st`,
    {
      resourceGroupName,
      location: args.location,
      kind: storage.Kind.StorageV2,
      sku: { name: storage.SkuName.Standard_LRS },
      minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      // Every caller is a managed identity; tenants often deny shared keys by Azure Policy
      // (learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent).
      allowSharedKeyAccess: false,
      tags: args.tags,
    },
    { parent, protect: protects(args) },
  );
  const tables = roles.map(
    ({ role, tableName }) =>
      new storage.Table(
        `${name}-table-${role}`,
        { resourceGroupName, accountName: account.name, tableName },
        { parent, protect: protects(args), aliases: [{ name: `${name}-${tableName.toLowerCase()}` }] },
      ),
  );
  // User-assigned: it exists (with its roles) before the workflow, and it is the identity the
  // Consumption workflow can present to the function app. Consumption allows the system-assigned
  // identity or ONE user-assigned identity, not both (MicrosoftDocs/azure-docs
  // articles/logic-apps/create-managed-service-identity.md).
  const identity = new managedidentity.UserAssignedIdentity(
    `${name}-workflow-identity`,
    { resourceGroupName, location: args.location, tags: args.tags },
    { parent },
  );
  const tableRoles = tableNames.map(
    (tableName) =>
      new authorization.RoleAssignment(
        `${name}-workflow-${tableName.toLowerCase()}`,
        {
          principalId: identity.principalId,
          principalType: authorization.PrincipalType.ServicePrincipal,
          roleDefinitionId: subscriptionRoleId(subscriptionId, STORAGE_TABLE_DATA_CONTRIBUTOR),
          scope: tableRoleScope(account.id, tableName),
        },
        { parent, dependsOn: tables },
      ),
  );
  return { account, tables, identity, tableRoles };
}

/**
 * One API connection per managed connector the definition calls (none carries a storage key), the workflow
 * parameters that reach them (`$connections`, and each target's own, e.g. a webhook's URL), and the OAuth
 * ones to sign in after deployment. Internal. Exported for testing.
 */
export function managedConnections(scope: Scope, apis: readonly ManagedApi[]) {
  const { name, args, resourceGroupName, subscriptionId, parent } = scope;
  const secret = <T>(value: T) => pulumi.secret(value);
  const connections = apis.map((api) => {
    const target = CRM_TARGETS.find((t) => targetSpec(t).api === api);
    // Values are the target's (strings or secret outputs of its args): the provider's input type.
    const properties = ((target && targetSpec(target).connection?.(args[target], secret)) ??
      {}) as ConnectionProperties;
    const connection = new web.Connection(
      `${name}-${api}`,
      {
        resourceGroupName,
        location: args.location,
        properties: {
          api: { id: managedApiId(subscriptionId, args.location, api) },
          displayName: `${name} ${api}`,
          ...properties,
        },
        tags: args.tags,
      },
      { parent },
    );
    return { api, connection };
  });
  const parameters: WorkflowParameterValues = {
    $connections: {
      value: Object.fromEntries(
        connections.map(({ api, connection }) => [
          api,
          {
            connectionId: connection.id,
            connectionName: connection.name,
            id: managedApiId(subscriptionId, args.location, api),
          },
        ]),
      ),
    },
  };
  // Declared by the definition only for a selected target: Azure rejects values for undeclared parameters
  // (InvalidTemplate "The workflow parameters '...' are not valid", hashicorp/terraform-provider-azurerm#4731).
  const targetParameters: WorkflowParameterValues = {};
  for (const target of CRM_TARGETS.filter((t) => args[t] !== undefined))
    for (const [key, p] of Object.entries(targetSpec(target).parameters ?? {}))
      targetParameters[key] = { value: p.value(args[target], secret) };
  const toAuthorize = pulumi
    .all(
      connections
        .filter(({ api }) => OAUTH_APIS.includes(api))
        .map(({ api, connection }) =>
          connection.id.apply((id): [string, string] => [api, `https://portal.azure.com/#resource${id}`]),
        ),
    )
    .apply((pairs) => Object.fromEntries(pairs) as Record<string, string>);
  return { connections, parameters, targetParameters, toAuthorize };
}

/** Whether the function app is deployed: for the normalizer, the scheduled replay or the retention purge. */
export function hasFunctionApp(
  args: Pick<LeadEndpointArgs, "normalizerFunction" | "replaySchedule" | "archiveRetentionDays" | "location">,
): boolean {
  return Boolean(args.normalizerFunction || args.replaySchedule || archiveRetentionDays(args) > 0);
}

/**
 * The function app (normalizer, scheduled replay, retention purge) on the workflow's storage, called as the
 * workflow's identity, and the workflow parameters that reach the normalizer. Undefined when none is on.
 * Internal. Exported for testing.
 */
export function wireFunctionApp(
  scope: Scope,
  { archiveTableName, dedupTableName, dedupWindowDays }: LeadWorkflowOptions,
  { account, tables, identity }: ReturnType<typeof workflowStorage>,
  workflowName: string,
) {
  const { name, args, resourceGroupName, subscriptionId, parent } = scope;
  const retentionDays = archiveRetentionDays(args);
  if (!hasFunctionApp(args)) return undefined;
  const app = new LeadFunctionApp(
    `${name}-fn`,
    {
      resourceGroupName,
      location: args.location,
      storageAccountName: account.name,
      storageAccountId: account.id,
      blobEndpoint: account.primaryEndpoints.apply((e) => e.blob),
      subscriptionId,
      archiveTableName,
      workflowId: pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Logic/workflows/${workflowName}`,
      replaySchedule: args.replaySchedule,
      retention: { days: retentionDays, dedupTableName, dedupWindowDays },
      caller: { clientId: identity.clientId, principalId: identity.principalId, tenantId: identity.tenantId },
      tags: args.tags,
    },
    { parent, dependsOn: tables },
  );
  // The definition declares the normalizer parameters only with normalizerFunction (Azure rejects values for
  // undeclared parameters, hashicorp/terraform-provider-azurerm#4731); the replay alone needs the app but not these.
  const parameters: WorkflowParameterValues = args.normalizerFunction
    ? { normalizerUrl: { value: app.normalizerUrl }, normalizerAudience: { value: app.normalizerAudience } }
    : {};
  return { app, parameters };
}

/** Log Analytics, the workflow's diagnostics and its failed-run alert. */
function monitorWorkflow({ name, args, resourceGroupName, parent }: Scope, logicApp: logic.Workflow): LeadMonitoring {
  return new LeadMonitoring(
    `${name}-monitoring`,
    {
      resourceGroupName,
      location: args.location,
      workflowId: logicApp.id,
      workflowName: logicApp.name,
      alertEmails: args.alertEmails,
      logRetentionDays: args.logRetentionDays,
      tags: args.tags,
    },
    { parent },
  );
}

/**
 * The workflow's signed callback URL, read with `listCallbackUrl` by `pulumi up`. A preview leaves it unknown
 * instead: Reader lacks that action (Microsoft.Logic/workflows/triggers/listCallbackUrl/action, learn.microsoft.com/
 * azure/role-based-access-control/permissions/integration#microsoftlogic), so a pull request's preview identity can
 * be a plain Reader, one that no branch's program can use to read the URL.
 */
export function callbackUrl({ resourceGroupName, parent }: Scope, logicApp: logic.Workflow): pulumi.Output<string> {
  if (pulumi.runtime.isDryRun()) return pulumi.output(pulumi.unknown as unknown as string);
  // The trigger name is the one the definition uses: defined once, in TRIGGER_NAME.
  return logic.listWorkflowTriggerCallbackUrlOutput(
    { resourceGroupName, workflowName: logicApp.name, triggerName: TRIGGER_NAME },
    { parent },
  ).value as pulumi.Output<string>;
}

/** Lets the function app's identity read the workflow's callback URL and its runs (scheduled replay), on it only. */
function grantReplay({ name, subscriptionId, parent }: Scope, functionApp: LeadFunctionApp, logicApp: logic.Workflow) {
  for (const [suffix, role] of [
    ["access", WORKFLOW_CALLBACK_READER],
    ["runs", READER],
  ])
    new authorization.RoleAssignment(
      `${name}-fn-workflow-${suffix}`,
      {
        principalId: functionApp.principalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: subscriptionRoleId(subscriptionId, role),
        scope: logicApp.id,
      },
      { parent },
    );
}

/** Every table the workflow reads or writes: archive, dedup, and those of its targets (the Azure Table). */
/** A table of the workflow and what it is for, which names its resource. */
export interface TableRole {
  role: string;
  tableName: string;
}

/**
 * The workflow's tables by role: `archive`, `dedup`, then each target's (its name, numbered after the first).
 * The role, not the table's name, names the resource, so a renamed table is a replacement (refused under
 * protect when registered, before anything changes) instead of a new resource whose old one is deleted last,
 * after the workflow has moved to the new table. The alias is the name by table of 0.1.
 */
export function workflowTables(options: LeadWorkflowOptions): TableRole[] {
  const targetTables = CRM_TARGETS.flatMap((t) =>
    (options[t] ? (targetSpec(t).tables?.(options[t]) ?? []) : []).map((tableName, i) => ({
      role: `${t.toLowerCase()}${i === 0 ? "" : i + 1}`,
      tableName,
    })),
  );
  return [
    { role: "archive", tableName: options.archiveTableName },
    { role: "dedup", tableName: options.dedupTableName },
    ...targetTables,
  ];
}

/**
 * Role scope of one table: a data role there reaches that table only (MicrosoftDocs/azure-docs
 * articles/storage/tables/assign-azure-role-data-access.md, "The scope for a table is in the form
 * .../storageAccounts/<storage-account>/tableServices/default/tables/<table-name>").
 */
export function tableRoleScope(accountId: pulumi.Input<string>, tableName: string): pulumi.Output<string> {
  return pulumi.interpolate`${accountId}/tableServices/default/tables/${tableName}`;
}

/** A role definition id in the subscription-level form role assignments take. */
function subscriptionRoleId(subscriptionId: pulumi.Input<string>, roleId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** ARM id of a managed connector in a region. */
function managedApiId(subscriptionId: pulumi.Input<string>, location: pulumi.Input<string>, api: string) {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Web/locations/${location}/managedApis/${api}`;
}

/**
 * Storage account names: 3-24 lower-case letters and digits (learn.microsoft.com/azure/azure-resource-manager/
 * management/resource-name-rules); azure-native adds 8 random characters: 14 + "st" + 8 = 24.
 */
function compactName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 14);
}
