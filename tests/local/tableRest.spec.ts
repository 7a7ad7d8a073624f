/**
 * The local runtime's table calls (local/connectors/tableRest.ts) against Azurite: the request goes as the
 * workflow made it, and the service's own answer comes back (status, headers as spelt, JSON body).
 */
import * as assert from "assert";
import { TableServiceClient } from "@azure/data-tables";
import { TableRest, tableAccount } from "../../local/connectors/tableRest";
import { useAzurite } from "../support/azurite";

const JSON_HEADERS = {
  Accept: "application/json;odata=nometadata",
  "Content-Type": "application/json",
  "x-ms-version": "2019-02-02",
};

describe("table REST calls to Azurite", () => {
  const table = `Rest${Date.now()}`;
  let rest: TableRest;
  before(async () => {
    const { connectionString } = await useAzurite();
    await TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true }).createTable(
      table,
    );
    rest = new TableRest(connectionString);
  });

  it("inserts, reads with the service's own headers, and refuses a second insert and a stale If-Match as Azure does", async () => {
    const row = { PartitionKey: "p", RowKey: "r 1", Status: "received" };
    const inserted = await rest.send("POST", table, { ...JSON_HEADERS, Prefer: "return-no-content" }, row);
    assert.strictEqual(inserted.statusCode, 204);
    const read = await rest.send("GET", `${table}(PartitionKey='p',RowKey='r%201')`, JSON_HEADERS);
    assert.strictEqual(read.statusCode, 200);
    // As Azurite spells it ("etag"; Azure sends "ETag"): the workflow's ?['ETag'] finds either (lookup ignores case).
    assert.match(read.headers!.etag, /^W\/"datetime'.+'"$/);
    assert.strictEqual(read.headers!["content-type"], "application/json;odata=nometadata");
    assert.deepStrictEqual({ ...(read.body as object), Timestamp: "t" }, { ...row, Timestamp: "t" });
    const again = await rest.send("POST", table, { ...JSON_HEADERS, Prefer: "return-no-content" }, row);
    assert.strictEqual(again.statusCode, 409);
    assert.strictEqual((again.body as { "odata.error": { code: string } })["odata.error"].code, "EntityAlreadyExists");
    const stale = await rest.send(
      "PUT",
      `${table}(PartitionKey='p',RowKey='r%201')`,
      { ...JSON_HEADERS, "If-Match": `W/"datetime'2020-01-01T00%3A00%3A00.0000000Z'"` },
      { Status: "delivered" },
    );
    assert.strictEqual(stale.statusCode, 412);
  });

  it("names what a connection string lacks and where a good one comes from", () => {
    assert.throws(() => tableAccount("UseDevelopmentStorage=true"), {
      message:
        "The storage connection string has no AccountName, AccountKey, TableEndpoint: give Azurite's (local/azurite.ts).",
    });
  });
});
