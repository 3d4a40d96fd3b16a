import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectNothingRan } from "../support/console-checks";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

// Names, headers, options and receivers' answers are data: each of these must show as the text
// it is, run nothing and add no element.
const IMG_NAME = `<img src=x onerror="window.__xss='name';alert('name')">`;
const SCRIPT_NAME = `<script>window.__xss='script';alert('script')</script>`;
const HEADER = `"><img src=x onerror="alert('header')">`;
const LINK = "javascript:alert('link')";
const ANSWER = `<script>alert('receiver')</script><img src=x onerror="alert('receiver')">`;
const KEY_NAME = `<img src=x onerror="alert('key')">`;

describe("hostile data in the console", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let id: string;

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(() => ({ status: 500, headers: { "content-type": "text/html" }, body: ANSWER })),
      launchBrowser(),
    ]);
    const hostile = await gateway.api("POST", "/api/v1/webhooks", {
      name: IMG_NAME,
      url: `${receiver.url}?next=${encodeURIComponent(LINK)}`,
      format: "slack",
      headers: { "X-Note": HEADER, "X-Link": LINK },
    });
    const second = await gateway.api("POST", "/api/v1/webhooks", { name: SCRIPT_NAME, url: receiver.url });
    const key = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: KEY_NAME });
    expect([hostile.status, second.status, key.status]).toEqual([201, 201, 201]);
    id = hostile.body.id;
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("shows hostile integration names in the list as typed", async () => {
    await page.getByRole("link", { name: IMG_NAME, exact: true }).waitFor();
    expect(await page.getByRole("link", { name: SCRIPT_NAME, exact: true }).isVisible()).toBe(true);
    await expectNothingRan(tab);
  });

  it("shows hostile headers in the form as their text", async () => {
    await page.getByRole("link", { name: IMG_NAME, exact: true }).click();
    await page.getByRole("heading", { name: IMG_NAME, exact: true }).waitFor();
    // The store keeps JSON keys in its own order.
    const headers = (await page.getByLabel("Headers").inputValue()).split("\n").sort();
    expect(headers).toEqual([`X-Link: ${LINK}`, `X-Note: ${HEADER}`]);
    await expectNothingRan(tab);
  });

  it("refuses a javascript: link template beside its field, running nothing", async () => {
    await page.getByLabel("Link template").fill(LINK);
    await page.getByLabel("Fields", { exact: true }).fill(SCRIPT_NAME);
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#field-options-link_template-error").waitFor();
    expect(await page.locator("#field-options-fields-error").textContent()).toContain("must be a path");
    expect(await page.getByLabel("Fields", { exact: true }).inputValue()).toBe(SCRIPT_NAME);
    await expectNothingRan(tab);
    await page.reload();
    await page.getByRole("heading", { name: IMG_NAME, exact: true }).waitFor();
  });

  it("shows a receiver's hostile answer to Send test as text", async () => {
    await page.getByRole("button", { name: "Send test" }).click();
    await page.locator(".test-result pre").waitFor();
    expect(await page.locator(".test-result pre").textContent()).toBe(ANSWER);
    expect(await page.locator(".test-result").textContent()).toContain("answered 500");
    await screenshot(page, "xss-integration");
    await expectNothingRan(tab);
  });

  it("shows hostile names as text to a viewer too (who sees header values masked)", async () => {
    const viewer = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "auditor" });
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(page, gateway.url, viewer.body.key, `#/integrations/${id}`);
    await page.getByRole("heading", { name: IMG_NAME, exact: true }).waitFor();
    expect(await page.locator("main").textContent()).toContain(`Name${IMG_NAME}URL`);
    expect(await page.locator("main").textContent()).toContain("X-Link: ********");
    await expectNothingRan(tab);
    await page.getByRole("button", { name: "Log out" }).click();
  });

  it("shows a hostile API key name as typed", async () => {
    await logIn(page, gateway.url, ADMIN_TOKEN, "#/keys");
    await page.getByRole("cell", { name: KEY_NAME, exact: true }).waitFor();
    await expectNothingRan(tab);
  });
});
