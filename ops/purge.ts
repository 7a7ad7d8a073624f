/**
 * `npm run purge`: the retention purge of the function app's timer, on demand: against the tables of
 * `npm start` (Azurite) or, as you (az login), a storage account in Azure.
 *
 *   npm run purge -- --local --days 365 [--dedup-window 30]
 */
import { openArchive, readLocalEndpoint } from "./archive";
import { Command, EXIT, STATE_DIR_FLAG, wholeNumberFlag } from "./cli";

interface PurgeFlags {
  local?: boolean;
  account?: string;
  table?: string;
  "dedup-table"?: string;
  days?: string;
  "dedup-window"?: string;
  "state-dir"?: string;
  json?: boolean;
}

export const PURGE: Command<PurgeFlags> = {
  name: "purge",
  usage: ["npm run purge -- [--local | --account <storage account>] [--days 365] [--dedup-window 30]"],
  flags: {
    local: { type: "boolean", help: "the tables of `npm start` (the default without --account)" },
    account: { type: "string", help: "Azure: storage account of the archive, as you (az login)" },
    table: { type: "string", help: "archive table (default: LeadArchive, or the local stack's)" },
    "dedup-table": { type: "string", help: "dedup table (default: LeadDedup, or the local stack's)" },
    days: { type: "string", help: "delete archive rows received more than this many days ago (default: 365)" },
    "dedup-window": { type: "string", help: "delete dedup claims older than this many days (default: 30)" },
    json: { type: "boolean", help: "print one JSON object (tables, rows deleted, cut-offs) for scripts" },
    "state-dir": STATE_DIR_FLAG,
  },
  run: purge,
};

async function purge(flags: PurgeFlags): Promise<number> {
  const retentionDays = wholeNumberFlag("days", flags.days, 0, 3650, 365, "whole days");
  const dedupWindowDays = wholeNumberFlag("dedup-window", flags["dedup-window"], 1, 3650, 30, "whole days");
  let where: { connectionString?: string; account?: string; table: string; dedupTable: string };
  if (flags.account && !flags.local)
    where = {
      account: flags.account,
      table: flags.table ?? "LeadArchive",
      dedupTable: flags["dedup-table"] ?? "LeadDedup",
    };
  else {
    const local = await readLocalEndpoint(flags["state-dir"]);
    const { loadStack } = await import("../program/stacks");
    where = {
      connectionString: local.tablesConnectionString,
      table: flags.table ?? local.archiveTableName,
      dedupTable: flags["dedup-table"] ?? loadStack(local.stack).config.dedupTableName,
    };
  }
  const { purgeExpired } = await import("../function-code/src/retention/purge");
  const counts = await purgeExpired({
    archive: await openArchive(where),
    dedup: await openArchive({ ...where, table: where.dedupTable }),
    retentionDays,
    dedupWindowDays,
  });
  if (flags.json)
    console.log(
      JSON.stringify({ table: where.table, dedupTable: where.dedupTable, retentionDays, ...counts }, null, 2),
    );
  else if (retentionDays === 0) console.log("Retention is off (--days 0): nothing deleted.");
  else
    console.log(
      `${where.table}: deleted ${counts.archiveRows} lead(s) received before ${counts.archiveCutoff}\n` +
        `${where.dedupTable}: deleted ${counts.dedupClaims} dedup claim(s) made before ${counts.dedupCutoff}`,
    );
  return EXIT.ok;
}
