/**
 * Where a stack's file is and which stacks have one: files only, nothing of the workflow, so a command can
 * check a stack name before it loads the stack (`npm start` starts Azurite meanwhile).
 */
import * as fs from "fs";
import * as path from "path";

/** Directory of `Pulumi.yaml`. */
export const PROJECT_DIR = path.join(__dirname, "..");
/**
 * Example stack files live here, not next to `Pulumi.yaml`: `pulumi stack init dev` would otherwise adopt
 * `Pulumi.dev.yaml` with someone else's values ("The key-value pairs for any given stack are stored in your
 * project's stack settings file, which is automatically named Pulumi.<stack-name>.yaml",
 * https://www.pulumi.com/docs/iac/concepts/config/). A stack of your own (`Pulumi.<stack>.yaml` in the
 * project) wins over an example of the same name.
 */
export const EXAMPLES_DIR = "examples";

/**
 * With `LEADKIT_EXAMPLE_STACKS=1` only the examples count, your own stack files are ignored: the kit's tests set it
 * (.mocharc.js), since they assert what the examples do (a `Pulumi.dev.yaml` of yours, as the README's deploy
 * steps create, would otherwise change what they run).
 */
export const EXAMPLES_ONLY_ENV = "LEADKIT_EXAMPLE_STACKS";

/** The folders stack files are read from, first match wins. */
function stackDirs(projectDir: string): string[] {
  const examples = path.join(projectDir, EXAMPLES_DIR);
  return process.env[EXAMPLES_ONLY_ENV] === "1" ? [examples] : [projectDir, examples];
}

/** Stack names with a stack file: your own (next to `Pulumi.yaml`) and the examples, sorted, once each. */
export function listStacks(projectDir: string = PROJECT_DIR): string[] {
  const names = stackDirs(projectDir).flatMap(stackNamesIn);
  return [...new Set(names)].sort();
}

/**
 * The stack's file: your own first, then the example; an error naming the known stacks when neither exists.
 * `deployed`: your own only (a command acting on the stack in Azure), since an example is not what was deployed.
 */
export function stackFilePath(stack: string, projectDir: string = PROJECT_DIR, deployed = false): string {
  const examplesOnly = process.env[EXAMPLES_ONLY_ENV] === "1";
  const dirs = deployed && !examplesOnly ? [projectDir] : stackDirs(projectDir);
  const candidates = dirs.map((dir) => path.join(dir, `Pulumi.${stack}.yaml`));
  const found = candidates.find((file) => fs.existsSync(file));
  if (found) return found;
  if (deployed && !examplesOnly)
    throw new Error(
      `Stack "${stack}" has no file Pulumi.${stack}.yaml next to Pulumi.yaml: the ${EXAMPLES_DIR}/ stack of that ` +
        "name is not what was deployed",
    );
  const known = listStacks(projectDir);
  throw new Error(
    `Stack "${stack}" has no file Pulumi.${stack}.yaml (looked in the project and ${EXAMPLES_DIR}/). ` +
      `Known stacks: ${known.join(", ") || "none"}.`,
  );
}

function stackNamesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);
}
