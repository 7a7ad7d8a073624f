/**
 * What the kit knows about one CRM target, in one row: its workflow action, the managed connector it
 * calls (or none: a built-in HTTP action), its settings, its payload, its field limits, its ledger record id
 * and its local stand-in. Every consumer (workflow builder, component, config, docs, stand-ins, tests) reads
 * these rows through `TARGETS` (index.ts); a new target is one file of this shape plus one row there.
 */
import { NormalizedField } from "../definition/expressions";
import { EntityKeys } from "../definition/tableActions";
import { RetryPolicy, RunAfter, WorkflowAction, WorkflowParameter } from "../definition/types";

/** A stack setting the target owns; config/settings.ts turns it into a SettingSpec row. */
export interface TargetSetting {
  /** JSON schema of the value. */
  schema: Record<string, unknown>;
  /** What the value means; the `Pulumi.yaml` description and the README text. */
  description: string;
  /** What a valid value looks like ("must be ..."). */
  expect: string;
  /** Example value for the `pulumi config set` fix. */
  example: string;
  /** Default as Pulumi config text; a setting with a non-empty default is never required. Absent for secrets. */
  default?: string;
  /** Read with `requireSecret`; set with `pulumi config set --secret`. */
  secret?: boolean;
  /**
   * May be set with `--secret` although not read as a secret: the workflow gets it as a SecureString parameter,
   * so the value never shapes the definition, and offline (render, `npm start`), where a secret is not
   * decrypted, `example` stands in.
   */
  maybeSecret?: boolean;
  /**
   * Its value never enters the workflow definition (a connection's, a resource's or the function app's setting):
   * `pulumi up` takes it held as a secret. tests/config/definitionSettings.spec.ts renders each setting at two
   * values to keep this true.
   */
  outsideDefinition?: boolean;
  /** A local command reads its value offline (`npm run purge`): held as a secret, no example may stand in. */
  readOffline?: boolean;
  /** Names a table of the stack's storage account: it must differ from the others (names ignore case). */
  table?: boolean;
  /** Not required with its target although its default is empty. */
  optional?: boolean;
  /** What is wrong with a value the schema accepts (says the part, the value and the fix), or undefined. */
  check?: (value: string) => string | undefined;
}

/** What every target's action shares: where it sits in the run and how it retries. */
export interface BuildContext {
  runAfter: RunAfter;
  /** Retry policy of every CRM call. */
  retry: RetryPolicy;
  /** Name of the Compose action holding the normalized lead. */
  normalizeAction: string;
  /** Keys of the archived row, sent along so a CRM record can be traced back to it. */
  keys: EntityKeys;
  /** Links to the CRM record of each target whose action runs before this one (see TargetSpec.recordLink). */
  recordLinks?: readonly RecordLink[];
  /**
   * WDL expression (no `@`) of this run's record owner as the CRM takes it (RecordOwner.value of the lead's
   * offer), null when the offer has none; undefined when no offer has an owner in this target.
   */
  owner?: string;
}

/** How a target names the owner (user, team or queue) of the record it creates: its field and its ids. */
export interface RecordOwner {
  /** The body field that sets the owner. */
  field: string;
  /** What a valid owner looks like ("must be ..."). */
  expect: string;
  /** A valid owner, for the `pulumi config set` fix. */
  example: string;
  /** True when `owner` (as written in the stack) is one this target takes. */
  valid: (owner: string) => boolean;
  /** The field's value for an owner as written (valid). */
  value: (owner: string) => string;
}

/** A link to the record an earlier target created in this run, valid when `action` succeeded. */
export interface RecordLink {
  action: string;
  /** WDL expression (no `@`) of the record's URL. */
  url: string;
}

/** A CRM contact column: the lead field it takes and its length; `required` gets NOT_PROVIDED when empty. */
export interface ContactColumn {
  column: string;
  field: NormalizedField;
  limit: number;
  required?: boolean;
  /**
   * A value that is wrong once cut (an e-mail address: another's, or none): longer than `limit` it is left out
   * (sent empty, as for a lead without it) instead of cut; the description still carries it. @default false
   */
  whole?: boolean;
  /** As `whole`, and also left out unless shaped like an e-mail address (the CRM refuses any other). @default false */
  address?: boolean;
}

/** The local stand-in that plays the target's CRM (local/connectors/standins.ts). */
export interface TargetStandin {
  /** Name in recorded requests and in the fault route `POST /standins/<name>/down|up|fail|slow`. */
  name: string;
  /**
   * What it answers: a managed connector's stand-in answers the ApiConnection calls of `api`, a built-in
   * HTTP target's stand-in the HTTP calls its action makes.
   */
  answer: (requestBody: unknown) => { statusCode: number; body: unknown; headers?: Record<string, string> };
}

/** Connection properties of the target's managed API (Microsoft.Web/connections), beside `api`. */
export interface ConnectionProperties {
  parameterValues?: Record<string, unknown>;
  nonSecretParameterValues?: Record<string, unknown>;
}

/** Marks a value secret in the deployment (pulumi.secret in the component). */
export type Secret = <T>(value: T) => unknown;

/**
 * One target. `Config` is its block of the validated stack config, `Args` its part of the component's
 * args, `Options` the plain data its workflow action is built from.
 */
// `any` by default: TARGETS is read generically (targetSpec(t).build(options[t], ...)), where each row's own
// parameter types cannot be named; each target file checks its row with its real types (`satisfies`).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface TargetSpec<Config = any, Args = any, Options = any> {
  /** Workflow action name; part of the run history users read, so stable and descriptive. */
  action: string;
  /** Managed connector (Microsoft.Web/locations/managedApis) it calls; undefined: a built-in HTTP action. */
  api?: string;
  /** The connection needs a person to sign in once after deployment (OAuth consent). */
  oauth: boolean;
  /** Its stack settings, by key, in README order. */
  settings: Record<string, TargetSetting>;
  /** Its block of the validated stack config, from its (parsed, defaulted) settings. */
  config: (setting: (key: string) => string) => Config;
  /** The workflow options of its action, from the component's args (defaults applied). */
  options: (args: Args) => Options;
  /** Builds its workflow action. */
  build: (options: Options, context: BuildContext) => WorkflowAction;
  /** Contact columns with the CRM's lengths, where the CRM limits them. */
  contactColumns?: readonly ContactColumn[];
  /**
   * Field of the CRM's answer holding the new record's id, recorded in the ledger (`sent` without); or paths
   * (keys and indexes) to it, the first one present wins, when the answer nests it or has several shapes.
   */
  recordIdField?: string | readonly (readonly (string | number)[])[];
  /** A link to the record it created, as a WDL expression of `recordId` (an expression of the record id). */
  recordLink?: (options: Options, recordId: string) => string;
  /** Its action runs after the targets with a record link, to show a link to their record (a notice). */
  readsRecordLinks?: boolean;
  /**
   * Connection parameters its managed API defines (exported Microsoft.Web/connections templates;
   * Azure/logicapps#1421 for commondataservice); azure-rules refuses a connection setting any other.
   */
  connectionParameters?: readonly string[];
  /** Connection properties of its managed API, from the component's args. */
  connection?: (args: Args | undefined, secret: Secret) => ConnectionProperties;
  /** Workflow parameters it needs: their declaration, and their values from the component's args. */
  parameters?: Record<
    string,
    {
      declaration: WorkflowParameter;
      value: (args: Args, secret: Secret) => unknown;
      /** The value the local runtime gives (a stand-in's URL, a placeholder secret); none: set elsewhere. */
      local?: string;
    }
  >;
  /** Tables of the kit's storage account it writes (created with the workflow's data role on them). */
  tables?: (options: Options) => string[];
  /** Its local stand-in; undefined when it writes to the local tables (Azurite) itself. */
  standin?: TargetStandin;
  /** How its record's owner is set per offer (`offerOwners`); undefined: the CRM's default owner only. */
  owner?: RecordOwner;
}
