import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectNoWriteControl } from "../support/console-story";
import { startTestGateway, type TestGateway } from "../support/gateway";

/** Values only an admin may ever read back, or none at all: none may reach a viewer's page. */
const SECRETS = {
  signing: "viewer-must-not-see-signing",
  token: "viewer-must-not-see-token",
  urlPath: "T0SECRETPATH/B0SECRETPATH",
  header: "viewer-must-not-see-header",
  routingKey: "R0utingKeyR0utingKeyR0utingKey12",
};

describe("the console for a viewer key", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let slackId: string;
  let pagerDutyId: string;

  async function expectNoWriteControlOrSecret() {
    await expectNoWriteControl(page);
    const html = await page.content();
    for (const secret of Object.values(SECRETS)) expect(html).not.toContain(secret);
  }

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([startTestGateway("pglite"), launchBrowser()]);
    const slack = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SOC Slack",
      url: `https://hooks.slack.example/services/${SECRETS.urlPath}`,
      format: "slack",
      secret: SECRETS.signing,
      headers: { "X-Api-Token": SECRETS.header },
      destination: { auth: { type: "bearer", token: SECRETS.token } },
      options: { max_fields: 4 },
    });
    const pagerDuty = await gateway.api("POST", "/api/v1/webhooks", {
      name: "On-call",
      url: "https://events.pagerduty.example/v2/enqueue",
      format: "pagerduty",
      options: { routing_key: SECRETS.routingKey },
    });
    expect([slack.status, pagerDuty.status]).toEqual([201, 201]);
    slackId = slack.body.id;
    pagerDutyId = pagerDuty.body.id;
    const viewer = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "auditor" });
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, viewer.body.key);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("lists integrations with the URL's origin only, and offers no New integration", async () => {
    await page.getByRole("link", { name: "SOC Slack" }).waitFor();
    const row = page.getByRole("row", { name: /SOC Slack/ });
    expect(await row.textContent()).toContain("https://hooks.slack.example/********");
    expect(await page.getByText("Role: viewer").count()).toBe(1);
    await expectNoWriteControlOrSecret();
    await screenshot(page, "viewer-integrations");
  });

  it("shows an integration's settings as text, with no control and no secret in the page", async () => {
    await page.getByRole("link", { name: "SOC Slack" }).click();
    await page.getByRole("heading", { name: "SOC Slack" }).waitFor();
    const main = await page.locator("main").textContent();
    for (const shown of ["Max fields4", "Typebearer", "X-Api-Token: ********", "Minimum severityinfo"]) {
      expect(main).toContain(shown);
    }
    expect(await page.getByText("Secret", { exact: true }).count()).toBe(0);
    expect(await page.getByText("Token", { exact: true }).count()).toBe(0);
    await expectNoWriteControlOrSecret();
    await screenshot(page, "viewer-integration");
  });

  it("never shows a format's secret option (PagerDuty's routing key)", async () => {
    await page.goto(`${gateway.url}/#/integrations/${pagerDutyId}`);
    await page.getByRole("heading", { name: "On-call" }).waitFor();
    expect(await page.getByText("Routing key").count()).toBe(0);
    await expectNoWriteControlOrSecret();
  });

  it("has no API keys page and no form for a new integration", async () => {
    expect(await page.getByRole("link", { name: "API keys" }).count()).toBe(0);
    await page.goto(`${gateway.url}/#/keys`);
    await page.getByText("Only an admin key may see and manage API keys.").waitFor();
    await page.goto(`${gateway.url}/#/integrations/new`);
    await page.getByText("Only an admin key may create integrations.").waitFor();
    await expectNoWriteControlOrSecret();
    expect(slackId).toBeTruthy();
  });
});
