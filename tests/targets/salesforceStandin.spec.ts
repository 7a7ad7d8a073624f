/**
 * The Salesforce stand-in refuses a Lead as Salesforce does, so a local run meets the 400s a deployed one would
 * (a 400 is never retried: the lead dead-letters on every replay).
 */
import * as assert from "assert";
import { evaluateExpression } from "../../emulator/expressions/evaluate";
import { ExpressionHost } from "../../emulator/types";
import { addressLike, asReceived } from "../../targets/payload";
import { BuildContext } from "../../targets/types";
import { ADDRESS, COLUMNS, SALESFORCE } from "../../targets/salesforce";

const answer = (body: Record<string, unknown>) => SALESFORCE.standin.answer(body);
const LEAD = { LastName: "Contoso", Company: "Contoso Ltd", Email: "ada@contoso.com" };

describe("Salesforce stand-in", () => {
  it("creates a Lead (201 with an Id); an empty Email is none, as Salesforce stores ''", () => {
    for (const body of [LEAD, { ...LEAD, Email: "" }]) {
      const { statusCode, body: created } = answer(body);
      assert.strictEqual(statusCode, 201);
      assert.match((created as { Id: string }).Id, /^00Q\w{15}$/);
    }
  });

  it("refuses an Email that is not an address, a value over its column's length, a missing LastName or Company", () => {
    const refused = (body: Record<string, unknown>) => {
      const { statusCode, body: errors } = answer(body);
      return [
        statusCode,
        (errors as unknown as Array<{ errorCode: string; fields: string[] }>).map((e) => [e.errorCode, e.fields]),
      ];
    };
    assert.deepStrictEqual(refused({ ...LEAD, Email: "e".repeat(80) }), [400, [["INVALID_EMAIL_ADDRESS", ["Email"]]]]);
    assert.deepStrictEqual(refused({ ...LEAD, FirstName: "F".repeat(41) }), [
      400,
      [["STRING_TOO_LONG", ["FirstName"]]],
    ]);
    assert.deepStrictEqual(refused({ ...LEAD, LastName: "" }), [400, [["REQUIRED_FIELD_MISSING", ["LastName"]]]]);
    assert.deepStrictEqual(refused({ ...LEAD, Company: undefined }), [400, [["REQUIRED_FIELD_MISSING", ["Company"]]]]);
  });

  it("the payload's address test (a workflow expression) and the stand-in's agree, so a lead it sends is not refused", () => {
    const samples = [
      ...["ada@contoso.com", "a@b.c", "a.b@c.d.e", "a@.b.c", "a+tag@contoso.co.uk"],
      ...["", "ada", "ada at contoso.com", "@contoso.com", "ada@", "ada@contoso", "ada@contoso.", "a@b@c.d"],
      ...["ada@contoso .com", "ada.contoso@com", "a@b.", ".@b.c", "a@b.c.", "ada@contoso.com."],
    ];
    const host = {} as ExpressionHost; // the test reads nothing of a run
    const payload = (text: string) => evaluateExpression(`@${addressLike(`'${text}'`)}`, host) as boolean;
    assert.deepStrictEqual(
      samples.map((t) => [t, payload(t)]),
      samples.map((t) => [t, ADDRESS.test(t)]),
    );
    assert.deepStrictEqual(
      samples.filter((t) => ADDRESS.test(t)),
      ["ada@contoso.com", "a@b.c", "a.b@c.d.e", "a@.b.c", "a+tag@contoso.co.uk", ".@b.c"],
    );
  });

  it("the description's as-received lines read a normalized lead without some field (null) without failing", () => {
    const context = { normalizeAction: "Normalize_lead" } as BuildContext;
    const lead = { LastName: "Lovelace", Email: "e".repeat(90) }; // no FirstName, Company, ...: null when read
    const host = { action: () => ({ outputs: lead }) } as unknown as ExpressionHost;
    const text = evaluateExpression(`@${asReceived(COLUMNS, context)}`, host);
    assert.strictEqual(
      text,
      `\n\nAs received (cut or left out to fit the CRM):\nFirstName: \nLastName: Lovelace\nCompany: \nEmail: ${"e".repeat(90)}` +
        "\nPhone: \nTitle: \nCountry: ",
    );
  });
});
