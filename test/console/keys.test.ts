import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";

describe("API keys in the console", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let created: string;

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([startTestGateway("pglite"), launchBrowser()]);
    tab = await openTab(browser);
    page = tab.page;
    await tab.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway.url });
    await logIn(page, gateway.url, ADMIN_TOKEN);
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys" }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("creates a key with a role and a name, and shows it once with a copy button", async () => {
    await page.getByLabel("Name", { exact: true }).fill("ci-reader");
    await page.getByLabel("Role").selectOption("viewer");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByLabel("API key", { exact: true });
    await shown.waitFor();
    created = await shown.inputValue();
    expect(created).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByText("Copied.").waitFor();
    // A string: the tests are type-checked without the DOM's types, which the server must not see.
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(created);
    await screenshot(page, "keys-created");

    // The key is real, with the role asked for.
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, created)).status).toBe(200);
    expect((await gateway.api("GET", "/api/v1/keys", undefined, created)).status).toBe(403);
  });

  it("lists keys by name, role and prefix, never the key itself once the page is left", async () => {
    const row = page.getByRole("row", { name: /ci-reader/ });
    expect(await row.textContent()).toContain("viewer");
    expect(await row.textContent()).toContain(created.slice(0, 10));
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("link", { name: "API keys" }).click();
    await row.waitFor();
    expect(await page.content()).not.toContain(created);
    await screenshot(page, "keys");
  });

  it("revokes a key after asking, and the key stops working", async () => {
    await page.getByRole("button", { name: "Revoke ci-reader" }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke this key?" });
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("row", { name: /ci-reader/ }).waitFor({ state: "detached" });
    expect(await page.getByRole("status").first().textContent()).toContain("revoked");
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, created)).status).toBe(401);
  });

  it("says why when the API refuses a key", async () => {
    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByRole("button", { name: "Create key" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("name");
  });
});
