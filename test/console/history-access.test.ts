import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectAccessible } from "../support/console-checks";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

const RETRY_CONTROLS = ["Retry", "Retry all"];

describe("the delivery and event pages: accessibility, and what a viewer may do", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let viewerKey: string;
  let deliveryId: string;

  async function expectNoRetryControl() {
    for (const name of RETRY_CONTROLS) {
      expect(await page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    }
  }

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(() => ({ status: 500, body: "<h1>Internal error</h1>" })),
      launchBrowser(),
    ]);
    const webhook = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SOC Teams",
      url: receiver.url,
      format: "teams",
      retry_count: 0,
    });
    await gateway.api("POST", "/api/v1/events", rawFixture("pentest-critical-finding"));
    const [dead] = await eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/deliveries?webhook=${webhook.body.id}&status=dead`);
      return body.data.length > 0 ? body.data : undefined;
    });
    deliveryId = dead.id;
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "auditor" })).body.key;
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("the integrations list with its statistics and chart passes axe", async () => {
    await page.getByRole("img", { name: /SOC Teams, deliveries per hour/ }).waitFor();
    await expectAccessible(page, "integrations-with-stats");
  });

  it("the deliveries list and its Retry all dialog pass axe", async () => {
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.getByRole("row", { name: /SOC Teams/ }).waitFor();
    await expectAccessible(page, "deliveries");
    await page.getByRole("button", { name: "Retry all" }).click();
    await page.getByRole("dialog", { name: "Retry all dead deliveries?" }).waitFor();
    await expectAccessible(page, "deliveries-retry-all");
    await page.keyboard.press("Escape");
  });

  it("a delivery's page passes axe", async () => {
    await page
      .getByRole("row", { name: /SOC Teams/ })
      .getByRole("link")
      .first()
      .click();
    await page.getByRole("heading", { name: "Delivery", exact: true }).waitFor();
    await page.getByText("<h1>Internal error</h1>").waitFor();
    await expectAccessible(page, "delivery");
  });

  it("the events list and an event's page pass axe", async () => {
    await page.getByRole("link", { name: "Events", exact: true }).click();
    const title = rawFixture("pentest-critical-finding").title as string;
    await page.getByRole("link", { name: title }).click();
    await page.getByRole("heading", { name: title }).waitFor();
    await page.getByRole("link", { name: "SOC Teams" }).waitFor();
    await expectAccessible(page, "event");
    await page.getByRole("link", { name: "Events", exact: true }).click();
    await page.getByRole("link", { name: title }).waitFor();
    await expectAccessible(page, "events");
  });

  it("shows a viewer the deliveries and a delivery with no Retry or Retry all", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(page, gateway.url, viewerKey, "#/deliveries");
    await page.getByRole("row", { name: /SOC Teams/ }).waitFor();
    await expectNoRetryControl();
    await screenshot(page, "viewer-deliveries");
    await page.goto(`${gateway.url}/#/deliveries/${deliveryId}`);
    await page.getByText("<h1>Internal error</h1>").waitFor();
    await expectNoRetryControl();
    expect(await page.getByRole("button", { name: "Refresh" }).count()).toBe(1);
    await expectAccessible(page, "viewer-delivery");
    // The API refuses a viewer's retry whatever the page shows.
    const refused = await gateway.api("POST", `/api/v1/deliveries/${deliveryId}/retry`, undefined, viewerKey);
    expect(refused.status).toBe(403);
  });

  it("raised no error in the browser: no Content-Security-Policy violation, no failed request", () => {
    expect(tab.errors).toEqual([]);
  });
});
