import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { expectAccessible, expectNothingRan as expectNothingRanIn } from "../support/console-checks";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import {
  docsScreenshot,
  replaceTemplate,
  setOptions,
  splitTable,
  templateEditor,
  useOwnEvent,
  workbench,
} from "../support/workbench";

// Event data is hostile: markup, script links, Handlebars and markdown must show as the text
// they are in every preview, run nothing and add no element.
const HOSTILE = {
  type: "auto_ban",
  source: "<script>window.__xss='source';alert('source')</script>",
  severity: "critical",
  title: `<img src=x onerror="window.__xss='title';alert('title')"> **bold** {{constructor}}`,
  data: {
    client_ip: "203.0.113.9",
    link: "javascript:alert('link')",
    note: "<b>bold</b> <https://evil.example|trusted> <!channel>",
    reason: "[click](javascript:alert('md')) {{#each this}}x{{/each}}",
  },
};

/** An event with more fields than one Slack message holds at five a section (50 blocks). */
const MANY_FIELDS = {
  type: "hit",
  source: "wallarm",
  title: "A hit with 300 fields",
  data: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`field_${i}`, `value ${i}`])),
};

describe("the workbench's previews", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let teamsId: string;
  let cefId: string;
  let viewerKey: string;

  /** Nothing ran and nothing was injected: no dialog, no flag, no element the console never makes. */
  async function expectNothingRan() {
    await expectNothingRanIn(tab);
    // Previews draw links from event data as inert text, never as links.
    expect(await page.locator("main a[href^='http' i]").count()).toBe(0);
  }

  beforeAll(async () => {
    [gateway, browser] = await Promise.all([startTestGateway("pglite"), launchBrowser()]);
    const teams = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SOC Teams",
      url: "http://127.0.0.1:9/hook",
      format: "teams",
      event_types: ["hit"],
    });
    const cef = await gateway.api("POST", "/api/v1/webhooks", {
      name: "QRadar",
      url: "tcp://127.0.0.1:9",
      format: "cef",
      event_types: ["hit"],
    });
    const viewer = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "auditor" });
    expect([teams.status, cef.status, viewer.status]).toEqual([201, 201, 201]);
    [teamsId, cefId, viewerKey] = [teams.body.id, cef.body.id, viewer.body.key];
    // The event pickers start at the newest stored event.
    expect((await gateway.api("POST", "/api/v1/events", rawFixture("wallarm-hit-sqli"))).status).toBe(202);
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN, `#/integrations/${teamsId}/template`);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("draws a Teams message with Microsoft's Adaptive Card renderer", async () => {
    // .ac-adaptiveCard and .ac-factset are the adaptivecards renderer's own elements.
    const card = workbench(page).locator(".teams-card .ac-adaptiveCard");
    await card.filter({ hasText: "SQL injection attempt on example.com" }).waitFor();
    const facts = await card.locator(".ac-factset").first().textContent();
    expect(facts).toContain("Source IP");
    expect(facts).toContain("111.17.1.1");
    expect(await workbench(page).locator(".card-problems").count()).toBe(0);
    await expectAccessible(page, "workbench-teams");
    await docsScreenshot(page, "workbench-teams");
    await page.setViewportSize({ width: 1024, height: 800 });
  });

  it("splits a CEF line sent over syslog into its fields as a SIEM does", async () => {
    await page.goto(`${gateway.url}/#/integrations/${cefId}/template`);
    await page.locator("table.split caption", { hasText: "CEF extension" }).waitFor();
    expect(await splitTable(page, "Syslog header (RFC 5424)")).toMatchObject({
      PRI: "131",
      VERSION: "1",
      TIMESTAMP: "2020-06-04T09:02:47.000Z",
      "APP-NAME": "herald",
      MSGID: "hit",
    });
    expect(await splitTable(page, "CEF header")).toEqual({
      Version: "0",
      "Device Vendor": "Herald",
      "Device Product": "Herald",
      "Device Version": "1.0",
      "Device Event Class ID": "hit",
      Name: "SQL injection attempt on example.com",
      Severity: "8",
    });
    const extension = await splitTable(page, "CEF extension");
    expect(extension).toMatchObject({ src: "111.17.1.1", spt: "41616", request: "/", requestMethod: "GET" });
    // "\=" in the line is "=" in the value, as the SIEM reads it.
    expect(JSON.parse(extension.msg as string)["data.payloads.0"]).toBe("'or 1=1--");
    await screenshot(page, "workbench-cef");
  });

  it("shows the warnings of what was cut to fit Slack's limits", async () => {
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByLabel("Format", { exact: true }).selectOption("slack");
    const warnings = workbench(page).locator(".preview-warnings");
    await warnings.filter({ hasText: "21 left out, max_fields is 10" }).waitFor();
    expect(await workbench(page).locator(".slack-fields").textContent()).toContain("+21 more");
    await expectAccessible(page, "workbench-slack-warnings");
  });

  it("shows each message of a split one, in order", async () => {
    await setOptions(page, '{"limit_policy": "split", "max_fields": 5}');
    await useOwnEvent(page, MANY_FIELDS);
    const headings = workbench(page).locator(".preview-message h3");
    await headings.filter({ hasText: "Message 2 of 2" }).waitFor();
    expect(await headings.allTextContents()).toEqual(["Message 1 of 2", "Message 2 of 2"]);
    const second = workbench(page).locator(".preview-message").nth(1);
    expect(await second.locator(".slack-context").first().textContent()).toBe("part 2 of 2");
  });

  it("refuses options that are not JSON beside the field, before asking the API", async () => {
    await setOptions(page, '{"limit_policy": ');
    await page.locator("#workbench-options-error").waitFor();
    expect(await page.locator("#workbench-options-error").textContent()).toContain("is not valid JSON");
    await setOptions(page, '{"max_fields": 99}');
    // The API's own refusal, beside the same field.
    await page
      .locator("#workbench-options-error", { hasText: "a Slack section holds at most 10 fields" })
      .waitFor();
    await setOptions(page, "{}");
  });

  for (const format of ["slack", "teams", "cef", "json"]) {
    it(`shows hostile event data as text in the ${format} preview`, async () => {
      await page.getByLabel("Format", { exact: true }).selectOption(format);
      await useOwnEvent(page, HOSTILE);
      const preview = workbench(page).locator(".preview-pane");
      await preview.locator(".preview-message").filter({ hasText: HOSTILE.data.client_ip }).waitFor();
      expect(await preview.textContent()).toContain(HOSTILE.source);
      if (format === "slack") {
        expect(await preview.locator(".slack-header").textContent()).toBe(HOSTILE.title);
        expect(await preview.locator(".slack-fields").textContent()).toContain(HOSTILE.data.note);
        expect(await preview.locator(".slack-link").count()).toBe(0);
      } else if (format === "teams") {
        // Markdown stays as typed: the renderer is given no markdown processor.
        await preview.locator(".ac-adaptiveCard").getByText(HOSTILE.title, { exact: true }).waitFor();
        expect(await preview.locator(".teams-card :is(strong, em, a)").count()).toBe(0);
      } else if (format === "cef") {
        expect((await splitTable(page, "CEF header")).Name).toBe(HOSTILE.title);
        expect((await splitTable(page, "CEF extension")).sourceServiceName).toBe(HOSTILE.source);
      } else {
        const { type, ...fields } = HOSTILE;
        const shown = JSON.parse((await preview.locator("pre.json").textContent()) ?? "");
        expect(shown).toMatchObject({ event_type: type, ...fields });
      }
      await screenshot(page, `workbench-hostile-${format}`);
      await expectNothingRan();
    });
  }

  it("leaves a javascript: link out of the buttons, with a warning", async () => {
    await page.getByLabel("Format", { exact: true }).selectOption("teams");
    await useOwnEvent(page, HOSTILE);
    const warnings = workbench(page).locator(".preview-warnings");
    await warnings.filter({ hasText: "data.link: left out" }).waitFor();
    expect(await workbench(page).locator(".ac-pushButton").count()).toBe(0);
  });

  it("gives a viewer a read-only editor and no Save", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(page, gateway.url, viewerKey, `#/integrations/${teamsId}`);
    await page.getByRole("link", { name: "View template" }).click();
    await workbench(page).locator(".teams-card .ac-adaptiveCard").waitFor();
    expect(await templateEditor(page).getAttribute("aria-readonly")).toBe("true");
    expect(await workbench(page).getByRole("button", { name: "Save" }).count()).toBe(0);
    expect(await workbench(page).getByRole("button", { name: "Reset to default" }).count()).toBe(0);
    const before = await templateEditor(page).textContent();
    await replaceTemplate(page, "{}");
    expect(await templateEditor(page).textContent()).toBe(before);
    await expectAccessible(page, "workbench-viewer");
  });

  it("raised no error in the browser but the API's refusals", () => {
    // Chromium logs every 4xx answer: the previews refused above and the role probe's 403.
    const expected = /the server responded with a status of (422|403) /;
    expect(tab.errors.filter((error) => !expected.test(error))).toEqual([]);
  });
});
