/**
 * Where the operator tools find the archive: the running local endpoint (`.local-runs/endpoint.json`,
 * written 0600 by `npm start`) or a storage account in Azure, read as you through DefaultAzureCredential
 * (`az login`): the kit's accounts refuse shared keys, so no key is ever asked for.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import type { TableClient } from "@azure/data-tables";
import type { KitConfig } from "../config/stackConfig";
import { answeredPartition } from "../function-code/src/contract";
import type { RunEnded, RunsInProgress } from "../function-code/src/replay/archiveRows";
import { UsageError } from "./cli";
import { httpRequest } from "./http";
import type { ArchiveRow } from "./outcome";

export const PROJECT_ROOT = path.join(__dirname, "..");

/** What `npm start` records for the other commands. */
export interface LocalEndpointFile {
  url: string;
  stack: string;
  port: number;
  tablesConnectionString: string;
  archiveTableName: string;
  /** Token for the local admin routes (`/standins/*`, replay from the run page). */
  adminToken?: string;
}

export const endpointFile = (stateDir = PROJECT_ROOT) =>
  path.join(path.resolve(stateDir), ".local-runs", "endpoint.json");

/** Each running stack's endpoint file: `npm start` writes it beside endpoint.json (the latest started). */
export const stackEndpointFile = (stack: string, stateDir = PROJECT_ROOT) =>
  path.join(path.resolve(stateDir), ".local-runs", "endpoints", `${stack}.json`);

/** The header that carries a local endpoint's `adminToken` to its admin routes (local/server.ts checks it). */
export const ADMIN_TOKEN_HEADER = "x-leadkit-admin-token";

/** What is wrong with a stack name given as `what` (a flag or a variable); undefined when it is one. */
export function stackNameProblem(name: string, what: string): string | undefined {
  return /^[A-Za-z0-9_.-]+$/.test(name)
    ? undefined
    : `${what} is "${name}": a stack name is letters, digits, ".", "_" or "-".`;
}

/** Names the local stack the commands act on when several `npm start` run (`npm start -- --stack prod`). */
export const LOCAL_STACK_ENV = "LEADKIT_LOCAL_STACK";

export const NO_LOCAL_ENDPOINT = "no local endpoint is running: start it with `npm start`";

/**
 * The running local endpoint's file: the one that answers, or the stack LEADKIT_LOCAL_STACK names. Several running
 * and none named is refused: the last one started used to take every command, the other stack's included.
 */
export async function readLocalEndpoint(stateDir?: string, env = process.env): Promise<LocalEndpointFile> {
  const chosen = env[LOCAL_STACK_ENV]?.trim() || undefined;
  const badName = chosen && stackNameProblem(chosen, LOCAL_STACK_ENV);
  if (badName) throw new UsageError(badName);
  const dir = path.dirname(stackEndpointFile("-", stateDir));
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => path.join(dir, f))
    : [endpointFile(stateDir)];
  const none = chosen
    ? `no local endpoint of stack ${chosen} (${LOCAL_STACK_ENV}) is running: start it with \`npm start -- --stack ${chosen}\``
    : NO_LOCAL_ENDPOINT;
  const missing = chosen ? stackEndpointFile(chosen, stateDir) : endpointFile(stateDir);
  // Newest first: a killed server's file may name a port a later one listens on; that port is the later one's.
  // A file removed meanwhile (a clean stop) is absent.
  const newestFirst = files
    .map(readEndpointFile)
    .filter((e): e is LocalEndpointFile & { writtenMs: number } => e !== undefined)
    .sort((a, b) => b.writtenMs - a.writtenMs);
  const endpoints = newestFirst
    .filter((e, i, all) => all.findIndex((o) => o.port === e.port) === i)
    .filter((e) => !chosen || e.stack === chosen);
  if (endpoints.length === 0) {
    const stale = newestFirst.find((e) => e.stack === chosen);
    const later = stale && newestFirst.find((e) => e.port === stale.port);
    throw new Error(
      later
        ? `${none} (its endpoint file names 127.0.0.1:${stale.port}, where stack ${later.stack} started later).`
        : `${none} (no ${path.relative(process.cwd(), missing) || missing}).`,
    );
  }
  // A file outlives a killed server: check someone answers before a command fails on ECONNREFUSED.
  const answers = await Promise.all(endpoints.map(answering));
  const live = endpoints.filter((_, i) => answers[i]).sort((a, b) => a.stack.localeCompare(b.stack));
  if (live.length === 1) return live[0];
  if (live.length === 0)
    throw new Error(`${none} (nothing answers on ${endpoints.map((e) => `127.0.0.1:${e.port}`).join(", ")}).`);
  throw new UsageError(
    `${live.length} local endpoints are running (${live.map((e) => `${e.stack} on 127.0.0.1:${e.port}`).join(", ")}): ` +
      `put ${LOCAL_STACK_ENV}=<stack> before the command, e.g. ${LOCAL_STACK_ENV}=${live[0].stack}.`,
  );
}

function readEndpointFile(file: string): (LocalEndpointFile & { writtenMs: number }) | undefined {
  try {
    const writtenMs = fs.statSync(file).mtimeMs;
    return { ...(JSON.parse(fs.readFileSync(file, "utf8")) as LocalEndpointFile), writtenMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Whether the endpoint of this file answers on its port: its admin route with its token, naming its stack, so that
 * another server on that port (Azure Functions Core Tools also defaults to 7071) or another stack's endpoint (the
 * stacks of one state folder share the token) does not pass for it.
 */
const answering = (local: LocalEndpointFile) =>
  httpRequest(`http://127.0.0.1:${local.port}/${local.adminToken ? "standins/state" : "runs?top=1"}`, {
    timeoutMs: 3000,
    headers: local.adminToken ? { [ADMIN_TOKEN_HEADER]: local.adminToken } : {},
  }).then(
    // An endpoint started before the route named its stack (running across a `git pull`) passes by its token and
    // the route's shape ({ value: [...] }), not by any answer.
    (res) => !local.adminToken || (res.ok && answersAs(res.text, local.stack)),
    () => false,
  );

/** Whether the admin route's answer names `stack`, or is the route of an earlier version, which named none. */
function answersAs(text: string, stack: string): boolean {
  try {
    const answer = JSON.parse(text) as { stack?: unknown; value?: unknown };
    return answer.stack == null ? Array.isArray(answer.value) : answer.stack === stack;
  } catch {
    return false;
  }
}

/**
 * Locally, `npm start` is the archive's only writer and knows its runs in progress: a row still `received` that is
 * not one of them has lost its run (a killed `npm start`, or a failed dead-letter mark).
 */
export async function localRunEnded(port: number): Promise<RunEnded> {
  const res = await httpRequest(`http://127.0.0.1:${port}/runs/in-progress`, { timeoutMs: 10_000 });
  if (!res.ok)
    throw new Error(`The local endpoint answered ${res.status} to /runs/in-progress: restart \`npm start\`.`);
  const { runEndedOf } = await import("../function-code/src/replay/archiveRows");
  return runEndedOf(JSON.parse(res.text) as RunsInProgress);
}

export interface ArchiveLocation {
  connectionString?: string;
  account?: string;
  table: string;
}

/** A TableClient over the archive: Azurite by connection string, Azure by account and your identity. */
export async function openArchive(where: ArchiveLocation): Promise<TableClient> {
  const { TableClient } = await import("@azure/data-tables");
  if (where.connectionString)
    return TableClient.fromConnectionString(where.connectionString, where.table, {
      allowInsecureConnection: /TableEndpoint=http:/i.test(where.connectionString),
    });
  if (!where.account)
    throw new UsageError("Give --local, or --account <storage account> (read as you after `az login`), or --stack.");
  if (!/^[a-z0-9]{3,24}$/.test(where.account))
    throw new UsageError(
      `--account is "${where.account}": a storage account name is 3 to 24 lower-case letters and digits.`,
    );
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new TableClient(
    `https://${where.account}.table.core.windows.net`,
    where.table,
    signedIn(new DefaultAzureCredential()),
    asYouOptions(where.account),
  );
}

/** The client options of a table in Azure read as you: refusals explained (before the SDK turns them into errors). */
export const asYouOptions = (account: string) => ({
  additionalPolicies: [{ policy: explainRefusals(account), position: "perRetry" as const }],
});

/** Your sign-in, whose failure says to sign in (DefaultAzureCredential lists every source it tried). */
export function signedIn(credential: TokenCredential): TokenCredential {
  return {
    getToken: async (scopes, options) => {
      try {
        return await credential.getToken(scopes, options);
      } catch (err) {
        const why = (err as Error).message.split("\n")[0];
        throw new Error(
          `No Azure sign-in for Table storage (${why}): run \`az login\`, and \`az account set --subscription ` +
            "<id>` for the stack's subscription, then run the command again.",
          { cause: err },
        );
      }
    },
  };
}

/**
 * Table storage's 403 said with the role, scope and command that fix it: creating or owning the account gives no
 * access to its data ("you aren't automatically assigned permissions to access data via Microsoft Entra ID. You
 * must explicitly assign yourself an Azure role", learn.microsoft.com/azure/storage/tables/assign-azure-role-data-access,
 * which gives the table scope), and shared keys are off. A read needs the Reader role, a change the Contributor.
 */
export function explainRefusals(account: string): PipelinePolicy {
  return {
    name: "leadkitExplainRefusals",
    sendRequest: async (request, next) => {
      const response = await next(request);
      if (response.status !== 403) return response;
      const table = decodeURIComponent(new URL(request.url).pathname.split("/").pop() ?? "").replace(/\(.*$/, "");
      const code = response.headers.get("x-ms-error-code") ?? "Forbidden";
      const reads = request.method === "GET";
      const role = reads ? "Reader" : "Contributor";
      throw new Error(
        `Azure Table storage refused to ${reads ? "read" : "change"} table ${table} of account ` +
          `${account} as you (403 ${code}): owning or creating the account gives no access to its tables. Give ` +
          `yourself Storage Table Data ${role} on it, then run the command again (a new role takes up to 10 ` +
          "minutes): az role assignment create --assignee-object-id " +
          '"$(az ad signed-in-user show --query id --output tsv)" --assignee-principal-type User ' +
          `--role "Storage Table Data ${role}" --scope ` +
          `"$(az storage account show --name ${account} --query id --output tsv)/tableServices/default/tables/${table}"`,
      );
    },
  };
}

/** The flags of the commands that work on the archive and dedup tables (forget, purge). */
export interface TableFlags {
  local?: boolean;
  stack?: string;
  account?: string;
  table?: string;
  "dedup-table"?: string;
  "state-dir"?: string;
}

/**
 * Where the tables are, the stack whose settings they follow (undefined for --account alone), and those settings
 * when reading the dedup table's name needed them.
 */
export type TablesLocation = ArchiveLocation & { dedupTable: string; stack?: string; config?: KitConfig };

/** The archive and dedup tables of --local (the default), --stack or --account. */
export async function locateTables(flags: TableFlags): Promise<TablesLocation> {
  if (flags.local && (flags.stack ?? flags.account))
    throw new UsageError("--local excludes --stack and --account: pick one place.");
  if (flags.stack) {
    const out = stackOutputs(flags.stack, "pass --account <storage account>, --table and --dedup-table");
    const config = flags["dedup-table"]
      ? undefined
      : await stackSettings(flags.stack, "pass --dedup-table", { deployed: true });
    return {
      account: flags.account ?? out.storageAccountName,
      table: flags.table ?? out.archiveTableName ?? "LeadArchive",
      dedupTable: flags["dedup-table"] ?? config!.dedupTableName,
      stack: flags.stack,
      config,
    };
  }
  if (flags.account)
    return {
      account: flags.account,
      table: flags.table ?? "LeadArchive",
      dedupTable: flags["dedup-table"] ?? "LeadDedup",
    };
  const local = await readLocalEndpoint(flags["state-dir"]);
  const config = flags["dedup-table"] ? undefined : await stackSettings(local.stack, "pass --dedup-table");
  return {
    connectionString: local.tablesConnectionString,
    table: flags.table ?? local.archiveTableName,
    dedupTable: flags["dedup-table"] ?? config!.dedupTableName,
    stack: local.stack,
    config,
  };
}

/**
 * The stack's settings, read from its stack file as `npm run render` reads them; `instead` says what to pass.
 * `deployed`: the stack in Azure, whose settings only your own stack file holds (not an example of that name).
 */
export async function stackSettings(stack: string, instead: string, { deployed = false } = {}): Promise<KitConfig> {
  const { loadStack, PROJECT_DIR } = await import("../program/stacks");
  try {
    return loadStack(stack, PROJECT_DIR, { deployed }).config;
  } catch (err) {
    throw new UsageError(
      `cannot read stack ${stack}'s settings (${(err as Error).message.split("\n")[0]}): ${instead}.`,
    );
  }
}

/** A storage error as @azure/data-tables throws it: the HTTP status and the service's error code. */
export type StorageError = { statusCode?: number; details?: { errorCode?: string } };

/**
 * Whether a 404 means "no such row" (ResourceNotFound). A table that does not exist answers 404 too, with
 * TableNotFound (https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes): that is a wrong
 * table, not a row still to come.
 */
export const isRowNotFound = (err: StorageError) =>
  err.statusCode === 404 && err.details?.errorCode !== "TableNotFound";

/**
 * The archive row of a run (row key = run id). `row` is the `<partition>/<row key>` the endpoint's answer names:
 * that one row is read (Get Entity). Without it (an endpoint deployed before its answer named the row) the query
 * goes by row key across the partitions, a month each: a scan of the whole archive.
 */
export async function findRow(
  table: Pick<TableClient, "listEntities" | "getEntity">,
  runId: string,
  row?: string,
): Promise<ArchiveRow | undefined> {
  if (!/^[0-9A-Za-z]+$/.test(runId)) throw new UsageError(`"${runId}" is not a run id (letters and digits only).`);
  const partition = answeredPartition(row, runId);
  if (partition)
    return table.getEntity(partition, runId).then(
      (found) => found as ArchiveRow,
      (err: StorageError) => {
        if (isRowNotFound(err)) return undefined; // not written yet
        throw err;
      },
    );
  for await (const found of table.listEntities({ queryOptions: { filter: `RowKey eq '${runId}'` } }))
    return found as ArchiveRow;
  return undefined;
}

/** `pulumi stack output`, or an error saying what to install or which variables and flags to give instead. */
export function stackOutputs(stack: string, instead: string, run = execFileSync): Record<string, string> {
  try {
    const json = run("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(String(json)) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new UsageError(
        "--stack needs the Pulumi CLI, which is not installed: install it (https://www.pulumi.com/docs/install/), " +
          `or ${instead} instead of --stack.`,
        { cause: err },
      );
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`pulumi stack output --stack ${stack} failed: ${stderr || (err as Error).message}`, {
      cause: err,
    });
  }
}
