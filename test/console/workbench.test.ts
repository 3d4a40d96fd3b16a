import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab, screenshot } from "../support/browser";
import { rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { docsScreenshot, replaceTemplate, templateEditor, workbench } from "../support/workbench";

// A Slack template written in the workbench: the header on a line of its own, so that a test can
// type into it.
const SMALL_TEMPLATE = [
  "{{!-- On-call message --}}",
  '{"text": "{{mrkdwn title}}", "blocks": [',
  '{"type": "header", "text": {"type": "plain_text", "text":',
  '"On call"',
  "}},",
  '{"type": "section", "text": {"type": "mrkdwn", "text": "*{{mrkdwn title}}*{{#if source}} from {{mrkdwn source}}{{/if}}"}}',
  "]}",
].join("\n");

/**
 * Text of the default Slack template (templates/slack.hbs): its header comment, or its message
 * below it. The editor draws only the lines in view, and the view may be at either.
 */
const DEFAULT_TEMPLATE_TEXT =
  /Slack incoming webhook, Block Kit|"text": "\{\{slackMention severity options\}\}/;
const BROKEN_TEMPLATE = '{\n"text": "{{title}}",\n"x": "{{mrkdwn title =}}"\n}';

describe("the template workbench, for a Slack integration", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let id: string;

  const header = () => workbench(page).locator(".slack-header");

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(),
      launchBrowser(),
    ]);
    const created = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SOC Slack",
      url: receiver.url,
      format: "slack",
      event_types: ["auto_ban", "brute_force"],
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN, `#/integrations/${id}`);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("opens from the integration's page with the format's template, highlighted as Handlebars", async () => {
    await page.getByRole("link", { name: "Edit template" }).click();
    await workbench(page).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Template: SOC Slack");
    expect(await templateEditor(page).textContent()).toContain("Slack incoming webhook, Block Kit");
    // The sample of the integration's first event type, drawn as Slack draws it.
    await header().filter({ hasText: "Sample auto_ban event" }).waitFor();
    expect(await page.getByLabel("Event", { exact: true }).inputValue()).toBe("sample:auto_ban");
    expect(await workbench(page).locator(".slack-fields").textContent()).toContain("Source IP\n203.0.113.7");
  });

  it("previews a recent event from the store, as Slack would show it", async () => {
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-auto-ban"));
    await page.reload();
    await header().filter({ hasText: "192.168.1.100 auto-banned for 1h" }).waitFor();
    const picker = page.getByLabel("Event", { exact: true });
    expect(await picker.inputValue()).toBe("recent:0");
    expect(await picker.locator("option:checked").textContent()).toMatch(
      /^auto_ban · website-defender · 192\.168\.1\.100 auto-banned for 1h · /,
    );
    const section = await workbench(page).locator(".slack-section").first().textContent();
    expect(section).toContain("Reason\nexcessive 4xx responses");
    await docsScreenshot(page, "workbench-slack");
    await page.setViewportSize({ width: 1024, height: 800 });
  });

  it("follows typing: the preview shows each change of the template", async () => {
    await page.getByLabel("Event", { exact: true }).selectOption("sample:brute_force");
    await replaceTemplate(page, SMALL_TEMPLATE);
    await header()
      .filter({ hasText: /^On call$/ })
      .waitFor();
    // Comments, block keywords, helpers, paths and braces each get their highlight.
    const highlighted = async (token: string) =>
      templateEditor(page).locator(`.hb-${token}`).allTextContents();
    expect(await highlighted("comment")).toEqual(["{{!-- On-call message --}}"]);
    expect(await highlighted("keyword")).toEqual(["#", "/"]);
    expect(await highlighted("helper")).toEqual(["mrkdwn", "mrkdwn", "if", "mrkdwn", "if"]);
    expect(await highlighted("path")).toEqual(["title", "title", "source", "source"]);
    // Into the header's text, before its closing quote, one key at a time.
    await page.locator(".cm-line", { hasText: '"On call"' }).click();
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.type(": {{title}}");
    await header()
      .filter({ hasText: /^On call: Sample brute_force event$/ })
      .waitFor();
    expect(await workbench(page).locator(".slack-text").first().textContent()).toBe(
      "Sample brute_force event from herald.sample",
    );
    // The bold is mrkdwn made into an element, not HTML.
    expect(await workbench(page).locator(".slack-text strong").textContent()).toBe(
      "Sample brute_force event",
    );
    await screenshot(page, "workbench-typed");
  });

  it("marks a broken template at its line and column, and goes there", async () => {
    await replaceTemplate(page, BROKEN_TEMPLATE);
    const errors = page.locator(".template-errors");
    await errors.filter({ hasText: "Template error at line 3, column 23" }).waitFor();
    expect(await templateEditor(page).locator(".cm-template-error-line").textContent()).toBe(
      '"x": "{{mrkdwn title =}}"',
    );
    expect(await templateEditor(page).locator(".cm-template-error").textContent()).toBe("}");
    // The last preview that rendered stays, marked as not current.
    expect(await workbench(page).getByText("Not updated: see the error").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Go to line 3" }).click();
    expect(await page.locator(".template-editor .cm-content:focus").count()).toBe(1);
    await screenshot(page, "workbench-error");
  });

  it("compares the template with the format's default", async () => {
    await page.getByRole("button", { name: "Compare with default" }).click();
    const diff = page.locator(".diff");
    expect(await diff.textContent()).toMatch(/Against the default: \d+ lines? added, \d+ removed\./);
    expect(await diff.locator(".diff-added").allTextContents()).toContain('+ "x": "{{mrkdwn title =}}"\n');
    await page.getByRole("button", { name: "Compare with default" }).click();
    expect(await diff.count()).toBe(0);
  });

  it("saves the template to the integration, which then sends it", async () => {
    await replaceTemplate(page, SMALL_TEMPLATE.replace('"On call"', '"On call: {{title}}"'));
    await header()
      .filter({ hasText: /^On call: Sample brute_force event$/ })
      .waitFor();
    expect(await page.getByText("Unsaved changes").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Template saved." }).waitFor();
    const stored = await gateway.api("GET", `/api/v1/webhooks/${id}`);
    expect(stored.body.template).toBe(SMALL_TEMPLATE.replace('"On call"', '"On call: {{title}}"'));
    expect(await page.getByText("Unsaved changes").count()).toBe(0);

    // The event above went out with the default template; a new one goes out with the saved one.
    await receiver.waitFor(1);
    await gateway.api("POST", "/api/v1/events", {
      ...rawFixture("website-defender-auto-ban"),
      id: "wd-next",
    });
    const request = (await receiver.waitFor(2))[1];
    expect(JSON.parse(request?.body ?? "{}").blocks[0].text.text).toBe(
      "On call: 192.168.1.100 auto-banned for 1h",
    );
  });

  it("shows a save the API refuses at the template's line", async () => {
    await replaceTemplate(page, BROKEN_TEMPLATE);
    await page.locator(".template-errors", { hasText: "line 3, column 23" }).waitFor();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").filter({ hasText: "Not saved: the API refused the template" }).waitFor();
    expect(await page.locator(".template-errors").textContent()).toContain("line 3, column 23");
    expect((await gateway.api("GET", `/api/v1/webhooks/${id}`)).body.template).toContain(
      "On call: {{title}}",
    );
  });

  it("resets to the format's default, and saves that as no template of its own", async () => {
    await page.getByRole("button", { name: "Reset to default" }).click();
    await header().filter({ hasText: "Sample brute_force event" }).waitFor();
    expect(await templateEditor(page).textContent()).toMatch(DEFAULT_TEMPLATE_TEXT);
    // The reset is one change: undone and redone from the keyboard.
    await templateEditor(page).focus();
    await page.keyboard.press("Control+Z");
    expect(await templateEditor(page).textContent()).toBe(BROKEN_TEMPLATE.replaceAll("\n", ""));
    await page.keyboard.press("Control+Y");
    expect(await templateEditor(page).textContent()).toMatch(DEFAULT_TEMPLATE_TEXT);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Template saved." }).waitFor();
    expect((await gateway.api("GET", `/api/v1/webhooks/${id}`)).body.template).toBeNull();
  });

  it("raised no error in the browser but the API's refusals", () => {
    // Chromium logs every 4xx answer: the 422s asked for above and the role probe's 403.
    const expected = /the server responded with a status of (422|403) /;
    expect(tab.errors.filter((error) => !expected.test(error))).toEqual([]);
    expect(tab.dialogs).toEqual([]);
  });
});
