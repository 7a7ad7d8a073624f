import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as logic from "@pulumi/azure-native/logic";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import { SETTINGS } from "../config/settings";
import { LeadFunctionApp } from "./leadFunctionApp";
import { LeadMonitoring } from "./leadMonitoring";
import { ManagedApi, OAUTH_APIS } from "../workflow/connections";
import { buildLeadWorkflow, LeadWorkflowOptions, TRIGGER_NAME } from "../workflow/leadWorkflow";
import { WorkflowDefinition } from "../workflow/wdl";

/** Retry policy of the CRM calls (exponential back-off). */
export interface CrmRetryArgs {
  /** Retries before the lead is dead-lettered (1-90). */
  count: number;
  /** First interval, ISO 8601 (PT5S-P1D). */
  interval: string;
  /** Longest interval, ISO 8601 (PT5S-P1D). */
  maximumInterval: string;
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
   * Azure Table of dedup claims (one row per person, offer and action).
   * @default "LeadDedup"
   */
  dedupTableName?: string;
  /**
   * Days within which the same person, offer and action is a duplicate (1-3650).
   * @default 30
   */
  dedupWindowDays?: number;
  /**
   * A lead with no e-mail, phone or name: `archive` (Status incomplete, not delivered) or `deliver`.
   * @default "archive"
   */
  incompleteLeads?: "archive" | "deliver";
  /**
   * Dataverse / Dynamics 365 target, reached as a service principal (no sign-in after deploy).
   * @default - not a target
   */
  dataverse?: {
    /** Environment URL, `https://<org>.crm<N>.dynamics.com`. */
    url: string;
    tenantId: pulumi.Input<string>;
    clientId: pulumi.Input<string>;
    /** Client secret; pass a secret (`config.requireSecret`). */
    clientSecret: pulumi.Input<string>;
  };
  /**
   * Salesforce target. The connection needs a one-time sign-in after deploy (OAuth).
   * @default - not a target
   */
  salesforce?: {
    /** @default "https://login.salesforce.com" */
    loginUri?: string;
    /** Lead.LeadSource value. @default "Web" */
    leadSource?: string;
  };
  /**
   * Office 365 e-mail notice per lead. The connection needs a one-time sign-in after deploy (OAuth).
   * @default - not a target
   */
  email?: {
    /** Semicolon-separated recipients. */
    to: string;
  };
  /**
   * Generic HTTPS webhook receiving each lead as JSON.
   * @default - not a target
   */
  webhook?: {
    url: pulumi.Input<string>;
    /** @default "X-Lead-Secret" */
    secretHeader?: string;
    /** Shared secret sent in `secretHeader`; pass a secret. */
    secret: pulumi.Input<string>;
  };
  /**
   * Table in the layout of Partner Center's own "Azure Table" lead destination.
   * @default - not a target
   */
  azureTable?: {
    /** @default "MarketplaceLeads" */
    tableName?: string;
  };
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

/** Logic App Contributor, on the lead workflow only: lets the scheduled replay read its callback URL. */
const LOGIC_APP_CONTRIBUTOR = "87a39d53-fc1b-424a-814c-f7e04687dc9e";

/** Defaults shared with the stack settings, so a component and a stack behave alike. */
const DEFAULTS = {
  archiveTableName: SETTINGS.archiveTableName.default,
  dedupTableName: SETTINGS.dedupTableName.default,
  dedupWindowDays: Number(SETTINGS.dedupWindowDays.default),
  incompleteLeads: SETTINGS.incompleteLeads.default as "archive" | "deliver",
  salesforceLoginUri: SETTINGS.salesforceLoginUri.default,
  salesforceLeadSource: SETTINGS.salesforceLeadSource.default,
  webhookSecretHeader: SETTINGS.webhookSecretHeader.default,
  azureTableName: SETTINGS.azureTableName.default,
  crmRetry: {
    count: Number(SETTINGS.crmRetryCount.default),
    interval: SETTINGS.crmRetryInterval.default,
    maximumInterval: SETTINGS.crmRetryMaxInterval.default,
  },
};

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
  public readonly functionAppName: pulumi.Output<string> | undefined;
  /** Log Analytics workspace receiving the workflow's run logs. */
  public readonly logWorkspaceId: pulumi.Output<string>;
  /** OAuth connections to authorize once after the first deployment: connector name -> portal link. */
  public readonly connectionsToAuthorize: pulumi.Output<Record<string, string>>;
  /** The deployed workflow definition (plain data, as `npm run render` prints it). */
  public readonly definition: WorkflowDefinition;

  constructor(name: string, args: LeadEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("leadkit:index:LeadEndpoint", name, {}, opts);
    const parent = { parent: this };
    const options = leadWorkflowOptions(args);
    const workflow = buildLeadWorkflow(options);
    this.definition = workflow.definition;

    const resourceGroupName =
      args.resourceGroupName !== undefined
        ? pulumi.output(args.resourceGroupName)
        : new resources.ResourceGroup(`${name}-rg`, { location: args.location, tags: args.tags }, parent).name;

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
        // The Table storage connector authenticates with the account key (see README: managed identity).
        allowSharedKeyAccess: true,
        tags: args.tags,
      },
      parent,
    );

    const tableNames = [options.archiveTableName, ...(options.azureTable ? [options.azureTable.tableName] : [])];
    const tables = tableNames.map(
      (tableName) =>
        new storage.Table(
          `${name}-${tableName.toLowerCase()}`,
          { resourceGroupName, accountName: account.name, tableName },
          parent,
        ),
    );

    const subscriptionId = authorization.getClientConfigOutput(parent).subscriptionId;
    const managedApiId = (api: ManagedApi) =>
      pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Web/locations/${args.location}/managedApis/${api}`;

    const connectionProperties: Record<ManagedApi, Omit<web.ConnectionArgs["properties"] & object, "api">> = {
      commondataservice: args.dataverse
        ? {
            parameterValues: {
              "token:clientId": args.dataverse.clientId,
              "token:clientSecret": pulumi.secret(args.dataverse.clientSecret),
              "token:TenantId": args.dataverse.tenantId,
              "token:grantType": "client_credentials",
            },
          }
        : {},
      salesforce: {
        nonSecretParameterValues: { "token:LoginUri": args.salesforce?.loginUri ?? DEFAULTS.salesforceLoginUri },
      },
      office365: {},
    };
    const connections = workflow.apis.map((api) => {
      const connection = new web.Connection(
        `${name}-${api}`,
        {
          resourceGroupName,
          location: args.location,
          properties: { api: { id: managedApiId(api) }, displayName: `${name} ${api}`, ...connectionProperties[api] },
          tags: args.tags,
        },
        parent,
      );
      return { api, connection };
    });

    const parameters: Record<string, pulumi.Input<{ value: unknown }>> = {
      $connections: {
        value: Object.fromEntries(
          connections.map(({ api, connection }) => [
            api,
            { connectionId: connection.id, connectionName: connection.name, id: managedApiId(api) },
          ]),
        ),
      },
    };
    const functionApp =
      args.normalizerFunction || args.replaySchedule
        ? new LeadFunctionApp(
            `${name}-fn`,
            {
              resourceGroupName,
              location: args.location,
              storageAccountName: account.name,
              storageAccountId: account.id,
              blobEndpoint: account.primaryEndpoints.apply((e) => e.blob),
              subscriptionId,
              tags: args.tags,
            },
            parent,
          )
        : undefined;
    if (functionApp) {
      parameters.normalizerUrl = { value: functionApp.normalizerUrl };
      parameters.normalizerKey = { value: functionApp.normalizerKey };
    }
    if (args.webhook) {
      parameters.webhookUrl = { value: args.webhook.url };
      parameters.webhookSecret = { value: pulumi.secret(args.webhook.secret) };
    }

    const logicApp = new logic.Workflow(
      `${name}-workflow`,
      {
        resourceGroupName,
        location: args.location,
        state: logic.WorkflowState.Enabled,
        definition: workflow.definition,
        parameters,
        accessControl: args.allowedCallerIps?.length
          ? { triggers: { allowedCallerIpAddresses: args.allowedCallerIps.map((addressRange) => ({ addressRange })) } }
          : undefined,
        tags: args.tags,
      },
      { parent: this, dependsOn: tables },
    );

    const monitoring = new LeadMonitoring(
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
      parent,
    );

    // The trigger name is the one the definition uses: defined once, in TRIGGER_NAME.
    const callback = logic.listWorkflowTriggerCallbackUrlOutput(
      { resourceGroupName, workflowName: logicApp.name, triggerName: TRIGGER_NAME },
      parent,
    );
    this.leadEndpointUrl = pulumi.secret(callback.value);

    if (functionApp) {
      // Set after the workflow exists: the replay needs its id, the workflow needs the app's URL.
      new web.WebAppApplicationSettings(
        `${name}-fn-settings`,
        {
          name: functionApp.functionAppName,
          resourceGroupName,
          properties: {
            AzureWebJobsStorage__accountName: account.name,
            LEAD_ARCHIVE_TABLE: options.archiveTableName,
            // Not the callback URL itself: it is a secret, read at run time with the app's identity.
            LEAD_WORKFLOW_ID: logicApp.id,
            REPLAY_SCHEDULE: args.replaySchedule ?? "0 0 0 1 1 *",
            // The standard switch that keeps a function from running: replay is opt-in.
            "AzureWebJobs.replayDeadLetters.Disabled": args.replaySchedule ? "false" : "true",
          },
        },
        parent,
      );
      new authorization.RoleAssignment(
        `${name}-fn-workflow-access`,
        {
          principalId: functionApp.principalId,
          principalType: authorization.PrincipalType.ServicePrincipal,
          roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${LOGIC_APP_CONTRIBUTOR}`,
          scope: logicApp.id,
        },
        parent,
      );
    }
    this.workflowName = logicApp.name;
    this.workflowId = logicApp.id;
    this.resourceGroupName = resourceGroupName;
    this.storageAccountName = account.name;
    this.archiveTableName = pulumi.output(options.archiveTableName);
    this.logWorkspaceId = monitoring.workspaceId;
    this.functionAppName = functionApp?.functionAppName;
    this.connectionsToAuthorize = pulumi
      .all(
        connections
          .filter(({ api }) => OAUTH_APIS.includes(api))
          .map(({ api, connection }) =>
            connection.id.apply((id): [string, string] => [api, `https://portal.azure.com/#resource${id}`]),
          ),
      )
      .apply((pairs) => Object.fromEntries(pairs) as Record<string, string>);

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

/** The plain part of the args that shapes the workflow definition. Internal. Exported for testing. */
export function leadWorkflowOptions(args: LeadEndpointArgs): LeadWorkflowOptions {
  return {
    archiveTableName: args.archiveTableName ?? DEFAULTS.archiveTableName,
    dedupTableName: args.dedupTableName ?? DEFAULTS.dedupTableName,
    dedupWindowDays: args.dedupWindowDays ?? DEFAULTS.dedupWindowDays,
    incompleteLeads: args.incompleteLeads ?? DEFAULTS.incompleteLeads,
    dataverse: args.dataverse && { url: args.dataverse.url },
    salesforce: args.salesforce && { leadSource: args.salesforce.leadSource ?? DEFAULTS.salesforceLeadSource },
    email: args.email && { to: args.email.to },
    webhook: args.webhook && { secretHeader: args.webhook.secretHeader ?? DEFAULTS.webhookSecretHeader },
    azureTable: args.azureTable && { tableName: args.azureTable.tableName ?? DEFAULTS.azureTableName },
    crmRetry: args.crmRetry ?? DEFAULTS.crmRetry,
    normalizerFunction: args.normalizerFunction === true,
  };
}

/** Storage account names allow only lower-case letters and digits; the provider adds a random suffix. */
function compactName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 14);
}
