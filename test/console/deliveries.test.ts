import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { storeDeliveries, storeEvent } from "../support/history";
import { type Receiver, startReceiver } from "../support/receiver";

describe("deliveries in the console", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let webhookId: string;
  let posted = 0;

  /** Posts a fixture event under a new id, as a producer would. */
  async function postEvent() {
    posted += 1;
    const event = { ...rawFixture("website-defender-auto-ban"), id: `console-deliveries-${posted}` };
    expect((await gateway.api("POST", "/api/v1/events", event)).status).toBe(202);
  }

  const deliveriesOf = async (query: string) =>
    (await gateway.api("GET", `/api/v1/deliveries?webhook=${webhookId}&${query}`)).body.data;

  const attemptRows = () => page.getByRole("region", { name: /Attempts/ }).locator("tbody tr");

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(() => ({ status: 200, body: "ok from the SOC receiver" })),
      launchBrowser(),
    ]);
    // No retries: a failed attempt ends the delivery as dead at once.
    const created = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SOC Slack",
      url: receiver.url,
      format: "slack",
      retry_count: 0,
    });
    webhookId = created.body.id;
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("lists a posted event's delivery across integrations, delivered", async () => {
    await postEvent();
    await receiver.waitFor(1);
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.getByRole("heading", { name: "Deliveries" }).waitFor();
    const row = page.getByRole("row", { name: /SOC Slack/ });
    await expect.poll(async () => (await row.textContent()) ?? "").toContain("delivered");
    const text = await row.textContent();
    for (const part of ["auto_ban", "200", "1"]) expect(text).toContain(part);
    await screenshot(page, "deliveries");
  });

  it("opens a delivery and shows its attempt: status code, duration and the receiver's answer", async () => {
    await page
      .getByRole("row", { name: /SOC Slack/ })
      .getByRole("link")
      .first()
      .click();
    await page.getByRole("heading", { name: "Delivery", exact: true }).waitFor();
    await expect.poll(() => attemptRows().count()).toBe(1);
    const attempt = (await attemptRows().first().textContent()) ?? "";
    expect(attempt).toMatch(/succeeded200\d+ ms/);
    expect(attempt).toContain("ok from the SOC receiver");
    expect(await page.locator("main").textContent()).toContain("website-defender");
    await screenshot(page, "delivery");
  });

  it("retries from the page when the receiver fails, and shows the new attempt", async () => {
    receiver.answerWith(() => ({ status: 503, body: "the SOC receiver is down" }));
    await page.getByRole("button", { name: "Retry", exact: true }).click();
    await expect.poll(() => attemptRows().count(), { timeout: 15_000 }).toBe(2);
    const second = (await attemptRows().nth(1).textContent()) ?? "";
    expect(second).toContain("failed");
    expect(second).toContain("503");
    expect(second).toContain("the SOC receiver is down");
    await expect.poll(async () => (await page.locator("main dl").textContent()) ?? "").toContain("dead");
    expect(receiver.requests).toHaveLength(2);
    // The same webhook-id header as the first attempt: a retry is the same delivery.
    await screenshot(page, "delivery-retried");
  });

  it("filters by status and Retry all sends the dead ones again", async () => {
    await postEvent();
    await postEvent();
    await eventually(async () => ((await deliveriesOf("status=dead")).length === 3 ? true : undefined));
    receiver.answerWith(() => ({ status: 200, body: "back up" }));

    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.getByLabel("Status").selectOption("dead");
    await page.getByLabel("Integration").selectOption({ label: "SOC Slack" });
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => page.locator("main tbody tr").count()).toBe(3);
    await screenshot(page, "deliveries-dead");

    await page.getByRole("button", { name: "Retry all" }).click();
    const dialog = page.getByRole("dialog", { name: "Retry all dead deliveries?" });
    await dialog.getByRole("button", { name: "Retry all" }).click();
    await expect
      .poll(async () => (await page.getByRole("status").first().textContent()) ?? "")
      .toContain("3 dead deliveries queued");
    await receiver.waitFor(5);
    await eventually(async () => ((await deliveriesOf("status=delivered")).length === 3 ? true : undefined));
  });

  it("pages through the list with Next page and Previous page", async () => {
    // 60 older deliveries beside the three made above: two pages of 50.
    const event = await storeEvent(gateway.store.db, { id: "older", type: "hit" });
    const hourAgo = Date.now() - 3_600_000;
    await storeDeliveries(
      gateway.store.db,
      Array.from({ length: 60 }, (_, index) => ({
        webhookId,
        eventKey: event,
        status: "delivered" as const,
        createdAt: new Date(hourAgo - index * 1000),
      })),
    );
    await page.getByLabel("Status").selectOption("");
    await page.getByRole("button", { name: "Filter" }).click();
    const rows = page.locator("main tbody tr");
    await expect.poll(() => rows.count()).toBe(50);
    const firstOnPageOne = await rows.first().textContent();
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => rows.count()).toBe(13);
    expect(await page.getByText("Page 2").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => rows.count()).toBe(50);
    expect(await rows.first().textContent()).toBe(firstOnPageOne);
  });

  it("keeps its filters in the URL: a reload, a shared link and Back show the same view", async () => {
    const rows = page.locator("main tbody tr");
    const filtersInUrl = () =>
      Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.split("?")[1]));
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await expect.poll(() => page.url()).toMatch(/#\/deliveries$/);
    await page.getByLabel("Event type").fill("hit");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(filtersInUrl).toEqual({ type: "hit" });
    await expect.poll(() => rows.count()).toBe(50);

    // The three auto_ban deliveries of the last half hour, not the 60 older hits.
    const halfHourAgo = String(
      await page.evaluate(`(() => {
        const t = new Date(Date.now() - 30 * 60_000);
        return new Date(t.getTime() - t.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      })()`),
    );
    await page.getByLabel("Integration").selectOption({ label: "SOC Slack" });
    await page.getByLabel("Status").selectOption("delivered");
    await page.getByLabel("Event type").fill("");
    await page.getByLabel("From").fill(halfHourAgo);
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(filtersInUrl).toEqual({
      webhook: webhookId,
      status: "delivered",
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/),
    });
    await expect.poll(() => rows.count()).toBe(3);
    const filtered = page.url();

    const expectFiltered = async (view: Page) => {
      await expect.poll(() => view.locator("main tbody tr").count()).toBe(3);
      for (const row of await view.locator("main tbody tr").allTextContents())
        expect(row).toContain("auto_ban");
      expect(await view.getByLabel("Integration").inputValue()).toBe(webhookId);
      expect(await view.getByLabel("Status").inputValue()).toBe("delivered");
      expect(await view.getByLabel("Event type").inputValue()).toBe("");
      expect(await view.getByLabel("From").inputValue()).toBe(halfHourAgo);
    };
    await page.reload();
    await expectFiltered(page);

    // Shared: another browser session opens the link, logs in, and sees the same view.
    const shared = await openTab(browser);
    await logIn(shared.page, gateway.url, ADMIN_TOKEN, new URL(filtered).hash);
    await expectFiltered(shared.page);
    await screenshot(shared.page, "deliveries-shared-filters");
    await shared.context.close();

    // Back: the filters before, in the form and the list.
    await page.goBack();
    await expect.poll(filtersInUrl).toEqual({ type: "hit" });
    await expect.poll(() => rows.count()).toBe(50);
    expect(await page.getByLabel("Event type").inputValue()).toBe("hit");
    expect(await page.getByLabel("Status").inputValue()).toBe("");
    expect(await page.getByLabel("From").inputValue()).toBe("");
    expect(
      await page.getByRole("link", { name: "Deliveries", exact: true }).getAttribute("aria-current"),
    ).toBe("page");
    await page.goForward();
    await expectFiltered(page);
  });

  it("shows each integration's last 24 hours in the list: success rate, p95 latency, queue, a chart", async () => {
    await page.getByRole("link", { name: "Integrations", exact: true }).click();
    const row = page.getByRole("row", { name: /SOC Slack/ });
    await expect.poll(async () => (await row.textContent()) ?? "").toMatch(/\d+(\.\d)? %/);
    const text = (await row.textContent()) ?? "";
    expect(text).toMatch(/\d+ ms/);
    const chart = row.getByRole("img", { name: /deliveries per hour over 24 hours/ });
    expect(await chart.getAttribute("aria-label")).toMatch(/\d+ delivered, \d+ failed, 0 waiting/);
    expect(await chart.locator("canvas").count()).toBe(1);
    await screenshot(page, "integrations-stats");
  });

  it("raised no error in the browser: no Content-Security-Policy violation, no failed request", () => {
    expect(tab.errors).toEqual([]);
  });
});
