/**
 * The component schema Pulumi's own analyzer generates (@pulumi/pulumi/provider/experimental: what the
 * provider of PulumiPlugin.yaml serves to `pulumi package add`), over a TypeScript program. The analyzer
 * builds its own program from tsconfig.json; run that way in a test, it parsed azure-native's types once more
 * than the type check did (about 10 CPU-s of every `npm test`). So `npm test` checks lib/schema.json in the
 * type check's phase, over its program (tests/support/types-and-lint.js --schema), and `npm run docs:schema`
 * writes it from a program built as the analyzer builds one.
 *
 * The analyzer takes no program: its constructor (3.248.0, pinned) is bypassed and the fields it sets are set
 * here. Should a new SDK rename them, analyze() throws or the schema differs: the check fails, never passes.
 */
import * as fs from "fs";
import * as path from "path";
import type * as ts from "typescript";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";

type Json = Record<string, unknown>;

/** The analyzer's own state (private in its typings), as its constructor sets it. */
interface AnalyzerState {
  components: object;
  typeDefinitions: object;
  dependencies: unknown[];
  docStrings: object;
  dir: string;
  packageJSON: Json;
  providerName: string;
  program: ts.Program;
  checker: ts.TypeChecker;
  componentNames: Set<string>;
  programFiles: Set<string>;
}

/**
 * The schema of the components `committed` declares (`<package>:index:<Component>`: the package and component
 * names come from the committed file), generated from `program`, whose package root (package.json) is `dir`.
 */
export function analyzerSchema(program: ts.Program, dir: string, committed: Json): Json {
  const options = program.getCompilerOptions();
  if (!options.strictNullChecks && !options.strict)
    throw new Error("The schema needs strictNullChecks (Pulumi's analyzer turns it on): set strict in tsconfig.json.");
  const name = String(committed.name);
  const names = Object.keys((committed.resources as Json | undefined) ?? {}).map((token) => token.split(":")[2]);
  // ComponentProvider wants the component classes for their names only.
  const components = names.map((n) => ({ [n]: class {} })[n]) as unknown as (new () => never)[];
  const provider = new ComponentProvider({ components, name, dirname: dir });
  const state: AnalyzerState = {
    components: {},
    typeDefinitions: {},
    dependencies: [],
    docStrings: {},
    dir: path.resolve(dir),
    packageJSON: (provider as unknown as { packageJSON: Json }).packageJSON,
    providerName: name,
    program,
    checker: program.getTypeChecker(),
    componentNames: new Set(names),
    programFiles: new Set(program.getSourceFiles().map((f) => f.fileName)),
  };
  const analyzer = Object.assign(Object.create(Analyzer.prototype) as object, state) as unknown as Analyzer;
  const found = analyzer.analyze();
  const { version, namespace } = provider as unknown as { version: string; namespace?: string };
  const schema = generateSchema(
    name,
    version,
    String(state.packageJSON.description ?? ""),
    found.components,
    found.typeDefinitions,
    found.dependencies,
    namespace,
  );
  return JSON.parse(JSON.stringify(schema)); // as getSchema serves it: undefined fields dropped
}

/** JSON paths where `a` and `b` differ (`resources.x.inputProperties.y`), at most `max`. */
export function schemaDifferences(a: unknown, b: unknown, max = 10, at = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects =
    !!a && !!b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return [at || "(the whole schema)"];
  const [x, y] = [a as Json, b as Json];
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return keys.flatMap((k) => schemaDifferences(x[k], y[k], max, at ? `${at}.${k}` : k)).slice(0, max);
}

/** The problems of the committed schema `file` against the analyzer's over `program` ([] when they match). */
export function checkSchema(program: ts.Program, file: string, dir: string): string[] {
  let committed: Json;
  try {
    committed = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  } catch (e) {
    return [`${file} cannot be read as JSON (${(e as Error).message}). Regenerate it with \`npm run docs:schema\`.`];
  }
  let generated: Json;
  try {
    generated = analyzerSchema(program, dir, committed);
  } catch (e) {
    return [
      `Pulumi's analyzer failed on the type check's program: ${(e as Error).message} ` +
        "(scripts/schema.ts sets the analyzer's fields itself: after an SDK upgrade, compare them with its constructor).",
    ];
  }
  const paths = schemaDifferences(generated, committed);
  if (paths.length === 0) return [];
  return [
    `${file} is not the schema Pulumi's analyzer generates from the code; it differs at: ${paths.join(", ")}. ` +
      "Regenerate it with `npm run docs:schema` and commit it.",
  ];
}

/**
 * Writes `file` (Prettier's JSON style, as committed) from a program built as the analyzer builds one: the
 * root's tsconfig.json with strictNullChecks. Returns whether the file changed.
 */
export async function writeSchema(file: string, dir: string): Promise<boolean> {
  const typescript = await import("typescript");
  const host = { ...typescript.sys, onUnRecoverableConfigFileDiagnostic: () => undefined };
  const config = typescript.getParsedCommandLineOfConfigFile(path.join(dir, "tsconfig.json"), {}, host);
  if (!config) throw new Error(`Cannot read ${path.join(dir, "tsconfig.json")}.`);
  const program = typescript.createProgram({
    rootNames: config.fileNames,
    options: { ...config.options, strictNullChecks: true },
  });
  const committed = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  const prettier = await import("prettier");
  // Prettier keeps an object expanded when its source was: from stringify(x, null, 2), as committed before.
  const text = await prettier.format(JSON.stringify(analyzerSchema(program, dir, committed), null, 2), {
    ...(await prettier.resolveConfig(file)),
    filepath: file,
  });
  const changed = text !== fs.readFileSync(file, "utf8");
  if (changed) fs.writeFileSync(file, text);
  return changed;
}
