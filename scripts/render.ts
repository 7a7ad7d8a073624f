/**
 * Renders the workflow definition each stack deploys to `rendered/<stack>.workflow.json` (sorted,
 * deterministic JSON), so a pull request shows the exact workflow change next to the code change.
 *
 *   npm run render                 # every stack with a Pulumi.<stack>.yaml
 *   npm run render -- --stack dev  # one stack
 *   npm run render -- --stack dev --stdout
 */
import * as fs from "fs";
import * as path from "path";
import { stableStringify } from "../workflow/stableJson";
import { listStacks, loadStack, PROJECT_DIR } from "../workflow/stacks";

export const RENDER_DIR = path.join(PROJECT_DIR, "rendered");

/** The rendered file's text for a stack. */
export function renderStack(stack: string): string {
  return stableStringify(loadStack(stack).definition);
}

export function renderedPath(stack: string): string {
  return path.join(RENDER_DIR, `${stack}.workflow.json`);
}

function main(argv: string[]): void {
  const stackIndex = argv.indexOf("--stack");
  const stacks = stackIndex >= 0 ? [argv[stackIndex + 1]] : listStacks();
  if (argv.includes("--stdout")) {
    for (const stack of stacks) process.stdout.write(renderStack(stack));
    return;
  }
  fs.mkdirSync(RENDER_DIR, { recursive: true });
  for (const stack of stacks) {
    const file = renderedPath(stack);
    const text = renderStack(stack);
    const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text;
    fs.writeFileSync(file, text);
    console.log(`${changed ? "updated  " : "unchanged"} ${path.relative(PROJECT_DIR, file)}`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
