import * as pulumi from "@pulumi/pulumi";
import { LeadEndpoint } from "./lib"; // the package entry, as an outside program uses it
import { hasFunctionApp } from "./components/leadEndpoint";
import { endpointArgs } from "./program/endpointArgs";
import { endpointName, readStackConfig } from "./program/pulumiConfig";

// Settings -> component -> outputs. Every setting, and the stack's name, is validated before any resource is declared.
const { config, secrets } = readStackConfig();

const args = endpointArgs(config, secrets);
const endpoint = new LeadEndpoint(endpointName(pulumi.getStack(), hasFunctionApp(args)), {
  ...args,
  tags: { "leadkit-stack": pulumi.getStack() },
});

/** Paste into Partner Center (offer > Customer leads > HTTPS endpoint URL). Secret: carries a SAS `sig`. */
export const leadEndpointUrl = endpoint.leadEndpointUrl;
export const workflowName = endpoint.workflowName;
export const workflowId = endpoint.workflowId;
export const resourceGroupName = endpoint.resourceGroupName;
export const storageAccountName = endpoint.storageAccountName;
export const archiveTableName = endpoint.archiveTableName;
export const logWorkspaceId = endpoint.logWorkspaceId;
/** Publish function-code/ to this app after `pulumi up` when `normalizer` is `function`. */
export const functionAppName = endpoint.functionAppName;
/** Salesforce / Office 365 connections to authorize once in the portal after the first `pulumi up`. */
export const connectionsToAuthorize = endpoint.connectionsToAuthorize;
