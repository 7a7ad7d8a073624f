import * as pulumi from "@pulumi/pulumi";

/** A resource the program registered, as the engine would receive it. */
export interface RegisteredResource {
  type: string;
  name: string;
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, any>;
  /** Dotted paths of the inputs the engine received as secrets. */
  secretPaths: string[];
}

/** The engine's wire marker of a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(value: any, path: string, secretPaths: string[]): any {
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secretPaths));
  if (value && typeof value === "object") {
    if (value[SECRET_SIG] === SECRET_SIG_VALUE) {
      secretPaths.push(path);
      return unwrapSecrets(value.value, path, []);
    }
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secretPaths)]),
    );
  }
  return value;
}

export interface MockCall {
  token: string;
  inputs: Record<string, any>;
}

export const SUBSCRIPTION_ID = "00000000-1111-2222-3333-444444444444";
export const TENANT_ID = "tenant";
export const PRINCIPAL_ID = "99999999-8888-7777-6666-555555555555";
/** The workflow's user-assigned identity: object (principal) id and application (client) id. */
export const IDENTITY_PRINCIPAL_ID = "aaaaaaaa-0000-0000-0000-000000000001";
export const IDENTITY_CLIENT_ID = "bbbbbbbb-0000-0000-0000-000000000002";

/** Outputs Azure computes (the provider would return them; mocks must invent them). */
const OUTPUTS_BY_TYPE: Record<string, (name: string) => Record<string, unknown>> = {
  "azure-native:storage:StorageAccount": (name) => ({
    primaryEndpoints: {
      blob: `https://${name}.blob.core.windows.net/`,
      table: `https://${name}.table.core.windows.net/`,
    },
  }),
  "azure-native:managedidentity:UserAssignedIdentity": () => ({
    principalId: IDENTITY_PRINCIPAL_ID,
    clientId: IDENTITY_CLIENT_ID,
    tenantId: TENANT_ID,
  }),
  "azure-native:web:WebApp": (name) => ({
    defaultHostName: `${name}.azurewebsites.net`,
    identity: { type: "SystemAssigned", principalId: PRINCIPAL_ID, tenantId: "tenant" },
  }),
};

export const CALLBACK_URL =
  "https://prod-00.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=mock-signature";

/**
 * Installs Pulumi mocks that record every registration and answer the invokes the kit makes.
 * Call before importing the code under test. Names are echoed (azure-native auto-names in the
 * provider, which mocks do not run) and ids are shaped like ARM ids.
 */
export function installMocks(
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  project = "leadkit",
  preview = false,
): { resources: RegisteredResource[]; calls: MockCall[] } {
  const resources: RegisteredResource[] = [];
  const calls: MockCall[] = [];
  pulumi.runtime.setAllConfig(config, secretKeys);
  void pulumi.runtime.setMocks(kitMocks(resources, calls), project, "test", preview);
  return { resources, calls };
}

/** The kit's mocks, recording into `resources` and `calls` (tests/support/strictMocks.ts wraps them). */
export function kitMocks(resources: RegisteredResource[], calls: MockCall[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const secretPaths: string[] = [];
      const inputs = unwrapSecrets(args.inputs, "", secretPaths);
      resources.push({ type: args.type, name: args.name, inputs, secretPaths });
      args = { ...args, inputs };
      // The name Azure would give: the explicit name input of that resource type, else the logical name.
      const name =
        args.inputs.workflowName ??
        args.inputs.connectionName ??
        args.inputs.tableName ??
        args.inputs.containerName ??
        (args.type === "azure-native:storage:StorageAccount" ? args.inputs.accountName : undefined);
      const resourceName = name ?? args.name;
      const rg = args.inputs.resourceGroupName ?? "rg";
      return {
        id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${rg}/providers/${args.type}/${resourceName}`,
        state: { ...args.inputs, name: resourceName, ...OUTPUTS_BY_TYPE[args.type]?.(resourceName) },
      };
    },
    call(args) {
      calls.push({ token: args.token, inputs: args.inputs });
      switch (args.token) {
        case "azure-native:authorization:getClientConfig":
          return { subscriptionId: SUBSCRIPTION_ID, tenantId: TENANT_ID, objectId: "object", clientId: "client" };
        case "azure-native:logic:listWorkflowTriggerCallbackUrl":
          return { value: CALLBACK_URL, method: "POST" };
        // No storage or function key is ever read (no listStorageAccountKeys / listWebAppHostKeys):
        // such an invoke fails here like any other unexpected one.
        default: {
          const msg = `unexpected invoke ${args.token}`;
          throw Object.assign(new Error(msg), { details: msg });
        }
      }
    },
  };
}

/** Resolves an Output in a test (Output.promise is internal; apply is the public route). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * Lets the SDK finish every pending registration (they are asynchronous), so the recorded
 * resources are complete.
 */
export async function settle(...outputs: pulumi.Output<unknown>[]): Promise<void> {
  await Promise.all(outputs.map((o) => valueOf(o)));
  await new Promise((r) => setTimeout(r, 20));
}
