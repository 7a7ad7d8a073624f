/**
 * Microsoft Teams: a lead card posted to a channel through a Workflows webhook (the "Post to a channel when a
 * webhook request is received" template), readable on a phone. Never sent for the Validate test lead: that lead
 * is set aside by screening before any target runs.
 */
import { lit, NormalizedField } from "../definition/expressions";
import { crmCall, leadReads } from "./payload";
import { RecordLink, TargetSpec } from "./types";

/** The component's args of this target (components/leadEndpoint.ts TeamsArgs). */
interface Args {
  webhookUrl: unknown;
}

/** What each ActionCode means (Partner Center's lead-source actions: /work domain notes §1.5, get-customer-leads). */
export const ACTION_MEANING: Readonly<Record<string, string>> = {
  INS: "Installed / got it now",
  PLT: "Contact me (partner-led trial)",
  DNC: "Do not contact (heads-up)",
  CREATE: "Subscribed in the Azure portal",
  STARTTESTDRIVE: "Started a test drive",
};

/** The meaning of the lead's ActionCode, or the code itself when it is none of the known ones. */
function meaning(code: string): string {
  const upper = `toUpper(${code})`;
  return Object.entries(ACTION_MEANING).reduceRight(
    (otherwise, [k, text]) => `if(equals(${upper}, ${lit(k)}), ${lit(text)}, ${otherwise})`,
    code,
  );
}

/**
 * One labelled line. Lead values go in a TextRun, whose text is shown as is ("Markdown is not supported":
 * learn.microsoft.com/adaptive-cards/schema-explorer/text-run); a TextBlock or FactSet would render a `*`,
 * `_` or `[..](..)` in a name as Markdown (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
 * cards/cards-format). RichTextBlock is Adaptive Cards 1.2, within the 1.4 this card declares.
 */
function line(label: string, valueExpr: string) {
  return {
    type: "RichTextBlock",
    inlines: [
      { type: "TextRun", text: `${label}: `, weight: "Bolder" },
      { type: "TextRun", text: `@{${valueExpr}}` },
    ],
  };
}

/** The first link whose target succeeded in this run, else ''. */
function linkExpr(links: readonly RecordLink[]): string {
  return links.reduceRight(
    (otherwise, l) => `if(equals(actions('${l.action}')?['status'], 'Succeeded'), ${l.url}, ${otherwise})`,
    "''",
  );
}

function build(_options: object, context: Parameters<TargetSpec["build"]>[1]) {
  const { f } = leadReads(context);
  const v = (name: NormalizedField) => f(name);
  const links = context.recordLinks ?? [];
  const link = linkExpr(links);
  const openRecord = `setProperty(json('{"type":"Action.OpenUrl","title":"Open the CRM record"}'), 'url', ${link})`;
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      { type: "TextBlock", text: "New Marketplace lead", weight: "Bolder", size: "Medium", wrap: true },
      line("Name", `trim(concat(${v("FirstName")}, ' ', ${v("LastName")}))`),
      line("Company", v("Company")),
      line("Offer", v("OfferTitle")),
      line("Action", meaning(v("ActionCode"))),
      line("Country", v("Country")),
    ],
    // A link only when a CRM target before this one created the record in this run.
    ...(links.length > 0 && { actions: `@if(empty(${link}), json('[]'), createArray(${openRecord}))` }),
  };
  return crmCall(
    "Posts a lead card to the Teams channel of the configured Workflows webhook.",
    context.runAfter,
    context.retry,
    {
      method: "POST",
      uri: "@parameters('teamsWebhookUrl')",
      headers: { "Content-Type": "application/json" },
      // The message shape of the Workflows webhook template: Workflows take Adaptive Cards only
      // (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using,
      // "Send Adaptive Cards using an Incoming Webhook" and "Known issues").
      body: {
        type: "message",
        attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
      },
    },
    "Http",
  );
}

export const TEAMS = {
  action: "Post_teams_notice",
  api: undefined,
  oauth: false,
  settings: {
    teamsWebhookUrl: {
      schema: { type: "string", minLength: 20 },
      description:
        "URL of a Teams Workflows webhook ('Post to a channel when a webhook request is received') that gets a card per lead.",
      expect: "the https URL the Workflows template shows",
      example: "<https://...logic.azure.com/workflows/...>",
      secret: true,
    },
  },
  config: () => ({}),
  options: () => ({}),
  build,
  readsRecordLinks: true,
  parameters: {
    teamsWebhookUrl: {
      declaration: { type: "SecureString", metadata: { description: "Teams Workflows webhook URL (holds its key)." } },
      value: (args, secret) => secret(args.webhookUrl),
      local: "http://127.0.0.1/local-standin/teams",
    },
  },
  standin: { name: "teams" as const, answer: () => ({ statusCode: 202, body: null }) },
} satisfies TargetSpec<Record<string, never>, Args, object>;
