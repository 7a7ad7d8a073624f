/**
 * The run page as a person sees it, in real headless Chromium (Debian's `chromium`, driven by
 * puppeteer-core): each lead's outcome, a run's actions with status and duration, what the CRM
 * stand-ins received, replay of a dead letter, history after a restart, a `<script>` in a lead
 * shown as text, and a dead-lettered run that fits a 1280 px window. Skipped only when Chromium is
 * absent outside CI; in CI (.ci/run installs it) it runs.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import type { Browser, Page } from "puppeteer-core";
import { Azurite, startAzurite } from "../../local/azurite";
import { LocalEndpoint } from "../../local/endpoint";
import { LocalServer, startLocalServer } from "../../local/server";
import { loadStack } from "../../program/stacks";

function chromiumPath(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      // Try the next name.
    }
  }
  return undefined;
}

const SCRIPT_OFFER = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">Offer';

describe("run page in headless Chromium", function () {
  this.timeout(120000);
  const executablePath = chromiumPath();
  let azurite: Azurite;
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const stack = loadStack("dev");
  const leadOf = (name: string, offer = "Browser Offer") => {
    const lead = JSON.parse(fs.readFileSync("samples/full-lead.json", "utf8"));
    lead.UserDetails.Email = `${name}-${Date.now()}@contoso.com`;
    lead.OfferTitle = offer;
    return lead;
  };
  let endpoint: LocalEndpoint;
  const start = async () => {
    endpoint = new LocalEndpoint({ stack, tablesConnectionString: azurite.connectionString, retryScale: 0 });
    await endpoint.prepare();
    server = await startLocalServer({ endpoint, key: "k", triggerName: "manual" });
  };
  const send = async (lead: unknown): Promise<string> => {
    const posted = await endpoint.post({ method: "POST", headers: { "content-type": "application/json" }, body: lead });
    await posted.done;
    return posted.runName!;
  };
  const open = async () => {
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.waitForSelector("body[data-ready=true]");
  };
  /**
   * Finds and clicks in one task of the page: the page re-renders its lists every 3 s, and between
   * puppeteer's own find and click (scroll, box, mouse) the node can be replaced ("Node is detached").
   */
  const click = async (selector: string) => {
    await page.waitForSelector(selector);
    await page.$eval(selector, (el) => (el as unknown as { click(): void }).click());
  };
  const cellText = (selector: string) =>
    page.$$eval(selector, (els) => els.map((e) => (e as unknown as { innerText: string }).innerText));

  before(async function () {
    if (!executablePath) {
      if (process.env.CI) throw new Error("Chromium is missing in CI: .ci/run installs Debian's chromium package.");
      console.log("    (skipped: no chromium on PATH; install it with `apt-get install chromium`. CI always runs it.)");
      this.skip();
    }
    azurite = await startAzurite();
    await start();
    const puppeteer = await import("puppeteer-core");
    // One process for browser and renderers: the page under test is the same, and Chromium's zygotes, GPU
    // and per-site renderers cost about 3.5 CPU-s more over this file (measured with its children reaped).
    // Nor does headless Chromium (156) build its address bar's two WebUI popups, about 1 CPU-s each: no test
    // types in an address bar. A Chromium without these features ignores their names.
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      // --single-process: one process instead of a browser, zygotes and renderers (about half the CPU). Chromium
      // calls it unsupported: if a Chromium build crashes with it, drop it here first.
      args: ["--no-sandbox", "--single-process", "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup"],
    });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await azurite?.stop();
  });

  let delivered = "";
  let dead = "";

  it("lists each lead with its outcome; a <script> in a lead is shown as text", async () => {
    delivered = await send(leadOf("page-ok", SCRIPT_OFFER));
    endpoint.standins.down("commondataservice");
    dead = await send(leadOf("page-dead"));
    endpoint.standins.up("commondataservice");
    await open();
    const rows = await page.$$eval("#leads tbody tr", (trs) =>
      trs.map((tr) => (tr as unknown as { dataset: { run: string } }).dataset.run),
    );
    assert.deepStrictEqual(rows, [dead, delivered]);
    const [deadRow, okRow] = await page.$$eval("#leads tbody tr", (trs) =>
      trs.map((tr) => Array.from(tr.children).map((td) => (td as unknown as { innerText: string }).innerText)),
    );
    assert.strictEqual(okRow[3], SCRIPT_OFFER, "the offer is shown verbatim, as text");
    assert.strictEqual(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined);
    assert.strictEqual(await page.$$eval("#leads script, #leads img", (els) => els.length), 0);
    assert.ok(okRow[4].startsWith("delivered to dataverse (record "), okRow[4]);
    assert.deepStrictEqual(deadRow.slice(2, 3), ["dead-letter"]);
    assert.ok(
      deadRow[4].startsWith(
        "dead-lettered: dataverse failed (Create_dataverse_lead Failed: connect ECONNREFUSED (commondataservice stand-in is down))",
      ),
      deadRow[4],
    );
    assert.strictEqual(deadRow[5], "Replay");
  });

  it("charts the archive: leads per day by offer and action, outcomes, failures by target (screenshot for the README)", async () => {
    const bars = (chart: string) =>
      page.$$eval(`#${chart} .bar`, (els) =>
        els.map((e) => [
          (e.querySelector(".label") as unknown as { innerText: string }).innerText,
          (e.querySelector(".count") as unknown as { innerText: string }).innerText,
        ]),
      );
    const { ActionCode } = JSON.parse(fs.readFileSync("samples/full-lead.json", "utf8"));
    const today = new Date().toISOString().slice(0, 10);
    assert.deepStrictEqual(await bars("per-day"), [
      [`${today} ${SCRIPT_OFFER} ${ActionCode}`, "1"],
      [`${today} Browser Offer ${ActionCode}`, "1"],
    ]);
    assert.deepStrictEqual(await bars("outcomes"), [
      ["delivered", "1"],
      ["test", "0"],
      ["incomplete", "0"],
      ["duplicate", "0"],
      ["dead-letter", "1"],
      ["in progress", "0"],
    ]);
    assert.deepStrictEqual(await bars("failures"), [["dataverse", "1"]]);
    assert.strictEqual(await page.$$eval("#insights script, #insights img", (els) => els.length), 0);
    fs.mkdirSync("docs/images", { recursive: true });
    const chart = await page.$("#insights");
    await chart!.screenshot({ path: "docs/images/run-page-insights.png" });
  });

  it("a run shows each action's status and duration, and what the stand-ins received", async () => {
    await click(`#leads tr[data-run="${delivered}"]`);
    await page.waitForSelector("#detail table.received");
    const actions = await page.$$eval("#detail table.actions tbody tr", (trs) =>
      trs.map((tr) =>
        Array.from(tr.children)
          .slice(0, 4)
          .map((td) => (td as unknown as { innerText: string }).innerText),
      ),
    );
    const dataverse = actions.find((a) => a[0] === "Create_dataverse_lead");
    assert.ok(dataverse, JSON.stringify(actions));
    assert.strictEqual(dataverse[2].trim(), "Succeeded Created"); // status and the connector's code, as the portal shows
    assert.match(dataverse[3], /^\d+ ms$/);
    assert.strictEqual(
      (await cellText("#detail .lead-outcome"))[0].split(" (record ")[0],
      "Outcome: delivered to dataverse",
    );
    const received = await cellText("#detail table.received tbody tr td:first-child");
    assert.deepStrictEqual([...new Set(received)].sort(), ["commondataservice", "function", "office365", "webhook"]);
    const bodies = (await cellText("#detail table.received tbody tr td:last-child")).join("\n");
    assert.ok(bodies.includes("page-ok-"), "the CRM payload (with the lead's e-mail) is shown");
  });

  it("the replay button re-sends the dead letter and the list shows it replayed", async () => {
    await click(`button.replay[data-row="${dead}"]`);
    await page.waitForFunction('document.querySelector("#replayed").textContent !== ""');
    const said = await page.$eval("#replayed", (p) => p.textContent!);
    assert.match(said, new RegExp(`^replayed \\S+/${dead}: `));
    await page.waitForFunction(
      `document.querySelector('#leads tr[data-run="${dead}"] td:nth-child(3)')?.textContent === "replayed"`,
    );
    assert.strictEqual(await page.$$eval("#leads tbody tr", (trs) => trs.length), 3, "the replay's own run is listed");
  });

  it("after a restart the leads are still listed from the archive", async () => {
    await page.goto("about:blank"); // the page polls: let its connections go before the server closes
    await server.close();
    await start(); // a new endpoint: no runs in memory
    await open();
    const rows = await page.$$eval("#leads tbody tr", (trs) =>
      trs.map((tr) => (tr as unknown as { dataset: { run: string } }).dataset.run),
    );
    assert.ok(rows.includes(delivered) && rows.includes(dead), JSON.stringify(rows));
    assert.strictEqual(await page.$$eval("#runs tbody tr", (trs) => trs.length), 0);
    await click(`#leads tr[data-run="${delivered}"]`);
    await page.waitForSelector("#detail .lead-outcome");
    const detail = await page.$eval("#detail", (d) => (d as unknown as { innerText: string }).innerText);
    assert.ok(detail.includes("kept in memory by an earlier session"), detail);
    assert.ok(detail.includes("Outcome: delivered to dataverse"), detail);
  });

  it("a row left received by a run that has ended gets a Settle button: marked needs-review, nothing sent", async () => {
    const cut = "08584000000000000000000000001";
    await endpoint.tables.table(stack.config.archiveTableName).createEntity({
      partitionKey: "2026-11",
      rowKey: cut,
      Status: "received",
      ReceivedTime: "2026-11-01T10:00:00.000Z",
      Targets: "dataverse,webhook",
      Sent_dataverse: "lead-1",
      LeadJson: "{}",
    });
    const sent = endpoint.standins.requests.length;
    await open();
    assert.deepStrictEqual(await cellText(`#leads tr[data-run="${cut}"] td:last-child`), ["Settle"]);
    assert.deepStrictEqual(await cellText(`#leads tr[data-run="${delivered}"] td:last-child`), [""]);
    await click(`button.replay[data-row="${cut}"]`);
    await page.waitForFunction('document.querySelector("#replayed").textContent !== ""');
    assert.match(
      await page.$eval("#replayed", (p) => p.textContent!),
      new RegExp(
        `^needs-review 2026-11/${cut}: Status is still received but run ${cut} has ended: webhook may or may not`,
      ),
    );
    await page.waitForFunction(
      `document.querySelector('#leads tr[data-run="${cut}"] td:nth-child(3)')?.textContent === "needs-review"`,
    );
    assert.strictEqual(endpoint.standins.requests.length, sent, "nothing sent");
  });

  it("a run lists only its own stand-in requests, though another run overlapped it", async () => {
    endpoint.standins.delay("webhook", 300); // both runs wait on the webhook at once
    const [first, second] = await Promise.all([send(leadOf("overlap-a")), send(leadOf("overlap-b"))]);
    endpoint.standins.delay("webhook", 0);
    await open();
    await click(`#leads tr[data-run="${first}"]`);
    await page.waitForSelector("#detail table.received");
    const bodies = (await cellText("#detail table.received tbody tr td:last-child")).join("\n");
    assert.ok(bodies.includes("overlap-a-"), bodies);
    assert.ok(!bodies.includes("overlap-b-"), `run ${second}'s payloads are not run ${first}'s: ${bodies}`);
  });

  it("a dead-lettered run fits a 1280 px window: long cells wrap, a skipped action reads as short text", async () => {
    endpoint.standins.down("commondataservice");
    const run = await send(leadOf("page-wide"));
    endpoint.standins.up("commondataservice");
    await page.setViewport({ width: 1280, height: 800 });
    try {
      await open();
      await click(`#leads tr[data-run="${run}"]`);
      await page.waitForSelector("#detail table.received");
      const actions = await page.$$eval("#detail table.actions tbody tr", (trs) =>
        trs.map((tr) => Array.from(tr.children).map((td) => (td as unknown as { innerText: string }).innerText.trim())),
      );
      const [scrollWidth, innerWidth] = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        window.innerWidth,
      ]);
      assert.ok(scrollWidth <= innerWidth, `the page is ${scrollWidth} px wide in a ${innerWidth} px window`);
      const skipped = actions.filter((a) => a[2].startsWith("Skipped"));
      assert.ok(skipped.length > 0, JSON.stringify(actions));
      assert.ok(
        actions.some((a) => a[0] === "Create_dataverse_lead" && a[2].startsWith("Failed")),
        JSON.stringify(actions),
      );
      // Azure's run history: status Skipped, code ActionConditionFailed, "the 'runAfter' condition ... is not satisfied".
      for (const a of skipped) assert.strictEqual(a[5], "Skipped: runAfter condition not satisfied", a[0]);
      const titles = await page.$$eval("#detail table.actions .skip-reason", (els) =>
        els.map((e) => e.getAttribute("title")),
      );
      assert.strictEqual(titles.length, skipped.length);
      assert.match(titles[0]!, /^ActionConditionFailed: The execution of template action '\w+' is skipped/);
    } finally {
      await page.setViewport({ width: 800, height: 600 }); // puppeteer's default, which the other tests ran in
    }
  });

  it("shows each stand-in's state at the top (down ones in red)", async () => {
    endpoint.standins.down("webhook");
    endpoint.standins.delay("office365", 100);
    try {
      await open();
      assert.deepStrictEqual(await cellText("#standins .standin"), [
        "commondataservice up",
        "salesforce up",
        "hubspot up",
        "office365 up, 100 ms slower",
        "webhook down",
        "teams up",
        "function up",
      ]);
      assert.deepStrictEqual(await cellText("#standins .standin.down"), ["webhook down"]);
      // Its button brings it back, as `npm run standin webhook up` does; another takes a stand-in down.
      await click('#standins button[data-target="webhook"]');
      await page.waitForFunction(() => !document.querySelector("#standins .standin.down"));
      assert.strictEqual(endpoint.standins.states().find((s) => s.target === "webhook")?.state, "up");
      await click('#standins button[data-target="salesforce"]');
      await page.waitForSelector("#standins .standin.down");
      assert.deepStrictEqual(await cellText("#standins .standin.down"), ["salesforce down"]);
      assert.strictEqual(endpoint.standins.states().find((s) => s.target === "salesforce")?.state, "down");
    } finally {
      endpoint.standins.up("webhook");
      endpoint.standins.up("salesforce");
      endpoint.standins.delay("office365", 0);
    }
  });
});
