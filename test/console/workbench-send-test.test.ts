import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleTab, launchBrowser, logIn, openTab } from "../support/browser";
import { expectAccessible, expectNothingRan } from "../support/console-checks";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { subscribe } from "../support/subscriptions";
import { replaceTemplate, workbench } from "../support/workbench";

const SAVED_TEMPLATE = '{"saved": {{json title}} }';
const BEARER_TOKEN = "bearer-token-Zp3Lk8Qw1";
const HEADER_SECRET = "header-secret-Mv6Rt2Yx9";
/** Markup in what was sent: the console must show it as text. */
const HOSTILE = "<img src=x onerror=window.__xss=1>";

describe("Send test from the workbench, with the template as typed", () => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let browser: Browser;
  let tab: ConsoleTab;
  let page: Page;
  let id: string;

  beforeAll(async () => {
    [gateway, receiver, browser] = await Promise.all([
      startTestGateway("pglite"),
      startReceiver(() => ({ status: 200, body: "accepted by the receiver" })),
      launchBrowser(),
    ]);
    id = (
      await subscribe(gateway, {
        name: "SOC JSON",
        url: receiver.url,
        format: "json",
        template: SAVED_TEMPLATE,
        secret: "signing-secret-0123",
        auth: { type: "bearer", token: BEARER_TOKEN },
        headers: { "X-Api-Key": HEADER_SECRET },
      })
    ).id;
    tab = await openTab(browser);
    page = tab.page;
    await logIn(page, gateway.url, ADMIN_TOKEN, `#/integrations/${id}/template`);
    await workbench(page).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await gateway?.close();
  });

  it("sends the typed, unsaved template, shows what the receiver said, and leaves the saved template", async () => {
    await replaceTemplate(page, `{"typed": {{json title}}, "markup": "${HOSTILE}" }`);
    await page.getByRole("button", { name: "Send test" }).click();
    const [received] = await receiver.waitFor(1);
    const sent = JSON.parse(received?.body ?? "");
    expect(sent).toEqual({ typed: expect.stringMatching(/^Test .+ event from Herald$/), markup: HOSTILE });
    const outcome = workbench(page).getByRole("status").locator(".test-result");
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(
      /^Test delivered: the receiver answered 200 in \d+ ms\. .*Response body \(excerpt\):accepted by the receiver$/,
    );
    expect(await page.getByText("Unsaved changes").isVisible()).toBe(true);
    expect((await gateway.api("GET", `/api/v1/webhooks/${id}`)).body.template).toBe(SAVED_TEMPLATE);
  });

  it("links to the test delivery, whose page shows the request sent: secrets masked, the body as text", async () => {
    const [received] = receiver.requests;
    await page.getByRole("link", { name: "The delivery and the request sent" }).click();
    const headers = page.getByRole("table", { name: "Headers of attempt 1" });
    await headers.waitFor();
    const rows = Object.fromEntries(
      await Promise.all(
        (await headers.locator("tbody tr").all()).map((row) => row.locator("td").allTextContents()),
      ),
    );
    expect(rows).toMatchObject({
      authorization: "Bearer ********",
      "x-api-key": "********",
      "x-webhook-signature": "sha256=********",
      "content-type": "application/json",
      "webhook-id": received?.headers["webhook-id"],
    });
    const body = page.getByRole("figure", { name: "Body of attempt 1" }).locator("pre");
    expect(await body.textContent()).toBe(received?.body);
    const shown = await page.locator("main").textContent();
    for (const secret of [BEARER_TOKEN, HEADER_SECRET]) expect(shown).not.toContain(secret);
    await expectNothingRan(tab);
    await expectAccessible(page, "delivery-request");
  });
});
