import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab } from "../support/browser";
import { expectAccessible } from "../support/console-checks";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";

describe("flow control in the console's integration form", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let id: string;

  const field = (label: string) => page.getByLabel(label, { exact: true });
  const flowControl = () => page.getByRole("group", { name: "Flow control" });
  const stored = async () => (await gateway.api("GET", `/api/v1/webhooks/${id}`)).body;
  const save = () => page.getByRole("button", { name: "Save" }).click();

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([startTestGateway("pglite"), launchBrowser()]);
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("creates an integration with a rate limit and a grouping by data.client_ip, as the API then has them", async () => {
    await page.getByRole("link", { name: "New integration" }).click();
    await field("Name").fill("SIEM digests");
    await field("URL").fill("https://siem.example/herald");
    await field("Format").selectOption("json");
    // The labels and hints are the ones the API's schema gives.
    expect(await flowControl().getByLabel("Max in flight").getAttribute("placeholder")).toBe("16");
    await flowControl().getByRole("checkbox", { name: "Rate limit" }).check();
    await field("Per second").fill("5");
    await field("Burst").fill("10");
    // Typing into a grouping's field switches the grouping on.
    await field("Group by").fill("data.client_ip");
    expect(await flowControl().getByRole("checkbox", { name: "Grouping" }).isChecked()).toBe(true);
    await save();
    await page.getByRole("heading", { name: "SIEM digests" }).waitFor();

    id = /#\/integrations\/([0-9a-f-]{36})$/.exec(page.url())?.[1] as string;
    expect(await stored()).toMatchObject({
      rate_limit: { per_second: 5, burst: 10 },
      group: { by: ["data.client_ip"], wait_s: 30, interval_s: 300, max_events: 1000 },
      dedup: null,
      discard_after_s: null,
      state: "active",
    });
    // The saved integration's form shows what the API answered.
    expect(await field("Per second").inputValue()).toBe("5");
    expect(await field("Group by").inputValue()).toBe("data.client_ip");
    expect(await field("Wait (s)").inputValue()).toBe("30");
    expect(await flowControl().getByRole("checkbox", { name: "Deduplication" }).isChecked()).toBe(false);
  });

  it("puts a 422 on a group path or on discard_after_s beside that field", async () => {
    await field("Group by").fill("data.client_ip\nclient_ip");
    await save();
    const pathError = page.locator("#field-group-by-error");
    await pathError.waitFor();
    expect(await pathError.textContent()).toContain("must be one of type, source, severity, subject, title");
    expect(await field("Group by").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("alert").first().textContent()).toContain("refused");

    await field("Group by").fill("data.client_ip");
    await field("Discard after (s)").fill("10");
    await save();
    const discardError = page.locator("#field-discard_after_s-error");
    await discardError.waitFor();
    expect(await discardError.textContent()).toContain(
      "must be longer than the group's wait_s and interval_s",
    );
    expect(await field("Discard after (s)").getAttribute("aria-describedby")).toContain(
      "field-discard_after_s-error",
    );
    await expectAccessible(page, "flow-form-422");
    expect((await stored()).discard_after_s).toBeNull();
  });

  it("switches a setting off with null, sending only what changed", async () => {
    await field("Discard after (s)").fill("");
    await flowControl().getByRole("checkbox", { name: "Rate limit" }).uncheck();
    expect(await field("Per second").inputValue()).toBe("");
    const [put] = await Promise.all([page.waitForRequest((request) => request.method() === "PUT"), save()]);
    expect(put.postDataJSON()).toEqual({ rate_limit: null });
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect(await stored()).toMatchObject({ rate_limit: null, group: { by: ["data.client_ip"] } });
  });

  it("Pause and Resume hold and release the integration's deliveries", async () => {
    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Resume" }).waitFor();
    expect((await stored()).state).toBe("paused");
    expect(await page.locator(".badge").textContent()).toBe("Paused");
    expect(await field("State").inputValue()).toBe("paused");

    await page.getByRole("link", { name: "Integrations" }).click();
    const row = page.getByRole("row", { name: /SIEM digests/ });
    expect(await row.locator(".badge").first().textContent()).toBe("Paused");
    await row.getByRole("link").click();

    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("button", { name: "Pause" }).waitFor();
    expect((await stored()).state).toBe("active");
    expect(await page.locator(".badge").textContent()).toBe("Active");
  });
});
