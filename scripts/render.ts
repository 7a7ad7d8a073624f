/**
 * Renders the workflow definition each stack deploys to `rendered/<stack>.workflow.json` (sorted,
 * deterministic JSON), so a pull request shows the exact workflow change next to the code change.
 *
 *   npm run render                 # every stack with a Pulumi.<stack>.yaml (yours and examples/)
 *   npm run render -- --stack dev  # one stack
 *   npm run render -- --stack dev --stdout
 *   npm run render -- --stack dev --env-file dev.config.json  # config from `pulumi config --json --open` (ESC)
 */
import * as fs from "fs";
import * as path from "path";
import { Command, EXIT, main, UsageError } from "../ops/cli";
import { stableStringify } from "../definition/stableJson";
import { listStacks, LoadOptions, loadStack, PROJECT_DIR, resolvedConfig } from "../program/stacks";

export const RENDER_DIR = path.join(PROJECT_DIR, "rendered");

/** The rendered file's text for a stack. */
export function renderStack(stack: string, options: LoadOptions = {}): string {
  return stableStringify(loadStack(stack, PROJECT_DIR, options).definition);
}

export function renderedPath(stack: string): string {
  return path.join(RENDER_DIR, `${stack}.workflow.json`);
}

export const RENDER: Command<{ stack?: string; stdout?: boolean; "env-file"?: string }> = {
  name: "render",
  // Writes rendered/<stack>.workflow.json for every stack (yours and examples/), or one.
  usage: ["npm run render [-- --stack <stack>] [--stdout] [--env-file <file>]"],
  flags: {
    stack: { type: "string", help: "render this stack only" },
    stdout: { type: "boolean", help: "print the definition instead of writing rendered/" },
    "env-file": {
      type: "string",
      help: "one stack's resolved config (`pulumi config --json --open --stack <stack> > <file>`), for ESC stacks",
    },
  },
  async run(values) {
    if (values["env-file"] && !values.stack)
      throw new UsageError("--env-file <file> needs --stack <stack>: the file is one stack's config.");
    const stacks = values.stack ? [values.stack] : listStacks();
    const options: LoadOptions = values["env-file"]
      ? { config: resolvedConfig(fs.readFileSync(values["env-file"], "utf8"), values["env-file"]) }
      : {};
    for (const stack of stacks) {
      const text = renderStack(stack, options);
      if (values.stdout) {
        process.stdout.write(text);
        continue;
      }
      fs.mkdirSync(RENDER_DIR, { recursive: true });
      const file = renderedPath(stack);
      const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
      fs.writeFileSync(file, text);
      console.log(`${changed ? "updated  " : "unchanged"} ${path.relative(PROJECT_DIR, file)}`);
    }
    return EXIT.ok;
  },
};

if (require.main === module) main(RENDER);
