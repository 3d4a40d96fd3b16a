import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { Answer, AnswerFunction } from "./receiver";

// What the console's end-to-end story (test/console/story.test.ts) drives: a receiver that answers
// like Slack, the check that a page offers no write control, and the README's page screenshots.

/**
 * A stand-in for a Slack incoming webhook, answering as Slack documents
 * (api.slack.com/messaging/webhooks#handling_errors): 200 "ok" for a message with text or
 * blocks, 400 "invalid_payload" for a body that is not JSON, 400 "no_text" for one with neither.
 */
export const slackIncomingWebhook: AnswerFunction = (request) => {
  let message: unknown;
  try {
    message = JSON.parse(request.body);
  } catch {
    return { status: 400, body: "invalid_payload" };
  }
  const { text, blocks } = (message ?? {}) as { text?: unknown; blocks?: unknown };
  if (!text && !(Array.isArray(blocks) && blocks.length > 0)) return { status: 400, body: "no_text" };
  return { status: 200, headers: { "content-type": "text/html" }, body: "ok" };
};

/** Slack's answer once the webhook's app was removed or its channel deleted. */
export const SLACK_NO_SERVICE: Answer = { status: 404, body: "no_service" };

/**
 * Every answer in which Slack says an incoming webhook's destination is gone, with the status it
 * comes with (api.slack.com/messaging/webhooks#handling_errors,
 * api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks).
 */
export const SLACK_GONE: Record<string, Answer> = {
  channel_not_found: { status: 404, body: "channel_not_found" },
  channel_is_archived: { status: 410, body: "channel_is_archived" },
  invalid_token: { status: 403, body: "invalid_token" },
  no_service: SLACK_NO_SERVICE,
};

/** The names of every control that changes something; none may reach a viewer's page. */
const WRITE_CONTROLS = [
  "New integration",
  "Save",
  "Send test",
  "Disable",
  "Enable",
  "Pause",
  "Resume",
  "Delete",
  "Retry",
  "Retry all",
  "Reset to default",
  "Edit template",
  "Create key",
  "Revoke",
];

/** The page shows no button or link that writes, and (`noFields`) no form field in its main part. */
export async function expectNoWriteControl(page: Page, { noFields = true } = {}): Promise<void> {
  for (const name of WRITE_CONTROLS) {
    expect(await page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    expect(await page.getByRole("link", { name, exact: true }).count(), name).toBe(0);
  }
  if (noFields) expect(await page.locator("main :is(input, select, textarea)").count()).toBe(0);
}
