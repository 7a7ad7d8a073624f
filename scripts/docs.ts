/**
 * Keeps the README's configuration and outputs tables true: they are generated from the settings
 * table (config/settings.ts) and the program's exports (index.ts). A test fails when they drift.
 *
 *   npm run docs    # rewrite the tables in README.md
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT, SETTINGS, SETTING_NAMES, SettingSpec } from "../config/settings";
import { LEAD_STATUS } from "../function-code/src/contract";
import { Command, EXIT, main, Values } from "../ops/cli";

const ROOT = path.join(__dirname, "..");
export const README = path.join(ROOT, "README.md");

/** Descriptions of the stack outputs, keyed by export name in index.ts. */
export const OUTPUT_DOCS: Record<string, string> = {
  leadEndpointUrl:
    "**Secret.** The HTTPS endpoint URL to paste into Partner Center. Read it with `pulumi stack output leadEndpointUrl --show-secrets`.",
  workflowName: "Name of the Logic App (Consumption) workflow.",
  workflowId: "ARM resource id of the workflow.",
  resourceGroupName: "Resource group holding every resource.",
  storageAccountName: "Storage account of the lead archive table.",
  archiveTableName: `Table archiving every raw lead (Status: ${Object.values(LEAD_STATUS).join(", ")}).`,
  logWorkspaceId: "Log Analytics workspace receiving the workflow's run logs.",
  functionAppName:
    "The function app of `function-code/`: the normalizer (`normalizer: function`), the scheduled replay (`replaySchedule`) and the daily purge (`archiveRetentionDays` above 0, the default). Publish `function-code/` to it after the first `pulumi up`. Undefined when none of the three is set.",
  connectionsToAuthorize:
    "Salesforce / Office 365 connections to sign in once after the first deployment: connector name -> portal link.",
};

const escape = (text: string) => text.replace(/\|/g, "\\|");

/** The configuration table, one row per setting. */
export function configTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const s = SETTINGS[name] as SettingSpec;
    const dflt = s.secret ? "(secret, no default)" : s.default === "" ? "(empty)" : `\`${s.default}\``;
    const needed = s.requiredFor ? `yes, with target \`${s.requiredFor}\`` : "no";
    return `| \`${PROJECT}:${name}\` | ${escape(s.description)} | ${dflt} | ${needed} |`;
  });
  return ["| Setting | What it does | Default | Required |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** Names exported by index.ts, in order. */
export function programExports(): string[] {
  const source = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
  return [...source.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
}

/** The outputs table, one row per export of index.ts. */
export function outputsTable(): string {
  const rows = programExports().map((name) => {
    const doc = OUTPUT_DOCS[name];
    if (!doc) throw new Error(`index.ts exports "${name}" but scripts/docs.ts OUTPUT_DOCS does not describe it.`);
    return `| \`${name}\` | ${doc} |`;
  });
  return ["| Output | What it is |", "| --- | --- |", ...rows].join("\n");
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} ... ${end} markers.`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

/** README text with both tables regenerated. */
export function renderReadme(text: string): string {
  return replaceBlock(replaceBlock(text, "config-table", configTable()), "outputs-table", outputsTable());
}

export const DOCS: Command<Values> = {
  name: "docs",
  usage: ["npm run docs   (regenerates the configuration and outputs tables of README.md)"],
  flags: {},
  async run() {
    const before = fs.readFileSync(README, "utf8");
    const after = renderReadme(before);
    fs.writeFileSync(README, after);
    console.log(before === after ? "README.md tables unchanged" : "README.md tables updated");
    return EXIT.ok;
  },
};

if (require.main === module) main(DOCS);
