// Lint: ESLint's and typescript-eslint's recommended rules, plus Pulumi's rules against Outputs in
// template literals (they would print "Calling [toString] on an [Output<T>]..." instead of the value).
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

/** The sources that import the Pulumi SDK or policy SDK: the include list of tsconfig.eslint.json. */
export const PULUMI_FILES = [
  "index.ts",
  "components/**/*.ts",
  "lib/**/*.ts",
  "program/**/*.ts",
  "policy/**/*.ts",
  "scripts/schema.ts",
];

/** Where mocha's globals exist at run time. */
export const TEST_FILES = ["tests/**", "function-code/tests/**"];
/** The globals @types/mocha declares. */
export const MOCHA_GLOBALS = [
  ...["describe", "context", "suite", "xdescribe", "xcontext", "it", "specify", "test", "xit", "xspecify"],
  ...["before", "after", "beforeEach", "afterEach", "suiteSetup", "suiteTeardown", "setup", "teardown", "run", "mocha"],
];
const MOCHA_MESSAGE = "It is a mocha global, undefined outside the tests: declare or import what you meant.";

/** The rules that need types, on `files`; `parserOptions` says where the types come from. */
export function typedRules(files, parserOptions) {
  return {
    files,
    languageOptions: { parserOptions },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "bin/",
      "rendered/",
      "function-code/dist/",
      "function-code/node_modules/",
      ".azurite/",
      ".local-runs/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Pulumi's rules need types, and building the type program was most of ESLint's time: they run where Pulumi
  // Outputs live (the files that import the SDK; tests/layout.spec.ts keeps the list whole), over a program of
  // those files alone (tsconfig.eslint.json). The other rules read the syntax only.
  // `npm test` lints with the type checker's own program instead (tests/support/types-and-lint.js).
  typedRules(PULUMI_FILES, { project: "./tsconfig.eslint.json", tsconfigRootDir: import.meta.dirname }),
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  // The one TypeScript program declares mocha's globals for every file (tsconfig.json `types`), so a call to a
  // `describe` or `run` that a refactor removed would still type-check and fail only when it runs.
  {
    files: ["**/*.ts"],
    ignores: TEST_FILES,
    rules: { "no-restricted-globals": ["error", ...MOCHA_GLOBALS.map((name) => ({ name, message: MOCHA_MESSAGE }))] },
  },
  // Tests read untyped JSON (recorded inputs, definitions): `any` is the honest type there.
  { files: ["tests/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        __dirname: "readonly",
        console: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
