import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { startTestGateway, type TestGateway } from "../support/gateway";

describe("logging in to the console", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let tab: ConsoleTab;
  /** Every URL the page asked for, to show the key never travels in one. */
  const requested: string[] = [];

  const newKey = async (role: string, name: string): Promise<{ id: string; key: string }> =>
    (await gateway.api("POST", "/api/v1/keys", { role, name })).body;
  // Strings: the tests are type-checked without the DOM's types, which the server must not see.
  const sessionItems = () => tab.page.evaluate("Object.values(sessionStorage)");

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([startTestGateway("pglite"), launchBrowser()]);
    tab = await openTab(browser);
    tab.page.on("request", (request) => requested.push(request.url()));
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("refuses a key the API does not know, says so, and keeps nothing", async () => {
    const { page } = tab;
    // For the record, not a limit: the first load bundles the console, the next is what a user sees.
    for (const load of ["first (bundling)", "next"]) {
      const started = performance.now();
      await page.goto(`${gateway.url}/`);
      await page.getByLabel("API key").waitFor();
      console.log(
        `console login page interactive, ${load} load: ${Math.round(performance.now() - started)} ms`,
      );
    }
    await screenshot(page, "login");
    await page.getByLabel("API key").fill("hk_not-a-key");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("does not know this key (401");
    expect(await sessionItems()).toEqual([]);
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
  });

  it("keeps the key in sessionStorage only: not in localStorage, a cookie or a URL", async () => {
    const { key } = await newKey("admin", "console-login");
    await logIn(tab.page, gateway.url, key);
    await tab.page.getByRole("heading", { name: "Integrations" }).waitFor();
    expect(await sessionItems()).toEqual([key]);
    expect(await tab.page.evaluate("localStorage.length")).toBe(0);
    expect(await tab.context.cookies()).toEqual([]);
    expect(tab.page.url()).not.toContain(key);
    expect(requested.filter((url) => url.includes(key))).toEqual([]);
    expect(requested.some((url) => url.endsWith("/api/v1/webhooks"))).toBe(true);
  });

  it("stays logged in across a reload of the tab", async () => {
    await tab.page.reload();
    await tab.page.getByRole("heading", { name: "Integrations" }).waitFor();
    expect(await tab.page.getByText("Role: admin").count()).toBe(1);
  });

  it("forgets the key on Log out", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await sessionItems()).toEqual([]);
    await page.reload();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
  });

  it("returns to the login page with a message when the API answers 401 (the key revoked meanwhile)", async () => {
    const { page } = tab;
    const { id, key } = await newKey("viewer", "soon-revoked");
    await logIn(page, gateway.url, key);
    expect(await page.getByText("Role: viewer").count()).toBe(1);
    expect((await gateway.api("DELETE", `/api/v1/keys/${id}`)).status).toBe(204);
    // The next page asks the API for something: the answer is 401.
    await page.evaluate("location.hash = '#/integrations/new'");
    await page.getByLabel("API key").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("refused the key (401)");
    expect(await sessionItems()).toEqual([]);
  });

  it("turns an ingest key away: it may only post events", async () => {
    const { page } = tab;
    const { key } = await newKey("ingest", "waf");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("ingest key");
    expect(await sessionItems()).toEqual([]);
  });
});
