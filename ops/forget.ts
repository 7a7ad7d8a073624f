/**
 * `npm run forget -- --email someone@example.com`: erasure of one person from the kit's own tables,
 * their archived leads and the dedup claims derived from them, locally or in Azure; prints what was
 * removed (row keys and counts, the address masked, no other personal value).
 *
 *   npm run forget -- --email someone@example.com --dry-run     # the archive of `npm start`: list only
 *   npm run forget -- --email someone@example.com --stack prod  # Azure, as you (az login)
 *
 * CRM records are not the kit's: they are erased in each CRM.
 */
import type { TableClient } from "@azure/data-tables";
import { COLUMN } from "../function-code/src/contract";
import { locateTables, openArchive } from "./archive";
import { Command, EXIT, STATE_DIR_FLAG, UsageError } from "./cli";

interface ForgetFlags {
  email?: string;
  "dry-run"?: boolean;
  local?: boolean;
  stack?: string;
  account?: string;
  table?: string;
  "dedup-table"?: string;
  json?: boolean;
  "state-dir"?: string;
}

export const FORGET: Command<ForgetFlags> = {
  name: "forget",
  usage: ["npm run forget -- --email <address> [--dry-run] [--local | --stack <stack> | --account <storage account>]"],
  flags: {
    email: { type: "string", help: "the person's e-mail address (exact, any case)" },
    "dry-run": { type: "boolean", help: "list what would be removed, remove nothing" },
    local: { type: "boolean", help: "the tables of `npm start` (the default without --stack/--account)" },
    stack: { type: "string", help: "Azure: storage account and tables of this stack (pulumi stack output)" },
    account: { type: "string", help: "Azure: storage account of the archive, read as you (az login)" },
    table: { type: "string", help: "archive table (default: LeadArchive, or the stack's)" },
    "dedup-table": { type: "string", help: "dedup table (default: LeadDedup, or the stack's dedupTableName)" },
    json: { type: "boolean", help: "print JSON for scripts" },
    "state-dir": STATE_DIR_FLAG,
  },
  run: forget,
};

export const CRM_NOTICE =
  "CRM records are out of scope: the kit does not delete what it delivered. Erase the person in each CRM target " +
  "(Dataverse, Salesforce, the e-mail recipients' mailboxes, the webhook's receiver, the azureTable target's table).";

/** What a forget found (and, unless a dry run, removed). */
export interface ForgetReport {
  email: string;
  dryRun: boolean;
  archiveTable: string;
  dedupTable: string;
  /** `<PartitionKey>/<RowKey>` of each archive row. */
  archiveRows: string[];
  /** The archive row holding each removed claim (the claim's own key encodes the address: not shown). */
  dedupClaims: string[];
}

interface Tables {
  archive: Pick<TableClient, "listEntities" | "deleteEntity">;
  dedup: Pick<TableClient, "listEntities" | "deleteEntity">;
  archiveTable: string;
  dedupTable: string;
}

const ADDRESS = /^[^@\s]+@[^@\s]+$/;

async function forget(flags: ForgetFlags): Promise<number> {
  const email = flags.email?.trim();
  if (!email) throw new UsageError("--email is required: the address of the person to forget.");
  if (!ADDRESS.test(email)) throw new UsageError(`--email is "${flags.email}": give one e-mail address.`);
  const tables = await openTables(flags);
  const report = await forgetPerson(tables, email, flags["dry-run"] === true);
  if (flags.json) console.log(JSON.stringify({ ...report, email: maskEmail(email), crm: CRM_NOTICE }, null, 2));
  else console.log(describeForget(report));
  return EXIT.ok;
}

/** The archive and dedup tables of --local, --stack or --account. */
async function openTables(flags: ForgetFlags): Promise<Tables> {
  const where = await locateTables(flags);
  const archive = await openArchive({ ...where, table: where.table });
  const dedup = await openArchive({ ...where, table: where.dedupTable });
  return { archive, dedup, archiveTable: where.table, dedupTable: where.dedupTable };
}

/**
 * Finds the person's archive rows (an e-mail in CustomerInfo or LeadJson equal to `email`, any case)
 * and the dedup claims derived from them, then deletes both unless `dryRun`.
 */
export async function forgetPerson(tables: Tables, email: string, dryRun: boolean): Promise<ForgetReport> {
  const wanted = email.trim().toLowerCase();
  const rows: string[] = [];
  const dedupKeys = new Set<string>();
  const select = ["PartitionKey", "RowKey", "CustomerInfo", COLUMN.leadJson, COLUMN.dedupKey];
  // A scan across partitions: the service may answer a page with no rows and a continuation token, and the
  // SDK's iterator follows it (https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination).
  for await (const row of tables.archive.listEntities({ queryOptions: { select } })) {
    const texts = [row.CustomerInfo, row[COLUMN.leadJson]].map((v) => String(v ?? ""));
    if (!texts.some((t) => emailsIn(t).includes(wanted))) continue;
    rows.push(`${row.partitionKey}/${row.rowKey}`);
    if (row[COLUMN.dedupKey]) dedupKeys.add(String(row[COLUMN.dedupKey]));
  }
  const claims: Array<{ rowKey: string; leadRow: string }> = [];
  for await (const claim of tables.dedup.listEntities({ queryOptions: { filter: "PartitionKey eq 'v1'" } })) {
    const rowKey = String(claim.rowKey);
    const leadRow = String(claim.LeadRow ?? "");
    if (dedupKeys.has(rowKey) || rows.includes(leadRow) || claimIdentity(rowKey).startsWith(`e:${wanted}|`))
      claims.push({ rowKey, leadRow });
  }
  if (!dryRun) {
    const { deleteRow } = await import("../function-code/src/retention/purge");
    // Erasure is unconditional (If-Match *): a row changed since it was read is still this person's.
    for (const key of rows) await deleteRow(tables.archive, key.split("/")[0], key.slice(key.indexOf("/") + 1), "*");
    for (const c of claims) await deleteRow(tables.dedup, "v1", c.rowKey, "*");
  }
  return {
    email,
    dryRun,
    archiveTable: tables.archiveTable,
    dedupTable: tables.dedupTable,
    archiveRows: rows.sort(),
    dedupClaims: claims.map((c) => c.leadRow || "(no lead row)").sort(),
  };
}

/**
 * Every `"email": "<value>"` in a JSON text, lower-cased, whatever the key's casing. A regular
 * expression rather than JSON.parse: the archive cuts long columns, and a cut text is no longer JSON.
 */
export function emailsIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/"email"\s*:\s*("(?:[^"\\]|\\.)*")/gi)) {
    try {
      found.push(String(JSON.parse(m[1])).trim().toLowerCase());
    } catch {
      // An escape cut in half: not an address.
    }
  }
  return found;
}

/**
 * The identity a dedup claim's key encodes: the workflow's key is base64 of `e:<email>|<offer>|<action>`
 * (or `p:<phone>:<name>|...`) with `/` made `_` (workflow/leadScreening.ts dedupKey).
 */
export function claimIdentity(rowKey: string): string {
  return Buffer.from(rowKey.replace(/_/g, "/"), "base64").toString("utf8");
}

/** `someone@example.com` -> `s******@example.com`: enough to recognise, not to read. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return `${email[0]}${"*".repeat(Math.max(at - 1, 1))}${email.slice(at)}`;
}

/** The report for people: what was (or would be) removed, and what the kit cannot remove. */
export function describeForget(r: ForgetReport): string {
  const verb = r.dryRun ? "would remove" : "removed";
  const lines = [`forget ${maskEmail(r.email)}${r.dryRun ? " (dry run: nothing removed)" : ""}`];
  lines.push(`${r.archiveTable}: ${verb} ${r.archiveRows.length} archived lead(s)`);
  for (const key of r.archiveRows) lines.push(`  ${key}`);
  lines.push(`${r.dedupTable}: ${verb} ${r.dedupClaims.length} dedup claim(s), held by`);
  for (const key of r.dedupClaims) lines.push(`  ${key}`);
  lines.push(CRM_NOTICE);
  return lines.join("\n");
}
