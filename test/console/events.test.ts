import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectNothingRan } from "../support/console-checks";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

// An event is the producer's data: every field may be hostile, and must show as the text it is.
const TITLE = `<img src=x onerror="window.__xss='title';alert('title')">`;
const SOURCE = `<script>window.__xss='source';alert('source')</script>`;
const DATA = {
  comment: "<script>alert('data')</script>",
  link: "javascript:alert('link')",
  template: "{{#with constructor}}{{lookup this 'name'}}{{/with}}",
  markdown: "[click me](javascript:alert('md')) **bold**",
  html: `<a href="javascript:alert('a')" onclick="alert('a')">a link</a>`,
};

describe("events in the console", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(),
      launchBrowser(),
    ]);
    await gateway.api("POST", "/api/v1/webhooks", { name: "SOC JSON", url: receiver.url });
    await gateway.api("POST", "/api/v1/webhooks", {
      name: "Mail team",
      url: receiver.url,
      event_types: ["auth.*"],
    });
    const posted = await gateway.api("POST", "/api/v1/events", [
      rawFixture("mailserver-auth-failed"),
      rawFixture("wallarm-hit-sqli"),
      { type: "hit", source: SOURCE, severity: "critical", title: TITLE, subject: DATA.html, data: DATA },
    ]);
    expect(posted.status).toBe(202);
    await receiver.waitFor(4);
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN, "#/events");
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("lists the events newest first, hostile titles and sources shown as typed", async () => {
    const link = page.getByRole("link", { name: TITLE, exact: true });
    await link.waitFor();
    expect(await page.getByRole("cell", { name: SOURCE, exact: true }).isVisible()).toBe(true);
    const titles = await page.locator("main tbody tr td:nth-child(2)").allTextContents();
    expect(titles).toEqual([
      TITLE,
      rawFixture("wallarm-hit-sqli").title,
      rawFixture("mailserver-auth-failed").title,
    ]);
    await expectNothingRan(tab);
    await screenshot(page, "events");
  });

  it("searches by type and source", async () => {
    const rows = page.locator("main tbody tr");
    await page.getByLabel("Event type").fill("hit");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel("Source").fill(SOURCE);
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel("Source").fill("nobody");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("No events match.").waitFor();
    await page.getByLabel("Event type").fill("");
    await page.getByLabel("Source").fill("");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => rows.count()).toBe(3);
  });

  it("shows a hostile event's fields and data as text, and its fan-out", async () => {
    await page.getByRole("link", { name: TITLE, exact: true }).click();
    await page.getByRole("heading", { name: TITLE, exact: true }).waitFor();
    const data = await page.locator("pre.event-data").textContent();
    expect(JSON.parse(data ?? "")).toEqual(DATA);
    expect(data).toContain(DATA.comment);
    const main = (await page.locator("main").textContent()) ?? "";
    expect(main).toContain(`Source${SOURCE}`);
    expect(main).toContain(`Subject${DATA.html}`);
    const fanOut = page.getByRole("region", { name: /Deliveries/ });
    await expect.poll(async () => (await fanOut.textContent()) ?? "").toContain("delivered");
    expect(await fanOut.getByRole("link", { name: "SOC JSON" }).count()).toBe(1);
    expect(await fanOut.getByRole("link", { name: "Mail team" }).count()).toBe(0);
    await expectNothingRan(tab);
    await screenshot(page, "event-hostile");
  });

  it("goes from an event's delivery to the delivery and back to the event", async () => {
    await page
      .getByRole("region", { name: /Deliveries/ })
      .getByRole("row")
      .nth(1)
      .getByRole("link")
      .first()
      .click();
    await page.getByRole("heading", { name: "Delivery", exact: true }).waitFor();
    await page.getByRole("link", { name: "hit", exact: true }).click();
    await page.getByRole("heading", { name: TITLE, exact: true }).waitFor();
    await expectNothingRan(tab);
  });

  it("raised no error in the browser: no Content-Security-Policy violation, no failed request", () => {
    expect(tab.errors).toEqual([]);
  });
});
