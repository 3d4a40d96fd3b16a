import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectAccessible, expectNothingRan } from "../support/console-checks";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { setOptions, useOwnEvent, workbench } from "../support/workbench";

// The workbench draws a Discord message as Discord draws its embeds. Herald escapes every event
// text for Discord, so markdown, masked links and mentions in event data show as typed.

const HOSTILE = {
  type: "auto_ban",
  source: "<script>window.__xss='source';alert('source')</script>",
  severity: "critical",
  title: `<img src=x onerror="window.__xss='title';alert('title')"> **bold** _it_ \`code\` {{constructor}}`,
  data: {
    client_ip: "203.0.113.9",
    link: "javascript:alert('link')",
    note: "[click](javascript:alert('md')) @everyone <@&123456789012345678> ~~gone~~",
    reason: "<b>bold</b> see https://evil.example/report for more",
  },
};

describe("the workbench's Discord preview", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;

  const embed = () => workbench(page).locator(".discord-embed");
  /** The fields of the embed by row: each row's fields as "name: value". */
  const fieldRows = async () => {
    const rows: string[][] = [];
    for (const row of await embed().locator(".discord-fields-row").all()) {
      const fields: string[] = [];
      for (const field of await row.locator(".discord-field").all()) {
        const name = await field.locator(".discord-field-name").textContent();
        fields.push(`${name}: ${await field.locator(".discord-field-value").textContent()}`);
      }
      rows.push(fields);
    }
    return rows;
  };

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([startTestGateway("pglite"), launchBrowser()]);
    // The event pickers start at the newest stored event.
    expect(
      (await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-auto-ban"))).status,
    ).toBe(202);
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN, "#/templates/discord");
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("draws the embed: colour bar, author, title, inline fields three a row, footer and time", async () => {
    await embed().locator(".discord-title", { hasText: "192.168.1.100 auto-banned for 1h" }).waitFor();
    expect(await workbench(page).locator(".discord-sender").textContent()).toBe("Herald APP");
    expect(await embed().locator(".discord-author").textContent()).toBe("website-defender");
    // High severity: Discord's orange (0xe67e22), set by the format.
    expect(await embed().getAttribute("style")).toBe("border-left-color: rgb(230, 126, 34);");
    expect(await fieldRows()).toEqual([
      ["Source IP: 192.168.1.100", "Reason: excessive 4xx responses", "Severity: HIGH"],
      ["Type: auto_ban", "Event ID: wd-2026-02-20-000123"],
      // A field that is not inline has a row of its own.
      ["banned_for: 1h"],
    ]);
    const footer = embed().locator(".discord-footer");
    expect(await footer.textContent()).toMatch(/^Herald • \S/);
    expect(await footer.locator("time").getAttribute("datetime")).toBe("2026-02-20T10:30:00.000Z");
    // The body pretty-printed below the drawing: Herald escaped the "-" that Discord (and the
    // drawing above) shows as it is.
    await workbench(page).getByText("Body as JSON").click();
    expect(JSON.parse((await workbench(page).locator("pre.json").textContent()) ?? "")).toMatchObject({
      embeds: [{ title: "192.168.1.100 auto\\-banned for 1h", color: 0xe67e22 }],
    });
    await expectAccessible(page, "workbench-discord");
  });

  it("shows a configured mention in the content as Discord does", async () => {
    await setOptions(page, '{"mention": "<@&123456789012345678>", "mention_severity": "high"}');
    const mention = workbench(page).locator(".discord-content .discord-mention");
    await mention.waitFor();
    expect(await mention.textContent()).toBe("@role 123456789012345678");
    await setOptions(page, "{}");
    await mention.waitFor({ state: "detached" });
  });

  it("shows hostile event data as the text it is, with nothing run and no link to follow", async () => {
    await useOwnEvent(page, HOSTILE);
    const title = embed().locator(".discord-title");
    await title.filter({ hasText: "constructor" }).waitFor();
    // Herald's escapes are honoured: the markdown shows as typed.
    expect(await title.textContent()).toBe(HOSTILE.title);
    expect(await embed().locator(".discord-author").textContent()).toBe(HOSTILE.source);
    const text = (await embed().textContent()) ?? "";
    expect(text).toContain("[click](javascript:alert('md'))");
    expect(text).toContain("~~gone~~");
    expect(await embed().locator(":is(strong, em, s, u, code, pre)").count()).toBe(0);
    // Mentions in event data are broken by the format: text, not mentions.
    expect(await embed().locator(".discord-mention").count()).toBe(0);
    // The URL Herald leaves for Discord to link is an inert look-alike of a link.
    const link = embed().locator(".discord-link", { hasText: "https://evil.example/report" });
    expect(await link.getAttribute("title")).toBe("https://evil.example/report");
    expect(await page.locator("main a[href^='http' i]").count()).toBe(0);
    // Critical: Discord's red.
    expect(await embed().getAttribute("style")).toBe("border-left-color: rgb(231, 76, 60);");
    await screenshot(page, "workbench-hostile-discord");
    await expectNothingRan(tab);
    await expectAccessible(page, "workbench-discord-hostile");
  });

  it("raised no error in the browser: no Content-Security-Policy violation, no failed request", () => {
    expect(tab.errors).toEqual([]);
  });
});
