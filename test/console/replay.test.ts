import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectAccessible } from "../support/console-checks";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

describe("Replay… on the console's deliveries page", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let slackId: string;
  let archiveId: string;
  /** The titles of the events the broken receiver made dead, then of the one it took. */
  const deadTitles = ["10.0.0.1 auto-banned", "10.0.0.2 auto-banned", "10.0.0.3 auto-banned"];
  const deliveredTitle = "10.0.0.4 auto-banned";

  async function postEvent(title: string) {
    const event = { ...rawFixture("website-defender-auto-ban"), id: `replay-${title}`, title };
    expect((await gateway.api("POST", "/api/v1/events", event)).status).toBe(202);
  }

  const deliveriesOf = async (webhook: string, status: string) =>
    (await gateway.api("GET", `/api/v1/deliveries?webhook=${webhook}&status=${status}`)).body.data as {
      event_id: string;
    }[];

  const form = () => page.getByRole("region", { name: /^Replay to/ });
  const rows = () => page.locator("main tbody tr");

  async function showIntegration(name: string) {
    await page.getByLabel("Integration").selectOption({ label: name });
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("button", { name: "Replay…" }).waitFor();
  }

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(() => ({ status: 500, body: "the SOC receiver is broken" })),
      launchBrowser(),
    ]);
    // No retries: each failed attempt ends its delivery as dead at once.
    const slack = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SOC Slack",
      url: receiver.url,
      format: "slack",
      retry_count: 0,
    });
    slackId = slack.body.id;
    for (const title of deadTitles) await postEvent(title);
    await eventually(async () => ((await deliveriesOf(slackId, "dead")).length === 3 ? true : undefined));
    // Fixed: the next event is delivered, and replays with it.
    receiver.answerWith(() => ({ status: 200, body: "ok" }));
    await postEvent(deliveredTitle);
    await eventually(async () =>
      (await deliveriesOf(slackId, "delivered")).length === 1 ? true : undefined,
    );

    const archive = await gateway.api("POST", "/api/v1/webhooks", {
      name: "Archive",
      url: receiver.url,
      format: "json",
      // The bans only: Herald's own events about the broken Slack webhook are stored too.
      event_types: ["auto_ban"],
    });
    archiveId = archive.body.id;
    expect((await gateway.api("PUT", `/api/v1/webhooks/${archiveId}`, { is_active: false })).status).toBe(
      200,
    );

    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN, "#/deliveries");
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("offers Replay… only once one integration is chosen", async () => {
    await expect.poll(() => rows().count()).toBe(4);
    expect(await page.getByRole("button", { name: "Retry all" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Replay…" }).count()).toBe(0);
    await showIntegration("SOC Slack");
  });

  it("counts the dead events with a dry run, and the form passes axe", async () => {
    await page.getByRole("button", { name: "Replay…" }).click();
    // The keyboard starts at the form's heading.
    // The focus moves once the form has rendered: waited for, not read at once.
    await expect.poll(() => page.evaluate("document.activeElement?.textContent")).toBe("Replay to SOC Slack");
    // The last 24 hours by default.
    const since = Date.parse(await form().getByLabel("Since").inputValue());
    const until = Date.parse(await form().getByLabel("Until").inputValue());
    expect(until - since).toBe(24 * 3_600_000);
    expect(until).toBeGreaterThan(Date.now());

    await form().getByRole("button", { name: "Count" }).click();
    await expect
      .poll(() => form().getByRole("status").textContent())
      .toBe("4 events would be replayed to SOC Slack.");
    await form().getByLabel("dead").check();
    // A changed choice needs a new count before anything can be sent.
    expect(
      await form()
        .getByRole("button", { name: /^Replay \d/ })
        .count(),
    ).toBe(0);
    await form().getByRole("button", { name: "Count" }).click();
    await expect
      .poll(() => form().getByRole("status").textContent())
      .toBe("3 events would be replayed to SOC Slack.");
    await expectAccessible(page, "replay-form");
    expect(receiver.requests).toHaveLength(4);
  });

  it("replays them after asking: the receiver gets each dead event once, and the list shows them delivered", async () => {
    await form().getByRole("button", { name: "Replay 3 events" }).click();
    const dialog = page.getByRole("dialog", { name: "Replay 3 events to SOC Slack?" });
    await dialog.getByRole("button", { name: "Replay 3 events" }).click();
    await expect
      .poll(async () => (await page.getByRole("status").first().textContent()) ?? "")
      .toContain("3 events queued to be replayed to SOC Slack.");
    expect(await form().count()).toBe(0);

    const replays = (await receiver.waitFor(7)).slice(4);
    const titlesSent = replays.map((request) => deadTitles.filter((title) => request.body.includes(title)));
    expect(titlesSent.flat().sort()).toEqual(deadTitles);
    const delivered = await eventually(async () => {
      const found = await deliveriesOf(slackId, "delivered");
      return found.length === 4 ? found : undefined;
    });
    expect(receiver.requests).toHaveLength(7);
    const dead = await deliveriesOf(slackId, "dead");
    expect(delivered.map((delivery) => delivery.event_id).sort()).toEqual(
      [...dead.map((delivery) => delivery.event_id), `replay-${deliveredTitle}`].sort(),
    );

    await page.getByLabel("Status").selectOption("delivered");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows().count()).toBe(4);
    await screenshot(page, "replay-delivered");
  });

  it("says each refused value beside its field", async () => {
    await page.getByRole("button", { name: "Replay…" }).click();
    const since = await form().getByLabel("Since").inputValue();
    await form().getByLabel("Until").fill(since);
    await form().getByRole("button", { name: "Count" }).click();
    const until = form().getByLabel("Until");
    await expect.poll(() => until.getAttribute("aria-invalid")).toBe("true");
    expect(await until.getAttribute("aria-describedby")).toContain("replay-until-error");
    expect(await form().locator("#replay-until-error").textContent()).toBe("must be after since");
    await form().getByRole("button", { name: "Close" }).click();
    await expect.poll(() => page.evaluate("document.activeElement?.textContent")).toBe("Replay…");
  });

  it("says a disabled integration must be enabled first, with a link to it", async () => {
    await showIntegration("Archive");
    await page.getByRole("button", { name: "Replay…" }).click();
    // A dry run is answered for a disabled integration: it never got the four events.
    await form().getByLabel("never sent").check();
    await form().getByRole("button", { name: "Count" }).click();
    await expect
      .poll(() => form().getByRole("status").textContent())
      .toBe("4 events would be replayed to Archive.");
    await form().getByRole("button", { name: "Replay 4 events" }).click();
    await page
      .getByRole("dialog", { name: "Replay 4 events to Archive?" })
      .getByRole("button", { name: "Replay 4 events" })
      .click();
    const alert = form().getByRole("alert");
    await expect.poll(() => alert.textContent()).toContain("This integration is disabled: enable it first");
    expect(await alert.getByRole("link", { name: "Archive" }).getAttribute("href")).toBe(
      `#/integrations/${archiveId}`,
    );
    await screenshot(page, "replay-disabled");
    expect(await deliveriesOf(archiveId, "pending")).toEqual([]);
  });

  it("shows a viewer no Replay… button", async () => {
    const viewer = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "auditor" });
    const viewerTab = await openTab(browser);
    await logIn(viewerTab.page, gateway.url, viewer.body.key, `#/deliveries?webhook=${slackId}`);
    await expect.poll(() => viewerTab.page.locator("main tbody tr").count()).toBe(7);
    await expect.poll(() => viewerTab.page.getByLabel("Integration").inputValue()).toBe(slackId);
    expect(await viewerTab.page.getByRole("button", { name: "Replay…" }).count()).toBe(0);
    await viewerTab.context.close();
  });

  it("raised no error in the browser but the refusals it was asked to show", () => {
    expect(tab.errors.filter((error) => !/status of (409|422)/.test(error))).toEqual([]);
  });
});
