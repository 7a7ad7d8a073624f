/** The run page's insights: exact counts over archive rows. */
import * as assert from "assert";
import { leadInsights } from "../../local/insights";

const row = (received: string, offer: string, action: string, status: string, failed = "") => ({
  ReceivedTime: received,
  OfferDisplayName: offer,
  ActionCode: action,
  Status: status,
  ...(failed && { FailedTargets: failed }),
  CustomerInfo: '{"Email":"jane@example.com"}',
});

describe("Local lead insights (run page chart)", () => {
  it("counts leads per day, offer and action; outcomes; failed targets", () => {
    const got = leadInsights([
      row("2024-05-02T10:00:00Z", "Contoso", "INS", "delivered"),
      row("2024-05-01T09:00:00Z", "Contoso", "INS", "delivered"),
      row("2024-05-01T11:00:00Z", "Contoso", "INS", "dead-letter", "salesforce,webhook"),
      row("2024-05-01T12:00:00Z", "Contoso", "PUR", "duplicate"),
      row("2024-05-01T13:00:00Z", "Fabrikam", "INS", "test"),
      row("2024-05-02T14:00:00Z", "Fabrikam", "INS", "dead-letter", "salesforce"),
      row("2024-05-02T15:00:00Z", "Fabrikam", "INS", "archived"),
      row("2024-05-02T16:00:00Z", "Fabrikam", "INS", "received"),
      row("2024-05-02T17:00:00Z", "Fabrikam", "INS", "incomplete"),
    ]);
    assert.deepStrictEqual(got, {
      perDay: [
        { day: "2024-05-01", offer: "Contoso", action: "INS", leads: 2 },
        { day: "2024-05-01", offer: "Contoso", action: "PUR", leads: 1 },
        { day: "2024-05-01", offer: "Fabrikam", action: "INS", leads: 1 },
        { day: "2024-05-02", offer: "Contoso", action: "INS", leads: 1 },
        { day: "2024-05-02", offer: "Fabrikam", action: "INS", leads: 4 },
      ],
      outcomes: [
        { outcome: "delivered", leads: 3 },
        { outcome: "test", leads: 1 },
        { outcome: "incomplete", leads: 1 },
        { outcome: "duplicate", leads: 1 },
        { outcome: "dead-letter", leads: 2 },
        { outcome: "in progress", leads: 1 },
      ],
      failuresByTarget: [
        { target: "salesforce", leads: 2 },
        { target: "webhook", leads: 1 },
      ],
    });
  });

  it("lists every outcome at zero on an empty archive", () => {
    assert.deepStrictEqual(leadInsights([]), {
      perDay: [],
      outcomes: ["delivered", "test", "incomplete", "duplicate", "dead-letter", "in progress"].map((outcome) => ({
        outcome,
        leads: 0,
      })),
      failuresByTarget: [],
    });
  });
});
