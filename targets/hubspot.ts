/**
 * HubSpot: the lead as a contact, created or updated by e-mail through the CRM v3 contacts API, with a private
 * app's access token as a bearer header (built-in HTTP action; no managed connector).
 */
import { randomUUID } from "crypto";
import { LEAD_FIELDS, lit, NormalizedField, USER_FIELDS } from "../definition/expressions";
import { ATTRIBUTION, AttributionField } from "../function-code/src/contract";
import { durationSeconds } from "../emulator/iso8601";
import { attributionRead, crmCall, leadReads } from "./payload";
import { RecordOwner, TargetSpec } from "./types";

/** The component's args of this target (components/leadEndpoint.ts HubspotArgs). */
interface Args {
  token: unknown;
  propertyMap?: string;
}

/** A lead value and the HubSpot contact property it is written to. */
/** A lead value HubSpot can take: a normalized field, or a campaign field parsed out of the lead. */
type LeadValue = NormalizedField | AttributionField;
type Mapping = readonly [LeadValue, string];

/** Standard contact properties (internal names) and the lead fields they take. */
const STANDARD: readonly Mapping[] = [
  ["Email", "email"],
  ["FirstName", "firstname"],
  ["LastName", "lastname"],
  ["Phone", "phone"],
  ["Company", "company"],
  ["Title", "jobtitle"],
  ["Country", "country"],
];

const API_BASE = "https://api.hubapi.com/crm/v3/objects/contacts";
/**
 * HubSpot's burst limit is counted per 10 seconds (developers.hubspot.com/docs/developer-tooling/platform/
 * usage-guidelines; developers.hubspot.com/changelog/increasing-our-api-limits: "190 requests per 10 seconds"),
 * so no retry comes sooner than one window.
 */
const HUBSPOT_WINDOW = "PT10S";
const LEAD_VALUES_NORMALIZED: readonly NormalizedField[] = [...LEAD_FIELDS, ...USER_FIELDS];
const MAPPABLE: readonly LeadValue[] = [...LEAD_VALUES_NORMALIZED, ...Object.values(ATTRIBUTION)];
/** Contact property internal names are lower case (developers.hubspot.com/docs/api-reference/crm/properties). */
const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;
const MAP_EXAMPLE = "ActionCode=marketplace_action,OfferId=marketplace_offer,Campaign=marketplace_campaign";

/** `Field=property` pairs of the setting, or the first problem with them. */
export function parsePropertyMap(text: string): { map: Mapping[] } | { problem: string } {
  const map: Mapping[] = [];
  const fix = `Fix: pulumi config set hubspotPropertyMap ${MAP_EXAMPLE}`;
  for (const pair of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const [field, property, extra] = pair.split("=").map((s) => s.trim());
    if (property === undefined || extra !== undefined || field === "" || property === "")
      return { problem: `"${pair}" is not a Field=property pair. ${fix}` };
    if (!(MAPPABLE as readonly string[]).includes(field))
      return {
        problem: `"${pair}" maps "${field}", which is not a lead value (${MAPPABLE.join(", ")}). ${fix}`,
      };
    if (!PROPERTY_NAME.test(property))
      return {
        problem:
          `"${pair}" maps to "${property}", which is not a HubSpot internal property name ` +
          `(lower-case letters, digits and '_', starting with a letter). ${fix}`,
      };
    if ([...STANDARD, ...map].some(([, p]) => p === property))
      return { problem: `"${pair}" maps to "${property}", which another value already fills. ${fix}` };
    map.push([field as LeadValue, property]);
  }
  return { map };
}

const SETTINGS = {
  hubspotToken: {
    schema: { type: "string", minLength: 20 },
    description: "Access token of a HubSpot private app with the crm.objects.contacts.write scope.",
    expect: "a private app access token (pat-...)",
    example: "<pat-na1-...>",
    secret: true,
  },
  hubspotPropertyMap: {
    schema: { type: "string" },
    description:
      "Extra lead values written to HubSpot contact properties you name: comma-separated Field=property pairs " +
      `(fields: ${MAPPABLE.join(", ")}; properties: internal names). The standard properties are always filled.`,
    expect: "comma-separated Field=property pairs",
    example: MAP_EXAMPLE,
    default: "",
    optional: true,
    check: (value: string) => {
      const parsed = parsePropertyMap(value);
      return "problem" in parsed ? parsed.problem : undefined;
    },
  },
};

interface Options {
  propertyMap: Mapping[];
}

/**
 * The contact's owner: the owner `id` of GET /crm/v3/owners ("used ... when assigning an owner to a record",
 * not the `userId`: developers.hubspot.com/docs/api-reference/crm-crm-owners-v3/guide), set as the contact
 * property `hubspot_owner_id` ("a string field on contacts, companies, deals, and tickets": HubSpot's own
 * agent-cli-skills, skills.sh/hubspot/agent-cli-skills/team-ownership).
 */
const OWNER: RecordOwner = {
  field: "hubspot_owner_id",
  expect: "an owner id, digits (the id of GET /crm/v3/owners, not the userId)",
  example: "41629779",
  valid: (owner) => /^[0-9]{1,20}$/.test(owner),
  value: (owner) => owner,
};

/**
 * The contact's properties as one expression, from [value expression, property] pairs. A property whose
 * value is empty is left out: an update with an empty string clears the value a salesperson entered
 * ("Properties values can be cleared by passing an empty string": developers.hubspot.com/docs/api-reference/
 * crm/objects/contacts/batch/update-contacts). Empty values are all written to the key `_`, removed at the
 * end (WDL has no filter over an object's keys).
 */
function properties(values: ReadonlyArray<readonly [string, string]>): string {
  const set = values.reduce(
    (object, [value, property]) => `setProperty(${object}, if(empty(${value}), '_', ${lit(property)}), ${value})`,
    "json('{}')",
  );
  return `removeProperty(${set}, '_')`;
}

/**
 * Create or update by e-mail: batch upsert with `idProperty` email (developers.hubspot.com/docs/api-reference/
 * legacy/crm/objects/contacts/batch/upsert-contacts). A lead with no e-mail (one with a phone and name passes
 * screening) cannot be upserted by e-mail, so it is created (POST /crm/v3/objects/contacts, which takes a contact
 * with "at least one of ... email, firstname, or lastname": developers.hubspot.com/docs-beta/crm/contacts).
 */
function build(options: Options, context: Parameters<TargetSpec["build"]>[1]) {
  const { f } = leadReads(context);
  const email = f("Email");
  // A campaign field reads as the CRM descriptions read it: empty when an older function app left it out.
  const read = (name: LeadValue) =>
    (LEAD_VALUES_NORMALIZED as readonly string[]).includes(name)
      ? f(name as NormalizedField)
      : attributionRead(name as AttributionField, context);
  const mapped = [...STANDARD, ...options.propertyMap].map(([field, property]) => [read(field), property] as const);
  // The offer's owner, when offerOwners names one for HubSpot (null otherwise: left out like an empty value).
  const props = properties(context.owner ? [...mapped, [context.owner, OWNER.field] as const] : mapped);
  const upsert = `setProperty(setProperty(json('{"idProperty":"email"}'), 'id', ${email}), 'properties', ${props})`;
  const retry = context.retry;
  const slower = (d: string | undefined) => (d && (durationSeconds(d) ?? 0) >= 10 ? d : HUBSPOT_WINDOW);
  return crmCall(
    "Creates or updates the HubSpot contact with the lead's e-mail (creates one when the lead has none).",
    context.runAfter,
    // Logic Apps retries 429 (logic-apps-exception-handling#retry-policies) and its HTTP action waits the
    // Retry-After a 429 carries (MicrosoftDocs/azure-docs#79814, connectors-native-http "Retry-After header").
    { ...retry, interval: slower(retry.interval), minimumInterval: HUBSPOT_WINDOW },
    {
      method: "POST",
      uri: `@{if(empty(${email}), '${API_BASE}', '${API_BASE}/batch/upsert')}`,
      headers: { "Content-Type": "application/json", Authorization: "Bearer @{parameters('hubspotToken')}" },
      body: `@if(empty(${email}), setProperty(json('{}'), 'properties', ${props}), setProperty(json('{}'), 'inputs', createArray(${upsert})))`,
    },
    "Http",
  );
}

export const HUBSPOT = {
  action: "Upsert_hubspot_contact",
  api: undefined,
  oauth: false,
  settings: SETTINGS,
  owner: OWNER,
  config: (setting) => ({ propertyMap: setting("hubspotPropertyMap") ?? "" }),
  options: (args: Args): Options => {
    const parsed = parsePropertyMap(args.propertyMap ?? "");
    // The stack's settings were checked already; a component user passing a bad map hears it here.
    if ("problem" in parsed) throw new Error(`hubspot.propertyMap: ${parsed.problem}`);
    return { propertyMap: parsed.map };
  },
  build,
  // The upsert answers `results[]`, the create the contact itself.
  recordIdField: [["results", 0, "id"], ["id"]],
  parameters: {
    hubspotToken: {
      declaration: { type: "SecureString", metadata: { description: "HubSpot private app access token." } },
      value: (args, secret) => secret(args.token),
      local: "local-hubspot-token-0123456789",
    },
  },
  standin: {
    name: "hubspot" as const,
    answer: (body) => {
      const id = String(Math.floor(Number.parseInt(randomUUID().slice(0, 8), 16) / 10));
      const b = body as { inputs?: Array<{ properties: object }>; properties?: object };
      if (!b.inputs) return { statusCode: 201, body: { id, properties: b.properties, archived: false } };
      const results = b.inputs.map((input) => ({ id, properties: input.properties, archived: false, new: true }));
      return { statusCode: 200, body: { status: "COMPLETE", results } };
    },
  },
} satisfies TargetSpec<{ propertyMap: string }, Args, Options>;
