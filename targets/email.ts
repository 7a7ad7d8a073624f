/** Office 365 e-mail: a notice of the lead to the sales address (OAuth: a person signs in once). */
import { connectionName } from "../definition/connections";
import { htmlEscaped, interp, NormalizedField } from "../definition/expressions";
import { crmCall, leadReads } from "./payload";
import { TargetSpec } from "./types";

const API = "office365" as const;

export const EMAIL = {
  action: "Send_email_notice",
  api: API,
  oauth: true,
  settings: {
    emailTo: {
      schema: {
        type: "string",
        pattern: "^[^@\\s;]+@[^@\\s;]+\\.[^@\\s;]+(;\\s*[^@\\s;]+@[^@\\s;]+\\.[^@\\s;]+)*$",
      },
      description: "Semicolon-separated addresses that get an Office 365 e-mail for every lead.",
      expect: "one or more e-mail addresses separated by ';'",
      example: "sales@contoso.com;ops@contoso.com",
      default: "",
    },
  },
  config: (setting) => ({ to: setting("emailTo") }),
  options: (args: { to: string }) => ({ to: args.to }),
  build(options: { to: string }, context) {
    const { f } = leadReads(context);
    const text = (name: NormalizedField) => interp(f(name));
    const row = (label: string, name: NormalizedField) =>
      `<tr><th align="left">${label}</th><td>@{${htmlEscaped(f(name))}}</td></tr>`;
    return crmCall(
      "Sends an Office 365 e-mail notice of the lead to the sales address.",
      context.runAfter,
      context.retry,
      {
        host: { connection: { name: connectionName(API) } },
        method: "post",
        path: "/v2/Mail",
        body: {
          To: options.to,
          Subject: `New Marketplace lead: ${text("OfferTitle")} (${text("ActionCode")})`,
          Body:
            "<p>A new lead arrived from Microsoft commercial marketplace.</p><table>" +
            row("Name", "FirstName") +
            row("Last name", "LastName") +
            row("E-mail", "Email") +
            row("Phone", "Phone") +
            row("Company", "Company") +
            row("Title", "Title") +
            row("Country", "Country") +
            row("Offer", "OfferTitle") +
            row("Action", "ActionCode") +
            row("Lead source", "LeadSource") +
            row("Description", "Description") +
            "</table><p>@{if(outputs('" +
            context.normalizeAction +
            "')?['DoNotContact'], 'Do not contact (DNC): this is a heads-up only.', '')}</p>",
          Importance: "Normal",
        },
      },
    );
  },
  connectionParameters: [],
  connection: () => ({}),
  standin: { name: API, answer: () => ({ statusCode: 200, body: null }) },
} satisfies TargetSpec<{ to: string }, { to: string }, { to: string }>;
