/**
 * Microsoft's sample lead (samples/full-lead.json) as both normalizers give it: the function app's
 * and the workflow's expression mapping agree on every field but the country, which only the
 * function resolves to a name and a code. Shared by function-code/tests and tests/local.
 */
export const NO_CAMPAIGN = {
  Campaign: "",
  PartnerId: "",
  UtmSource: "",
  UtmMedium: "",
  UtmCampaign: "",
  UtmTerm: "",
  UtmContent: "",
};

export const NORMALIZED_FULL_LEAD = {
  FirstName: "Some",
  LastName: "One",
  Email: "someone@contoso.com",
  Phone: "16175555555",
  Company: "Contoso",
  Title: "Esquire",
  ActionCode: "INS",
  OfferTitle: "Test Microsoft",
  LeadSource: "AzureMarketplace-INS|contoso.test-offer",
  Description: "Test run through Power Automate",
  DoNotContact: false,
  OfferId: "contoso.test-offer",
  LeadSourceChannel: "AzureMarketplace",
  LeadSourceAction: "INS",
  ...NO_CAMPAIGN,
};
