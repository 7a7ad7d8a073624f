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
import { stableStringify } from "../workflow/stableJson";
import { listStacks, LoadOptions, loadStack, PROJECT_DIR, resolvedConfig } from "../workflow/stacks";

export const RENDER_DIR = path.join(PROJECT_DIR, "rendered");

/** The rendered file's text for a stack. */
export function renderStack(stack: string, options: LoadOptions = {}): string {
  return stableStringify(loadStack(stack, PROJECT_DIR, options).definition);
}

export function renderedPath(stack: string): string {
  return path.join(RENDER_DIR, `${stack}.workflow.json`);
}

function main(argv: string[]): void {
  const stackIndex = argv.indexOf("--stack");
  const stacks = stackIndex >= 0 ? [argv[stackIndex + 1]] : listStacks();
  const options = loadOptions(argv, stackIndex >= 0);
  if (argv.includes("--stdout")) {
    for (const stack of stacks) process.stdout.write(renderStack(stack, options));
    return;
  }
  fs.mkdirSync(RENDER_DIR, { recursive: true });
  for (const stack of stacks) {
    const file = renderedPath(stack);
    const text = renderStack(stack, options);
    const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
    fs.writeFileSync(file, text);
    console.log(`${changed ? "updated  " : "unchanged"} ${path.relative(PROJECT_DIR, file)}`);
  }
}

/** `--env-file <file>`: one stack's resolved config (`pulumi config --json --open --stack <stack> > <file>`). */
function loadOptions(argv: string[], oneStack: boolean): LoadOptions {
  const index = argv.indexOf("--env-file");
  if (index < 0) return {};
  const file = argv[index + 1];
  if (!oneStack || !file) throw new Error("--env-file <file> needs --stack <stack>: the file is one stack's config.");
  return { config: resolvedConfig(fs.readFileSync(file, "utf8"), file) };
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
