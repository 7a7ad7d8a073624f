/**
 * `npm run replay`: re-sends dead-lettered leads once the failed target is back (the logic, shared
 * with the function app's scheduled replay, is in function-code/src/replay).
 *
 *   npm run replay -- --local                                   # the endpoint of `npm start`
 *   npm run replay -- --url <endpoint> --connection-string <storage> [--table LeadArchive] [--dry-run]
 */
import { TableClient } from "@azure/data-tables";
import * as fs from "fs";
import * as path from "path";
import { replayDeadLetters } from "../function-code/src/replay/replayDeadLetters";
import { sendLead } from "./verify";

export { replayDeadLetters } from "../function-code/src/replay/replayDeadLetters";
export type { ReplayOutcome, Sender } from "../function-code/src/replay/replayDeadLetters";

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  let url = option(argv, "url");
  let connectionString = option(argv, "connection-string");
  let tableName = option(argv, "table") ?? "LeadArchive";
  if (argv.includes("--local")) {
    const file = path.join(__dirname, "..", ".local-runs", "endpoint.json");
    if (!fs.existsSync(file)) throw new Error("No local endpoint is running: start one with `npm start`.");
    const local = JSON.parse(fs.readFileSync(file, "utf8")) as {
      url: string;
      tablesConnectionString: string;
      archiveTableName: string;
    };
    url = local.url;
    connectionString = local.tablesConnectionString;
    tableName = local.archiveTableName;
  }
  if (!url || !connectionString)
    throw new Error("Give --local, or --url <endpoint> and --connection-string <storage connection string>.");
  const insecure = /TableEndpoint=http:/i.test(connectionString);
  const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: insecure });
  const endpoint = url;
  const outcomes = await replayDeadLetters({
    table,
    dryRun: argv.includes("--dry-run"),
    send: async (lead, headers) => {
      const { status, body } = await sendLead(endpoint, lead, headers);
      return { status, body };
    },
  });
  for (const o of outcomes) console.log(`${o.result.padEnd(8)} ${o.row}  ${o.detail}`);
  console.log(
    `${outcomes.filter((o) => o.result === "replayed").length} replayed, ${outcomes.filter((o) => o.result === "failed").length} failed, ${outcomes.filter((o) => o.result === "skipped").length} skipped`,
  );
  return outcomes.some((o) => o.result === "failed") ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`replay: ${err.message}`);
      process.exit(2);
    },
  );
}
