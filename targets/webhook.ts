/** A generic HTTPS webhook: the normalized and the raw lead as JSON, with a shared-secret header. */
import { crmCall } from "./payload";
import { TargetSpec } from "./types";

/** The component's args of this target (components/leadEndpoint.ts WebhookArgs). */
interface Args {
  url: unknown;
  secretHeader?: string;
  secret: unknown;
}

const SETTINGS = {
  webhookUrl: {
    schema: { type: "string", pattern: "^https://[^\\s]+$" },
    description:
      "HTTPS URL that receives each lead as JSON (POST). The workflow holds it as a secured parameter; set it with --secret if it carries a token.",
    expect: "an https URL",
    example: "https://hooks.contoso.com/leads",
    default: "",
    maybeSecret: true,
  },
  webhookSecretHeader: {
    schema: { type: "string", pattern: "^[A-Za-z0-9-]{1,64}$" },
    description: "Name of the header that carries webhookSecret.",
    expect: "an HTTP header name (letters, digits, '-')",
    example: "X-Lead-Secret",
    default: "X-Lead-Secret",
  },
  webhookSecret: {
    schema: { type: "string", minLength: 16 },
    description: "Shared secret sent in webhookSecretHeader so the receiver can authenticate the call.",
    expect: "at least 16 characters",
    example: "<random-string-of-32-chars>",
    secret: true,
  },
};

export const WEBHOOK = {
  action: "Post_webhook",
  api: undefined,
  oauth: false,
  settings: SETTINGS,
  config: (setting) => ({ url: setting("webhookUrl"), secretHeader: setting("webhookSecretHeader") }),
  options: (args: Args) => ({ secretHeader: args.secretHeader ?? SETTINGS.webhookSecretHeader.default }),
  build: (options: { secretHeader: string }, context) =>
    crmCall(
      "POSTs the normalized and the raw lead as JSON to the configured webhook.",
      context.runAfter,
      context.retry,
      {
        method: "POST",
        uri: "@parameters('webhookUrl')",
        headers: {
          "Content-Type": "application/json",
          [options.secretHeader]: "@parameters('webhookSecret')",
        },
        body: {
          event: "marketplace.lead",
          archive: { partitionKey: `@{${context.keys.partitionKey}}`, rowKey: `@{${context.keys.rowKey}}` },
          lead: `@removeProperty(outputs('${context.normalizeAction}'), 'DedupKey')`,
          raw: "@triggerBody()",
        },
      },
      "Http",
    ),
  parameters: {
    // A hook URL often holds its own token (catch hooks, Teams): secured, it "isn't visible after you save your
    // logic app workflow" (learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#secure-parameters-workflow),
    // so the preview identity, a Reader on the workflow, cannot read it either.
    webhookUrl: {
      declaration: { type: "SecureString", metadata: { description: "Webhook target URL (may hold a token)." } },
      value: (args, secret) => secret(args.url),
    },
    webhookSecret: {
      declaration: { type: "SecureString", metadata: { description: "Secret sent in the webhook's secret header." } },
      value: (args, secret) => secret(args.secret),
    },
  },
  standin: { name: "webhook" as const, answer: () => ({ statusCode: 200, body: { received: true } }) },
} satisfies TargetSpec<{ url: string; secretHeader: string }, Args, { secretHeader: string }>;
