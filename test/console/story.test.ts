import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsoleTab,
  launchBrowser,
  logIn,
  openTab,
  readmeScreenshot,
  screenshot,
} from "../support/browser";
import { expectNoWriteControl, SLACK_NO_SERVICE, slackIncomingWebhook } from "../support/console-story";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { replaceTemplate, templateEditor, workbench } from "../support/workbench";

// The console's whole story, in one browser tab, against a real gateway: an operator logs in,
// wires a Slack channel, rewrites its template in the workbench, and follows a WAF ban from the
// API to the channel, through a failure and a retry; then an auditor looks and can change nothing.

/** The on-call message the operator writes: the header on a line of its own, to type into. */
const ON_CALL_TEMPLATE = [
  '{"text": "{{mrkdwn title}}", "blocks": [',
  '{"type": "header", "text": {"type": "plain_text", "text":',
  '"{{upper severity}}"',
  "}},",
  '{"type": "section", "text": {"type": "mrkdwn", "text": "*{{mrkdwn title}}*"}},',
  '{"type": "context", "elements": [{"type": "mrkdwn", "text": "from {{mrkdwn source}}"}]}',
  "]}",
].join("\n");

describe("the console, end to end", () => {
  let gateway: TestGateway;
  let slack: Receiver;
  let teams: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let integrationUrl: string;
  let deliveryUrl: string;

  const field = (label: string) => page.getByLabel(label, { exact: true });
  const slackHeader = () => workbench(page).locator(".slack-header");
  const attemptRows = () => page.getByRole("region", { name: /Attempts/ }).locator("tbody tr");
  const deliveryState = async () => (await page.locator("main dl").textContent()) ?? "";

  beforeAll(async () => {
    [gateway, slack, teams, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(slackIncomingWebhook),
      startReceiver(),
      launchBrowser(),
    ]);
    // A second integration already there, as in any SOC: the lists show more than one.
    const existing = await gateway.api("POST", "/api/v1/webhooks", {
      name: "Platform Teams",
      url: teams.url,
      format: "teams",
      event_types: ["auto_ban"],
    });
    expect(existing.status).toBe(201);
    tab = await openTab(browser);
    page = tab.page;
  });
  afterAll(async () => {
    await browser?.close();
    await slack?.close();
    await teams?.close();
    await gateway?.close();
  });

  it("logs in with the admin key", async () => {
    await logIn(page, gateway.url, ADMIN_TOKEN);
    await page.getByRole("heading", { name: "Integrations" }).waitFor();
    expect(await page.getByText("Role: admin").count()).toBe(1);
  });

  it("creates a Slack integration pointed at the channel's webhook", async () => {
    await page.getByRole("link", { name: "New integration" }).click();
    await field("Name").fill("SOC Slack");
    await field("URL").fill(slack.url);
    await field("Format").selectOption("slack");
    await field("Event types").fill("auto_ban");
    await screenshot(page, "story-new-integration");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "SOC Slack" }).waitFor();
    integrationUrl = page.url();
    const id = /#\/integrations\/([0-9a-f-]{36})$/.exec(integrationUrl)?.[1];
    expect((await gateway.api("GET", `/api/v1/webhooks/${id}`)).body).toMatchObject({
      url: slack.url,
      format: "slack",
      event_types: ["auto_ban"],
      template: null,
    });
  });

  it("opens the workbench, and the preview follows what is typed", async () => {
    await page.getByRole("link", { name: "Edit template" }).click();
    await slackHeader().filter({ hasText: "Sample auto_ban event" }).waitFor();
    await replaceTemplate(page, ON_CALL_TEMPLATE);
    await slackHeader()
      .filter({ hasText: /^HIGH$/ })
      .waitFor();
    // Into the header's text, before its closing quote, one key at a time.
    await templateEditor(page).locator(".cm-line", { hasText: '"{{upper severity}}"' }).click();
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.type(" · ban of {{data.client_ip}}");
    await slackHeader()
      .filter({ hasText: /^HIGH · ban of 203\.0\.113\.7$/ })
      .waitFor();
    expect(await workbench(page).locator(".slack-context").textContent()).toBe("from herald.sample");
    await screenshot(page, "story-workbench");
  });

  it("saves the template", async () => {
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Template saved." }).waitFor();
    expect(await page.getByText("Unsaved changes").count()).toBe(0);
  });

  it("sends an event posted through the API to the channel, with the saved template", async () => {
    const ingest = await gateway.api("POST", "/api/v1/keys", { role: "ingest", name: "website-defender" });
    const event = rawFixture("website-defender-auto-ban");
    expect((await gateway.api("POST", "/api/v1/events", event, ingest.body.key)).status).toBe(202);
    const [message] = await slack.waitFor(1);
    expect(JSON.parse(message?.body ?? "{}").blocks[0].text.text).toBe("HIGH · ban of 192.168.1.100");
  });

  it("lists the delivery among all deliveries, delivered", async () => {
    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    const row = page.getByRole("row", { name: /SOC Slack/ });
    await expect.poll(async () => (await row.textContent()) ?? "").toContain("delivered");
    expect(await row.textContent()).toContain("auto_ban");
    await screenshot(page, "story-deliveries");
  });

  it("opens the delivery and shows its attempt with Slack's answer", async () => {
    await page
      .getByRole("row", { name: /SOC Slack/ })
      .getByRole("link")
      .first()
      .click();
    await page.getByRole("heading", { name: "Delivery", exact: true }).waitFor();
    deliveryUrl = page.url();
    await expect.poll(() => attemptRows().count()).toBe(1);
    const attempt = (await attemptRows().first().textContent()) ?? "";
    expect(attempt).toMatch(/succeeded200\d+ ms/);
    // Slack's answer, the response excerpt.
    expect(await attemptRows().first().getByText("ok", { exact: true }).count()).toBe(1);
    await screenshot(page, "story-delivery");
  });

  it("retries from the page: Slack refuses while the app is removed, and takes it once back", async () => {
    slack.answerWith(() => SLACK_NO_SERVICE);
    await page.getByRole("button", { name: "Retry", exact: true }).click();
    await expect.poll(() => attemptRows().count(), { timeout: 15_000 }).toBe(2);
    const refused = (await attemptRows().nth(1).textContent()) ?? "";
    for (const part of ["failed", "404", "no_service"]) expect(refused).toContain(part);
    // Slack will not take it later either: dead at once, no retries.
    await expect.poll(deliveryState).toContain("dead");
    await screenshot(page, "story-delivery-refused");

    // Slack said the app is gone: Herald switched the integration off at once, saying why. The
    // operator adds the app back, enables the integration, and retries the delivery.
    slack.answerWith(slackIncomingWebhook);
    await page.goto(integrationUrl);
    await page.getByText("Disabled").first().waitFor();
    await page.getByRole("button", { name: "Enable", exact: true }).click();
    await page.getByRole("button", { name: "Disable", exact: true }).waitFor();
    await page.goto(deliveryUrl);
    await page.getByRole("heading", { name: "Delivery", exact: true }).waitFor();
    await page.getByRole("button", { name: "Retry", exact: true }).click();
    await expect.poll(() => attemptRows().count(), { timeout: 15_000 }).toBe(3);
    expect(await attemptRows().nth(2).textContent()).toMatch(/succeeded200\d+ ms/);
    await expect.poll(deliveryState).toContain("delivered");
    expect(slack.requests.map((request) => request.body)).toEqual(Array(3).fill(slack.requests[0]?.body));
    await readmeScreenshot(page, "delivery");
  });

  it("shows both integrations in the list with their last 24 hours", async () => {
    await page.getByRole("link", { name: "Integrations", exact: true }).click();
    const row = page.getByRole("row", { name: /SOC Slack/ });
    await expect.poll(async () => (await row.textContent()) ?? "").toMatch(/\d+(\.\d)? %/);
    await expect
      .poll(async () => (await page.getByRole("row", { name: /Platform Teams/ }).textContent()) ?? "")
      .toContain("delivered");
    await readmeScreenshot(page, "integrations");
  });

  it("gives a viewer every page to read and no control that writes", async () => {
    const viewer = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "auditor" });
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(page, gateway.url, viewer.body.key);
    expect(await page.getByText("Role: viewer").count()).toBe(1);
    await page.getByRole("link", { name: "SOC Slack" }).waitFor();
    await expectNoWriteControl(page);
    await screenshot(page, "story-viewer-integrations");

    await page.goto(integrationUrl);
    await page.getByRole("heading", { name: "SOC Slack" }).waitFor();
    await expectNoWriteControl(page);

    await page.getByRole("link", { name: "View template" }).click();
    await slackHeader()
      .filter({ hasText: / · ban of / })
      .waitFor();
    expect(await templateEditor(page).getAttribute("aria-readonly")).toBe("true");
    // The event picker and the options stay: a viewer may preview, not save.
    await expectNoWriteControl(page, { noFields: false });

    await page.getByRole("link", { name: "Deliveries", exact: true }).click();
    await page.getByRole("row", { name: /SOC Slack/ }).waitFor();
    await expectNoWriteControl(page, { noFields: false });

    await page.goto(deliveryUrl);
    await expect.poll(() => attemptRows().count()).toBe(3);
    await expectNoWriteControl(page);
    await screenshot(page, "story-viewer-delivery");
  });

  it("raised no error in the browser but the role probe's refusal of the viewer key", () => {
    const expected = /the server responded with a status of 403 /;
    expect(tab.errors.filter((error) => !expected.test(error))).toEqual([]);
    expect(tab.dialogs).toEqual([]);
  });
});
