/**
 * An Azure Table in the layout of Partner Center's own "Azure Table" destination (table `MarketplaceLeads`),
 * written with the same built-in HTTP Table calls as the archive, so tools built on that layout keep working.
 */
import { rawLeadField, TABLE_TEXT_LIMIT } from "../definition/expressions";
import { upsertEntity } from "../definition/tableActions";
import { attributionColumns } from "./payload";
import { TargetSpec } from "./types";

/** The columns Partner Center's "Azure Table" destination writes, from the raw lead so nothing is lost. */
export function microsoftTableColumns(): Record<string, string> {
  const bounded = (expr: string) => `@{take(string(${expr}), ${TABLE_TEXT_LIMIT})}`;
  return {
    ActionCode: bounded(rawLeadField("ActionCode", "''")),
    CreatedTime: "@{trigger()?['startTime']}",
    CustomerInfo: bounded(rawLeadField("UserDetails", "json('{}')")),
    Description: bounded(rawLeadField("Description", "''")),
    LeadSource: bounded(rawLeadField("LeadSource", "''")),
    OfferDisplayName: bounded(rawLeadField("OfferTitle", "''")),
  };
}

const SETTINGS = {
  azureTableName: {
    schema: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9]{2,62}$" },
    description: "Table written in Microsoft's Partner Center 'Azure Table' lead layout (azureTable target).",
    expect: "3-63 letters or digits, starting with a letter (Azure Table naming rules)",
    example: "MarketplaceLeads",
    default: "MarketplaceLeads",
    table: true,
  },
};

export const AZURE_TABLE = {
  action: "Write_marketplace_table",
  api: undefined,
  oauth: false,
  settings: SETTINGS,
  config: (setting) => ({ tableName: setting("azureTableName") }),
  options: (args: { tableName?: string }) => ({ tableName: args.tableName ?? SETTINGS.azureTableName.default }),
  build: (options: { tableName: string }, context) =>
    upsertEntity(
      options.tableName,
      context.keys,
      { ...microsoftTableColumns(), ...attributionColumns(context) },
      {
        runAfter: context.runAfter,
        description:
          "Writes the lead in the layout of Partner Center's 'Azure Table' destination, for tools built on it.",
        retryPolicy: context.retry,
      },
    ),
  tables: (options) => [options.tableName],
} satisfies TargetSpec<{ tableName: string }, { tableName?: string }, { tableName: string }>;
