/**
 * `npm run leads`: the archived leads, newest first, with their outcome; `leads show <row>` for one.
 *
 *   npm run leads                                      # the archive of `npm start`
 *   npm run leads -- --status dead-letter --since 2025-01-01 --target dataverse
 *   npm run leads -- --stack dev                       # Azure: account and table from the stack's outputs
 *   npm run leads -- --account <storage account> --table LeadArchive    # Azure, read as you (az login)
 *
 * Personal fields (the raw lead, contact details, description) are hidden unless --show-pii.
 */
import type { TableClient } from "@azure/data-tables";
import type { Row } from "../function-code/src/replay/archiveRows";
import { COLUMN, LEAD_STATUS } from "../function-code/src/contract";
import { ArchiveLocation, localRunEnded, openArchive, readLocalEndpoint, stackOutputs } from "./archive";
import { Command, EXIT, STATE_DIR_FLAG, UsageError, wholeNumberFlag } from "./cli";
import { ArchiveRow, describeRow, leadHeadline, mask, Outcome, PERSONAL_COLUMNS } from "./outcome";

interface LeadsFlags {
  local?: boolean;
  stack?: string;
  account?: string;
  table?: string;
  status?: string;
  offer?: string;
  since?: string;
  until?: string;
  target?: string;
  top?: string;
  json?: boolean;
  "show-pii"?: boolean;
  "state-dir"?: string;
}

export const LEADS: Command<LeadsFlags> = {
  name: "leads",
  usage: [
    "npm run leads -- [list] [--status dead-letter] [--offer <text>] [--since 2025-01-01] [--until <date>] [--target dataverse] [--json]",
    "npm run leads -- show <row key> [--show-pii]",
  ],
  flags: {
    local: { type: "boolean", help: "the archive of `npm start` (the default without --stack/--account)" },
    stack: { type: "string", help: "Azure: storage account and table from `pulumi stack output` of this stack" },
    account: { type: "string", help: "Azure: storage account of the archive, read as you (az login)" },
    table: { type: "string", help: "archive table (default: LeadArchive, or the stack's)" },
    status: {
      type: "string",
      help: "only this Status: delivered, dead-letter, needs-review, duplicate, test, incomplete, received, ...",
    },
    offer: { type: "string", help: "only leads whose offer title or lead source contains this text" },
    since: { type: "string", help: "only leads received on or after this date (YYYY-MM-DD or ISO time)" },
    until: { type: "string", help: "only leads received before this date" },
    target: { type: "string", help: "only leads for this target (in Targets), e.g. dataverse" },
    top: { type: "string", help: "at most this many rows (default: 50)" },
    json: { type: "boolean", help: "print JSON for scripts" },
    "show-pii": { type: "boolean", help: "show personal fields (hidden by default)" },
    "state-dir": STATE_DIR_FLAG,
  },
  positionals: 2,
  run: leads,
};

/** Every status, the replay's included: `needs-review` is the list an operator works through. */
const STATUSES: string[] = Object.values(LEAD_STATUS);

async function leads(flags: LeadsFlags, [verb = "list", key]: string[]): Promise<number> {
  if (verb !== "list" && verb !== "show")
    throw new UsageError(`"${verb}" is not a leads command: use list or show <row key>.`);
  if (verb === "show" && !key)
    throw new UsageError("leads show needs the row key (the run id), e.g. leads show 0858...");
  // send, replay and forget print rows as <partition>/<row key>: either form is taken.
  const row = key?.split("/").pop();
  if (verb === "show" && !row)
    throw new UsageError(`"${key}" has no row key after the "/": give <row key> or <partition>/<row key>.`);
  const filter = odataFilter(flags, verb === "show" ? row : undefined);
  const top = wholeNumberFlag("top", flags.top, 1, 10000, 50);
  const { archive, port } = await location(flags);
  const table = await openArchive(archive);
  const { rows: found, matched } = await readRows(table, filter, verb === "show" ? 1 : top, flags);
  const ended = await endedRuns(found, port);
  const rows = found.map((r) => view(r, flags["show-pii"] ?? false, ended.has(String(r.rowKey))));
  if (verb === "show" && rows.length === 0) {
    console.error(`leads: no archived lead with row key "${row}".`);
    return EXIT.failed;
  }
  const cut =
    verb === "list" && matched > rows.length ? `Showing the newest ${rows.length} of ${matched}: raise --top.` : "";
  if (flags.json) {
    console.log(JSON.stringify(verb === "show" ? rows[0] : rows, null, 2));
    if (cut) console.error(cut); // stdout stays the JSON array
  } else if (verb === "show") printOne(rows[0]);
  else printList(rows, cut);
  return EXIT.ok;
}

/** The archive, and the port of `npm start` when it is the local one. */
async function location(flags: LeadsFlags): Promise<{ archive: ArchiveLocation; port?: number }> {
  const azure = flags.stack ?? flags.account;
  if (flags.local && azure) throw new UsageError("--local excludes --stack and --account: pick one archive.");
  if (flags.stack) {
    const out = stackOutputs(flags.stack, "pass --account <storage account> and --table <archive table>");
    return {
      archive: {
        account: flags.account ?? out.storageAccountName,
        table: flags.table ?? out.archiveTableName ?? "LeadArchive",
      },
    };
  }
  if (flags.account) return { archive: { account: flags.account, table: flags.table ?? "LeadArchive" } };
  const local = await readLocalEndpoint(flags["state-dir"]);
  return {
    archive: { connectionString: local.tablesConnectionString, table: flags.table ?? local.archiveTableName },
    port: local.port,
  };
}

/** Locally, the `received` rows whose run has ended (`npm start` knows its runs in progress). */
async function endedRuns(rows: ArchiveRow[], port: number | undefined): Promise<Set<string>> {
  const received = rows.filter((r) => r[COLUMN.status] === LEAD_STATUS.received);
  if (port === undefined || received.length === 0) return new Set();
  const ended = await localRunEnded(port);
  const keys = new Set<string>();
  for (const r of received) if (await ended(r as Row)) keys.add(String(r.rowKey));
  return keys;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A date flag as an ISO time, or a UsageError naming it and the format. */
function isoDate(name: string, raw: string): string {
  const time = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(time))
    throw new UsageError(
      `--${name} is "${raw}": give a date as YYYY-MM-DD (or an ISO time like 2025-01-31T12:00:00Z).`,
    );
  return new Date(time).toISOString();
}

/** Table-service filter for the flags the service can evaluate (status, dates, row); the rest is client side. */
export function odataFilter(flags: LeadsFlags, row?: string): string | undefined {
  const parts: string[] = [];
  if (row) parts.push(`RowKey eq ${quote(row)}`);
  if (flags.status) {
    if (!STATUSES.includes(flags.status))
      throw new UsageError(`--status is "${flags.status}": give one of ${STATUSES.join(", ")}.`);
    parts.push(`${COLUMN.status} eq ${quote(flags.status)}`);
  }
  // ReceivedTime is the trigger's ISO time as text: text order is time order.
  if (flags.since) parts.push(`${COLUMN.receivedTime} ge ${quote(isoDate("since", flags.since))}`);
  if (flags.until) parts.push(`${COLUMN.receivedTime} lt ${quote(isoDate("until", flags.until))}`);
  return parts.length ? parts.join(" and ") : undefined;
}

async function readRows(
  table: TableClient,
  filter: string | undefined,
  top: number,
  flags: LeadsFlags,
): Promise<{ rows: ArchiveRow[]; matched: number }> {
  const rows: ArchiveRow[] = [];
  for await (const r of table.listEntities({ queryOptions: filter ? { filter } : {} })) {
    const row = r as ArchiveRow;
    if (
      flags.offer &&
      !`${row.OfferDisplayName ?? ""} ${row.LeadSource ?? ""}`.toLowerCase().includes(flags.offer.toLowerCase())
    )
      continue;
    if (
      flags.target &&
      !String(row[COLUMN.targets] ?? "")
        .split(",")
        .includes(flags.target)
    )
      continue;
    rows.push(row);
  }
  rows.sort((a, b) => String(b[COLUMN.receivedTime] ?? "").localeCompare(String(a[COLUMN.receivedTime] ?? "")));
  return { rows: rows.slice(0, top), matched: rows.length };
}

export interface LeadView {
  row: string;
  partition: string;
  received: string;
  status: string;
  offer: string;
  targets: string;
  outcome: Outcome;
  columns: Record<string, unknown>;
}

/** A row as shown: its outcome, and every column with the personal ones masked unless asked. */
export function view(row: ArchiveRow, showPii: boolean, runEnded = false): LeadView {
  const columns: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (["etag", "odata.etag", "timestamp"].includes(name)) continue;
    columns[name] = !showPii && (PERSONAL_COLUMNS as readonly string[]).includes(name) ? mask(value) : value;
  }
  return {
    ...leadHeadline(row),
    targets: String(row[COLUMN.targets] ?? ""),
    outcome: describeRow(row, { runEnded }),
    columns,
  };
}

function printList(rows: LeadView[], cut: string): void {
  if (rows.length === 0) return void console.log("No archived leads match.");
  for (const r of rows) console.log(`${r.received}  ${r.row}  ${r.status.padEnd(11)}  ${r.offer}  ${r.outcome.words}`);
  console.log(`${rows.length} lead(s).${cut ? ` ${cut}` : ""} Details: npm run leads -- show <row key>`);
}

function printOne(r: LeadView): void {
  console.log(`Lead ${r.row} (partition ${r.partition}), received ${r.received}`);
  console.log(`Outcome: ${r.outcome.words}`);
  for (const [name, value] of Object.entries(r.columns))
    console.log(`  ${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}
