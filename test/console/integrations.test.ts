import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

describe("integrations in the console", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let id: string;

  const stored = async () => (await gateway.api("GET", `/api/v1/webhooks/${id}`)).body;

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(),
      launchBrowser(),
    ]);
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("creates a Slack integration from the form, its options and destination settings included", async () => {
    await page.getByRole("link", { name: "New integration" }).click();
    await field(page, "Name").fill("SOC Slack");
    await field(page, "URL").fill(receiver.url);
    await field(page, "Format").selectOption("slack");
    await field(page, "Event types").fill("auto_ban\nauth.*");
    await field(page, "Minimum severity").selectOption("high");
    await field(page, "Secret").fill("console-signing-secret");
    await field(page, "Max fields").fill("5");
    await page.getByRole("group", { name: "Auth" }).getByLabel("Type").selectOption("bearer");
    await field(page, "Token").fill("downstream-token-1");
    await screenshot(page, "integration-new");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "SOC Slack" }).waitFor();
    expect(await page.getByRole("status").first().textContent()).toContain("created");

    id = /#\/integrations\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
    expect(await stored()).toMatchObject({
      name: "SOC Slack",
      url: receiver.url,
      format: "slack",
      event_types: ["auto_ban", "auth.*"],
      min_severity: "high",
      options: { max_fields: 5 },
      destination: { kind: "http", auth: { type: "bearer" } },
      is_active: true,
      has_secret: true,
    });
    // Write-only values come back as empty fields.
    expect(await field(page, "Secret").inputValue()).toBe("");
    expect(await field(page, "Token").inputValue()).toBe("");
  });

  it("Send test shows the receiver's status, body excerpt and duration", async () => {
    receiver.answerWith(() => ({ status: 202, body: '{"ok":true,"note":"queued by the receiver"}' }));
    await page.getByRole("button", { name: "Send test" }).click();
    const result = page.locator(".test-result");
    await result.waitFor();
    const text = await result.textContent();
    expect(text).toMatch(/Test delivered: the receiver answered 202 in \d+ ms\./);
    expect(text).toContain("queued by the receiver");
    const [request] = (await receiver.waitFor(1)).slice(-1);
    expect(request?.headers.authorization).toBe("Bearer downstream-token-1");
    expect(request?.headers["x-webhook-signature"]).toBeTruthy();
    await screenshot(page, "integration-sent-test");
  });

  it("saves an edit with PUT and only the changed fields, keeping the stored write-only values", async () => {
    await field(page, "Name").fill("SOC Slack (night)");
    const [put] = await Promise.all([
      page.waitForRequest((request) => request.method() === "PUT"),
      page.getByRole("button", { name: "Save" }).click(),
    ]);
    expect(put.postDataJSON()).toEqual({ name: "SOC Slack (night)" });
    await page.getByRole("heading", { name: "SOC Slack (night)" }).waitFor();
    await page.getByRole("button", { name: "Send test" }).click();
    await receiver.waitFor(2);
    expect(receiver.requests[1]?.headers.authorization).toBe("Bearer downstream-token-1");
  });

  it("puts a 422's message beside the field it names", async () => {
    await field(page, "URL").fill("ftp://files.example/drop");
    await page.getByRole("button", { name: "Save" }).click();
    const message = page.locator("#field-url-error");
    await message.waitFor();
    expect(await message.textContent()).toContain("scheme must be one of");
    expect(await field(page, "URL").getAttribute("aria-invalid")).toBe("true");
    expect(await field(page, "URL").getAttribute("aria-describedby")).toContain("field-url-error");
    expect(await page.getByRole("alert").first().textContent()).toContain("refused");
    await screenshot(page, "integration-422");
    expect((await stored()).url).toBe(receiver.url);
    await field(page, "URL").fill(receiver.url);
  });

  it("follows the chosen format and URL with the fields their schemas describe", async () => {
    await field(page, "Format").selectOption("cef");
    await page.getByRole("group", { name: "Format options (cef)" }).waitFor();
    expect(await field(page, "Device vendor").getAttribute("placeholder")).toBe("Herald");
    expect(await field(page, "Max fields").count()).toBe(0);
    await field(page, "URL").fill("udp://127.0.0.1:5514");
    expect(await field(page, "Destination").inputValue()).toBe("syslog");
    await page.getByRole("group", { name: "Destination settings (syslog)" }).getByLabel("Framing").waitFor();
    // Back as it was, unsaved changes dropped.
    await page.reload();
    await page.getByRole("group", { name: "Format options (slack)" }).waitFor();
  });

  it("lists the integration with its format, destination, state and last delivery", async () => {
    await page.getByRole("link", { name: "Integrations" }).click();
    const row = page.getByRole("row", { name: /SOC Slack \(night\)/ });
    await expect.poll(() => row.textContent()).toContain("delivered");
    const text = await row.textContent();
    for (const part of ["slack", "http", receiver.url, "Active", "202"]) expect(text).toContain(part);
    await screenshot(page, "integrations");
    await row.getByRole("link").click();
  });

  it("Disable and Enable switch the integration off and on", async () => {
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("button", { name: "Enable" }).waitFor();
    expect(await page.locator(".badge", { hasText: "Disabled" }).count()).toBe(1);
    expect((await stored()).is_active).toBe(false);
    await page.getByRole("button", { name: "Enable" }).click();
    await page.getByRole("button", { name: "Disable" }).waitFor();
    expect((await stored()).is_active).toBe(true);
  });

  it("Delete asks first: Cancel (or Escape) keeps the integration, Delete removes it", async () => {
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this integration?" });
    await dialog.waitFor();
    await screenshot(page, "integration-delete");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Delete" }).click();
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await gateway.api("GET", `/api/v1/webhooks/${id}`)).status).toBe(200);

    await page.getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Integrations" }).waitFor();
    expect(await page.getByRole("status").first().textContent()).toContain("deleted");
    expect((await gateway.api("GET", `/api/v1/webhooks/${id}`)).status).toBe(404);
  });
});
