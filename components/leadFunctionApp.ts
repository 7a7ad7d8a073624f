import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";

/**
 * Storage Blob Data Owner, on the account: the Functions host keeps its coordination blobs (timer locks,
 * key store) there and creates containers; "No extension (host only)" needs exactly this role, and the
 * timer trigger adds nothing (MicrosoftDocs/azure-docs includes/functions-azurewebjobsstorage-permissions.md).
 * The same identity reads the Flex deployment package container. Role id:
 * learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-owner.
 */
const STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
/**
 * Storage Table Data Contributor: the scheduled replay reads and updates the lead archive. Role id:
 * learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-table-data-contributor.
 */
export const STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

/**
 * Audience of the token the workflow sends to the function, and the app's allowed token audience: the
 * same URI on both sides (MicrosoftDocs/azure-docs articles/logic-apps/call-azure-functions-from-workflows.md,
 * "Add an identity provider for your function app": "For this scenario, the value is the following URI:
 * https://management.azure.com ... use the same URI in the Audience property").
 */
export const NORMALIZER_AUDIENCE = "https://management.azure.com";

/** The managed identity allowed to call the function (the workflow's user-assigned identity). */
export interface CallerIdentity {
  /** Application (client) id: the identity provider's client id. */
  clientId: pulumi.Input<string>;
  /** Object (principal) id: the only principal the app lets in. */
  principalId: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
}

export interface RetentionArgs {
  /** Days archive rows are kept; 0 = off. */
  days: number;
  /** Dedup table whose expired claims the purge deletes. */
  dedupTableName: string;
  dedupWindowDays: number;
}

/**
 * When the purge runs: daily at 03:00 UTC. NCRONTAB, six fields `{second} {minute} {hour} {day} {month}
 * {day-of-week}` (learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions).
 */
export const PURGE_SCHEDULE = "0 0 3 * * *";

export interface LeadFunctionAppArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Storage account holding the deployment package container, the host's storage and the archive. */
  storageAccountName: pulumi.Input<string>;
  storageAccountId: pulumi.Input<string>;
  /** Blob endpoint of that account, e.g. `https://<account>.blob.core.windows.net/`. */
  blobEndpoint: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  /** Archive table the scheduled replay reads. */
  archiveTableName: string;
  /** ARM id of the lead workflow, as a string (it may not exist yet: the app is created first). */
  workflowId: pulumi.Input<string>;
  /**
   * NCRONTAB schedule of the replay timer.
   * @default - the timer is disabled
   */
  replaySchedule?: string;
  /**
   * The retention purge (timer `purgeExpired`, daily at PURGE_SCHEDULE); `days` 0 disables it.
   * @default - no purge
   */
  retention?: RetentionArgs;
  /** The identity the workflow calls the function with. */
  caller: CallerIdentity;
  /**
   * Most instances the app scales out to.
   * @default 40
   */
  maximumInstanceCount?: number;
  /** @default - none */
  tags?: Record<string, string>;
}

/**
 * The app settings, all set on the site at creation: nothing waits for the workflow, so there is no
 * cycle (app keys -> workflow -> settings). Internal. Exported for testing.
 */
export function functionAppSettings(args: {
  storageAccountName: pulumi.Input<string>;
  archiveTableName: string;
  workflowId: pulumi.Input<string>;
  replaySchedule?: string;
  retention?: RetentionArgs;
}): { name: string; value: pulumi.Input<string> }[] {
  const purge = args.retention !== undefined && args.retention.days > 0;
  return [
    // Host storage through the app's identity, no key (the account denies shared keys).
    // `AzureWebJobsStorage__accountName` alone replaces the connection string for an account on global Azure's default
    // endpoints (no sovereign cloud, no custom DNS); with no `__credential`/`__clientId` the system-assigned identity is
    // used, the one this app has. A user-assigned identity would also need `__credential` = `managedidentity` and
    // `__clientId`:
    // learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
    // and #common-properties-for-identity-based-connections.
    { name: "AzureWebJobsStorage__accountName", value: args.storageAccountName },
    { name: "LEAD_ARCHIVE_TABLE", value: args.archiveTableName },
    // Not the callback URL itself: it is a secret, read at run time with the app's identity.
    { name: "LEAD_WORKFLOW_ID", value: args.workflowId },
    { name: "REPLAY_SCHEDULE", value: args.replaySchedule ?? "0 0 0 1 1 *" },
    // The standard switch that keeps a function from running: replay is opt-in. `AzureWebJobs.<FUNCTION_NAME>.Disabled`
    // = `true` disables, `false` re-enables; on Linux the name must have no hyphen (replayDeadLetters and purgeExpired
    // have none): learn.microsoft.com/azure/azure-functions/disable-function#disable-a-function and #considerations.
    { name: "AzureWebJobs.replayDeadLetters.Disabled", value: args.replaySchedule ? "false" : "true" },
    ...(purge
      ? [
          { name: "PURGE_SCHEDULE", value: PURGE_SCHEDULE },
          { name: "ARCHIVE_RETENTION_DAYS", value: String(args.retention!.days) },
          { name: "LEAD_DEDUP_TABLE", value: args.retention!.dedupTableName },
          { name: "DEDUP_WINDOW_DAYS", value: String(args.retention!.dedupWindowDays) },
        ]
      : // The timer's schedule must resolve even when it is off ("'%TimerCron%' does not resolve to a value" with
        // the function disabled, Azure/azure-functions-host#10346): a yearly one, disabled.
        [
          { name: "PURGE_SCHEDULE", value: "0 0 0 1 1 *" },
          { name: "AzureWebJobs.purgeExpired.Disabled", value: "true" },
        ]),
  ];
}

/**
 * App Service authentication that lets in only the caller's managed identity; the functions themselves
 * are anonymous (no key). Per call-azure-functions-from-workflows.md ("Enable authentication for Azure
 * function calls"): Microsoft provider, client id = the identity's application id, issuer
 * `https://sts.windows.net/<tenant>` (v1 tokens; the trailing slash is the `iss` value those tokens carry),
 * allowed audience = the action's audience. Internal. Exported for testing.
 */
export function normalizerAuthSettings(caller: CallerIdentity) {
  return {
    platform: { enabled: true },
    globalValidation: {
      requireAuthentication: true,
      unauthenticatedClientAction: web.UnauthenticatedClientActionV2.Return401,
    },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: {
          clientId: caller.clientId,
          openIdIssuer: pulumi.interpolate`https://sts.windows.net/${caller.tenantId}/`,
        },
        validation: {
          allowedAudiences: [NORMALIZER_AUDIENCE],
          // Built-in authorization policy: `allowedPrincipals.identities` is an allowlist of object ids checked against
          // the token's `oid` claim; any other caller gets 403:
          // learn.microsoft.com/azure/app-service/configure-authentication-provider-aad#use-a-built-in-authorization-policy
          defaultAuthorizationPolicy: { allowedPrincipals: { identities: [caller.principalId] } },
        },
      },
    },
  };
}

/**
 * Drops the siteConfig keys azure-native adds that a Flex Consumption site rejects. The SDK fills
 * `netFrameworkVersion: "v4.6"` into any siteConfig (types/input.js siteConfigArgsProvideDefaults), and ARM answers
 * 400/51021 "The following site configuration property (Site.SiteConfig.NetFrameworkVersion) for Flex Consumption
 * sites is invalid" (pulumi/pulumi-azure-native#4168; azure-rules flex-site-config lists the others). A
 * `transformations` option runs after those defaults; the newer `transforms` needs the engine ("The Pulumi CLI does
 * not support transforms" under mocks).
 */
const withoutFlexInvalidDefaults: pulumi.ResourceTransformation = ({ props, opts }) => ({
  props: {
    ...props,
    siteConfig: pulumi.output(props.siteConfig).apply((siteConfig: Record<string, unknown> | undefined) => {
      if (siteConfig === undefined) return undefined;
      const { netFrameworkVersion, ...rest } = siteConfig;
      return rest;
    }),
  },
  opts,
});

/**
 * The function app of `function-code/` (lead normalizer, scheduled replay) on the Flex Consumption
 * plan, Azure's current serverless plan (Linux Consumption retires in September 2028). No key of any
 * kind: the package and host storage are read with the app's system-assigned identity, and callers
 * authenticate as the workflow's managed identity. The code is published after `pulumi up` (README).
 */
export class LeadFunctionApp extends pulumi.ComponentResource {
  public readonly functionAppName: pulumi.Output<string>;
  public readonly functionAppId: pulumi.Output<string>;
  /** The normalizeLead function's URL. */
  public readonly normalizerUrl: pulumi.Output<string>;
  /** Audience of the workflow's managed-identity token for the normalizer call. */
  public readonly normalizerAudience: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: LeadFunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadkit:index:LeadFunctionApp", name, {}, opts);
    const parent = { parent: this };
    const app = this.createApp(name, args);

    new web.WebAppAuthSettingsV2(
      `${name}-auth`,
      { name: app.name, resourceGroupName: args.resourceGroupName, ...normalizerAuthSettings(args.caller) },
      parent,
    );

    const principalId = app.identity.apply((i) => i?.principalId ?? "");
    const grants: [string, string, pulumi.Input<string>][] = [
      ["blob-owner", STORAGE_BLOB_DATA_OWNER, args.storageAccountId],
      [
        "table-contributor",
        STORAGE_TABLE_DATA_CONTRIBUTOR,
        pulumi.interpolate`${args.storageAccountId}/tableServices/default/tables/${args.archiveTableName}`,
      ],
    ];
    // The purge deletes expired dedup claims: the same role on that table only. A table's scope is
    // `.../storageAccounts/<account>/tableServices/default/tables/<table>`
    // (learn.microsoft.com/azure/storage/tables/assign-azure-role-data-access, "Assign an Azure role").
    if (args.retention && args.retention.days > 0)
      grants.push([
        "dedup-contributor",
        STORAGE_TABLE_DATA_CONTRIBUTOR,
        pulumi.interpolate`${args.storageAccountId}/tableServices/default/tables/${args.retention.dedupTableName}`,
      ]);
    for (const [suffix, role, scope] of grants) {
      new authorization.RoleAssignment(
        `${name}-${suffix}`,
        {
          principalId,
          // The identity is created in the same run: principalType ServicePrincipal keeps the assignment from failing
          // on replication delay:
          // learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal
          principalType: authorization.PrincipalType.ServicePrincipal,
          roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
          scope,
        },
        parent,
      );
    }

    this.functionAppName = app.name;
    this.functionAppId = app.id;
    // Routes are `api/<FUNCTION_NAME>` by default; function-code sets no `route` and host.json no `routePrefix`
    // (learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#customize-the-http-endpoint).
    this.normalizerUrl = pulumi.interpolate`https://${app.defaultHostName}/api/normalizeLead`;
    this.normalizerAudience = pulumi.output(NORMALIZER_AUDIENCE);
    this.principalId = principalId;
    this.registerOutputs({
      functionAppName: this.functionAppName,
      functionAppId: this.functionAppId,
      normalizerUrl: this.normalizerUrl,
      normalizerAudience: this.normalizerAudience,
      principalId: this.principalId,
    });
  }

  /** The Flex Consumption plan. */
  private createPlan(name: string, args: LeadFunctionAppArgs): web.AppServicePlan {
    return new web.AppServicePlan(
      `${name}-plan`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "functionapp",
        // Flex Consumption runs on Linux (reserved): FC1 / FlexConsumption, as Microsoft's own templates declare it
        // (microsoft/hands-on-lab-azure-functions terraform/plan.tf; learn.microsoft.com/azure/azure-functions/flex-consumption-plan).
        reserved: true,
        sku: { name: "FC1", tier: "FlexConsumption" },
        tags: args.tags,
      },
      { parent: this },
    );
  }

  /** The package container, the Flex plan and the site with every setting. */
  private createApp(name: string, args: LeadFunctionAppArgs): web.WebApp {
    const parent = { parent: this };
    const container = new storage.BlobContainer(
      `${name}-package`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: args.storageAccountName,
        publicAccess: storage.PublicAccess.None,
      },
      parent,
    );
    const plan = this.createPlan(name, args);
    return new web.WebApp(
      `${name}-app`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "functionapp,linux",
        serverFarmId: plan.id,
        httpsOnly: true,
        identity: { type: web.ManagedServiceIdentityType.SystemAssigned },
        // No ftpsState: Flex Consumption rejects it (ARM 51021, Azure/azure-cli#31414), and has no FTP to harden:
        // its code comes only through One deploy to the package container (Learn, functions-deployment-technologies,
        // "Deployment technology availability": FTPS is not offered on Flex Consumption).
        siteConfig: {
          minTlsVersion: web.SupportedTlsVersions.SupportedTlsVersions_1_2,
          appSettings: functionAppSettings(args),
        },
        functionAppConfig: {
          // Flex keeps the package in the blob container named in `functionAppConfig.deployment.storage`, with the
          // authentication type (here the system-assigned identity, which needs a data role on the account: the
          // blob-owner grant); the container must exist when the app is created (it is an input here):
          // learn.microsoft.com/azure/azure-functions/functions-infrastructure-as-code?pivots=flex-consumption-plan#deployment-container
          deployment: {
            storage: {
              type: web.FunctionsDeploymentStorageType.BlobContainer,
              value: pulumi.interpolate`${args.blobEndpoint}${container.name}`,
              authentication: { type: web.AuthenticationType.SystemAssignedIdentity },
            },
          },
          // Node 22: GA on Functions since August 2025 (Azure/azure-functions-nodejs-library#252);
          // Node 20 support ended on 30 April 2026 (portal notice quoted in CDCgov/prime-simplereport#9257).
          runtime: { name: web.RuntimeName.Node, version: "22" },
          // Within Flex Consumption's instance memory sizes and scale limit (flex-consumption-plan#instance-memory;
          // azure-rules flex-scale checks both).
          scaleAndConcurrency: { maximumInstanceCount: args.maximumInstanceCount ?? 40, instanceMemoryMB: 2048 },
        },
        tags: args.tags,
      },
      { parent: this, transformations: [withoutFlexInvalidDefaults] },
    );
  }
}
