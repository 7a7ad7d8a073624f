import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import { insightsWorkbook } from "./insightsWorkbook";

export interface LeadInsightsArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Log Analytics workspace receiving the workflow's run logs (the workbook's data source). */
  workspaceId: pulumi.Input<string>;
  workflowName: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/**
 * A workbook's resource name must be a GUID ("The value must be an UUID": Microsoft.Insights/workbooks,
 * azure-native applicationinsights.Workbook resourceName). Derived from the resource group and the
 * workflow, so a redeploy updates the same workbook instead of adding one.
 */
export function workbookGuid(resourceGroup: string, workflowName: string): string {
  const h = createHash("sha256").update(`leadkit-insights/${resourceGroup}/${workflowName}`).digest("hex");
  // RFC 4122 layout, version 5-style name-based (version nibble 5, variant bits 10).
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The lead-insights workbook (components/insightsWorkbook.ts) over the workflow's workspace. */
export function leadInsightsWorkbook(
  name: string,
  args: LeadInsightsArgs,
  opts: pulumi.CustomResourceOptions,
): applicationinsights.Workbook {
  const names = pulumi.all([args.resourceGroupName, args.workflowName, args.workspaceId]);
  return new applicationinsights.Workbook(
    name,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      resourceName: names.apply(([rg, wf]) => workbookGuid(rg, wf)),
      kind: "shared",
      category: "workbook",
      displayName: pulumi.interpolate`Lead insights (${args.workflowName})`,
      sourceId: args.workspaceId,
      version: "Notebook/1.0",
      serializedData: names.apply(([, wf, ws]) => JSON.stringify(insightsWorkbook(wf, ws))),
      tags: args.tags,
    },
    // Its name is a GUID of the resource group and workflow: a replacement deletes first (create first meets the
    // name taken: pulumi/pulumi-azure#182).
    { ...opts, deleteBeforeReplace: true },
  );
}
