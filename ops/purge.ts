/**
 * `npm run purge`: the retention purge of the function app's timer, on demand: against the tables of
 * `npm start` (Azurite) or, as you (az login), a storage account in Azure. It keeps what the stack keeps: the
 * days default to the stack's archiveRetentionDays and dedupWindowDays, and a dedup window shorter than the
 * stack's is refused (the claims it would delete still stop a resent lead from being delivered twice).
 *
 *   npm run purge -- [--local | --stack prod | --account <storage account> --days 365 --dedup-window 30]
 */
import { KitConfig } from "../config/stackConfig";
import { locateTables, openArchive, stackSettings, TableFlags } from "./archive";
import { Command, EXIT, STATE_DIR_FLAG, UsageError, wholeNumberFlag } from "./cli";

interface PurgeFlags extends TableFlags {
  "dry-run"?: boolean;
  days?: string;
  "dedup-window"?: string;
  json?: boolean;
}

export const PURGE: Command<PurgeFlags> = {
  name: "purge",
  usage: [
    "npm run purge -- [--local | --stack <stack>] [--days <days>] [--dedup-window <days>]",
    "npm run purge -- --account <storage account> --days <days> --dedup-window <days>",
  ],
  flags: {
    local: { type: "boolean", help: "the tables of `npm start` (the default without --stack/--account)" },
    stack: { type: "string", help: "Azure: storage account, tables and settings of this stack (pulumi stack output)" },
    account: { type: "string", help: "Azure: storage account of the archive, as you (az login)" },
    table: { type: "string", help: "archive table (default: LeadArchive, or the stack's)" },
    "dedup-table": { type: "string", help: "dedup table (default: LeadDedup, or the stack's)" },
    days: {
      type: "string",
      help: "delete archive rows received more than this many days ago (default: the stack's archiveRetentionDays; 0: none)",
    },
    "dry-run": { type: "boolean", help: "count what would be deleted, delete nothing" },
    "dedup-window": {
      type: "string",
      help: "delete dedup claims older than this many days (default: the stack's dedupWindowDays)",
    },
    json: { type: "boolean", help: "print one JSON object (tables, rows deleted, cut-offs) for scripts" },
    "state-dir": STATE_DIR_FLAG,
  },
  run: purge,
};

/**
 * The purge's days: the flags, else the stack's settings (`config`; undefined for --account alone, where both
 * flags are required). A dedup window shorter than the stack's is refused.
 */
export function purgeDays(
  flags: Pick<PurgeFlags, "days" | "dedup-window">,
  config: Pick<KitConfig, "archiveRetentionDays" | "dedupWindowDays"> | undefined,
): { retentionDays: number; dedupWindowDays: number } {
  if (!config && (flags.days === undefined || flags["dedup-window"] === undefined))
    throw new UsageError(
      "--account alone does not say how long the stack keeps leads and dedup claims: give --stack <stack>, " +
        "or both --days (its archiveRetentionDays) and --dedup-window (its dedupWindowDays).",
    );
  const retentionDays = wholeNumberFlag("days", flags.days, 0, 3650, config?.archiveRetentionDays ?? 365, "whole days");
  const window = config?.dedupWindowDays ?? 1;
  const dedupWindowDays = wholeNumberFlag("dedup-window", flags["dedup-window"], 1, 3650, window, "whole days");
  if (dedupWindowDays < window)
    throw new UsageError(
      `--dedup-window is "${flags["dedup-window"]}", shorter than the stack's dedupWindowDays ${window}: the claims ` +
        `it would delete still stop a resent lead from being delivered twice. Omit it, or give at least ${window}.`,
    );
  return { retentionDays, dedupWindowDays };
}

async function purge(flags: PurgeFlags): Promise<number> {
  const where = await locateTables(flags);
  // The stack's settings always, where there is a stack: its dedup window is the floor of --dedup-window.
  const config = where.stack
    ? (where.config ??
      (await stackSettings(
        where.stack,
        `fix its stack file (npm run render -- --stack ${where.stack} names the problem), or purge with --account`,
        { deployed: where.connectionString === undefined },
      )))
    : undefined;
  const { retentionDays, dedupWindowDays } = purgeDays(flags, config);
  const { purgeExpired } = await import("../function-code/src/retention/purge");
  const counts = await purgeExpired({
    archive: await openArchive(where),
    dedup: await openArchive({ ...where, table: where.dedupTable }),
    retentionDays,
    dedupWindowDays,
    dryRun: flags["dry-run"] === true,
  });
  if (flags.json)
    console.log(
      JSON.stringify(
        {
          table: where.table,
          dedupTable: where.dedupTable,
          retentionDays,
          dedupWindowDays,
          dryRun: flags["dry-run"] === true,
          ...counts,
        },
        null,
        2,
      ),
    );
  else if (retentionDays === 0)
    console.log(`Retention is off (${flags.days ? "--days 0" : "archiveRetentionDays is 0"}): nothing deleted.`);
  else {
    const deleted = flags["dry-run"] ? "would delete" : "deleted";
    console.log(
      `${where.table}: ${deleted} ${counts.archiveRows} lead(s) received before ${counts.archiveCutoff}\n` +
        `${where.dedupTable}: ${deleted} ${counts.dedupClaims} dedup claim(s) made before ${counts.dedupCutoff}` +
        (counts.undeliveredKept
          ? `\n${where.table}: kept ${counts.undeliveredKept} undelivered lead(s) received before then: ` +
            "replay them (npm run replay) or erase them (npm run forget)"
          : ""),
    );
  }
  return EXIT.ok;
}
