/**
 * Load and count helpers of the durability tests: leads posted over loopback, the archive rows read back, and
 * the report every fault test prints and asserts (accepted (200) = archived, 0 lost).
 */
import * as assert from "assert";
import { TableClient } from "@azure/data-tables";

export const lead = (tag: string, i: number) =>
  JSON.stringify({ UserDetails: { Email: `${tag}${i}@contoso.com`, LastName: `L${i}` }, ActionCode: "INS" });

/** Posts `count` leads, `width` at a time; calls `midway` once after `at` answers. Returns accepted e-mails. */
export async function load(url: string, tag: string, count: number, at: number, midway: () => void): Promise<string[]> {
  const accepted: string[] = [];
  let next = 0;
  let answered = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: lead(tag, i),
      });
      await res.arrayBuffer();
      if (res.status === 200) accepted.push(`${tag}${i}@contoso.com`);
      if (++answered === at) midway();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return accepted;
}

export type Row = Record<string, unknown>;

export async function archiveRows(connectionString: string, table: string): Promise<Row[]> {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  const rows: Row[] = [];
  for await (const row of client.listEntities()) rows.push(row);
  return rows;
}

export const emailsOf = (rows: Row[]) =>
  new Set(rows.map((row) => JSON.parse(String(row.LeadJson)).UserDetails.Email as string));

export const archivedEmails = async (connectionString: string, table: string) =>
  emailsOf(await archiveRows(connectionString, table));

export function report(label: string, accepted: string[], archived: Set<string>): void {
  const lost = accepted.filter((e) => !archived.has(e));
  console.log(`      ${label}: accepted (200) ${accepted.length}, archived ${archived.size}, lost ${lost.length}`);
  assert.deepStrictEqual(lost, [], "every lead answered 200 has its archive row");
  assert.ok(accepted.length > 0);
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 60000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
