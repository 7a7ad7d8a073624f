import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";

/** Storage Blob Data Owner: the app's identity reads its package and runs its host storage. */
const STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
/** Storage Table Data Contributor: the scheduled replay reads and updates the lead archive. */
const STORAGE_TABLE_DATA_CONTRIBUTOR = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

export interface LeadFunctionAppArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Storage account holding the deployment package container and the host's storage. */
  storageAccountName: pulumi.Input<string>;
  storageAccountId: pulumi.Input<string>;
  /** Blob endpoint of that account, e.g. `https://<account>.blob.core.windows.net/`. */
  blobEndpoint: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  /**
   * Most instances the app scales out to.
   * @default 40
   */
  maximumInstanceCount?: number;
  /** @default - none */
  tags?: Record<string, string>;
}

/**
 * The function app of `function-code/` (lead normalizer) on the Flex Consumption plan, Azure's
 * current serverless plan (Linux Consumption retires in September 2028). Its code package lives in a
 * blob container read with the app's system-assigned identity; no storage key is stored.
 * The code itself is published after `pulumi up` (see README: Functions Core Tools). App settings are
 * set by the caller (`web.WebAppApplicationSettings`) once the lead workflow exists.
 */
export class LeadFunctionApp extends pulumi.ComponentResource {
  public readonly functionAppName: pulumi.Output<string>;
  public readonly functionAppId: pulumi.Output<string>;
  /** The normalizeLead function's URL. */
  public readonly normalizerUrl: pulumi.Output<string>;
  /** Function key the workflow sends (`x-functions-key`). Secret. */
  public readonly normalizerKey: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: LeadFunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadkit:index:LeadFunctionApp", name, {}, opts);
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

    const plan = new web.AppServicePlan(
      `${name}-plan`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "functionapp",
        reserved: true,
        sku: { name: "FC1", tier: "FlexConsumption" },
        tags: args.tags,
      },
      parent,
    );

    const app = new web.WebApp(
      `${name}-app`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "functionapp,linux",
        serverFarmId: plan.id,
        httpsOnly: true,
        identity: { type: web.ManagedServiceIdentityType.SystemAssigned },
        siteConfig: {
          minTlsVersion: web.SupportedTlsVersions.SupportedTlsVersions_1_2,
          ftpsState: web.FtpsState.Disabled,
        },
        functionAppConfig: {
          deployment: {
            storage: {
              type: web.FunctionsDeploymentStorageType.BlobContainer,
              value: pulumi.interpolate`${args.blobEndpoint}${container.name}`,
              authentication: { type: web.AuthenticationType.SystemAssignedIdentity },
            },
          },
          runtime: { name: web.RuntimeName.Node, version: "20" },
          scaleAndConcurrency: { maximumInstanceCount: args.maximumInstanceCount ?? 40, instanceMemoryMB: 2048 },
        },
        tags: args.tags,
      },
      parent,
    );

    const principalId = app.identity.apply((i) => i?.principalId ?? "");
    for (const [suffix, role] of [
      ["blob-owner", STORAGE_BLOB_DATA_OWNER],
      ["table-contributor", STORAGE_TABLE_DATA_CONTRIBUTOR],
    ]) {
      new authorization.RoleAssignment(
        `${name}-${suffix}`,
        {
          principalId,
          principalType: authorization.PrincipalType.ServicePrincipal,
          roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
          scope: args.storageAccountId,
        },
        parent,
      );
    }

    const keys = web.listWebAppHostKeysOutput({ name: app.name, resourceGroupName: args.resourceGroupName }, parent);
    this.functionAppName = app.name;
    this.functionAppId = app.id;
    this.normalizerUrl = pulumi.interpolate`https://${app.defaultHostName}/api/normalizeLead`;
    this.normalizerKey = pulumi.secret(keys.apply((k) => k.functionKeys?.["default"] ?? ""));
    this.principalId = principalId;
    this.registerOutputs({
      functionAppName: this.functionAppName,
      functionAppId: this.functionAppId,
      normalizerUrl: this.normalizerUrl,
      normalizerKey: this.normalizerKey,
      principalId: this.principalId,
    });
  }
}
