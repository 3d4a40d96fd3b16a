/**
 * Slack incoming webhooks answer in plain text with an error code
 * (api.slack.com/messaging/webhooks#handling_errors; api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks):
 * these say the webhook's channel, token or app is gone, not that this message was wrong.
 */
const SLACK_GONE: Record<string, string> = {
  channel_not_found: "the channel does not exist",
  channel_is_archived: "the channel is archived",
  invalid_token: "the webhook's token is no longer valid",
  no_service: "the webhook was disabled or removed, or its app uninstalled",
};

/** Discord's JSON error code 10015 Unknown Webhook (discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
const DISCORD_UNKNOWN_WEBHOOK = 10015;

/**
 * The hosts of Teams Workflows (Power Automate) webhook URLs: *.logic.azure.com and
 * *.environment.api.powerplatform.com. A 404 from them means the workflow, or its trigger, was deleted.
 */
const TEAMS_WORKFLOWS_HOST = /(^|\.)(logic\.azure\.com|api\.powerplatform\.com)$/i;

/**
 * Whether the receiver says the destination no longer exists, in its own words: the reason to
 * disable the webhook at once, or null. 410 Gone from any receiver; Slack's codes above; Discord's
 * 10015; a Teams Workflows 404; PagerDuty refusing the routing key (Events API v2: 400
 * {"status":"invalid event","errors":["Length of 'routing_key' is incorrect …"]}, and "Invalid
 * routing key" for a key of the right length that no integration has). A plain 404 is not enough:
 * a misconfigured proxy or a path typo answers it too, and the failure threshold handles those.
 */
export function goneReason(answer: { statusCode: number; body: string }, url: string): string | null {
  const { statusCode, body } = answer;
  const text = body.trim();
  const slack = SLACK_GONE[text];
  if (slack && [403, 404, 410].includes(statusCode)) return `Slack answered ${text}: ${slack}`;
  const json = parseObject(text);
  if (statusCode === 404 && json?.code === DISCORD_UNKNOWN_WEBHOOK) {
    return "Discord answered 10015 Unknown Webhook: the webhook was deleted";
  }
  if (statusCode === 400 && json && mentionsBadRoutingKey(json)) {
    return "PagerDuty refused the routing key: no Events API v2 integration has it";
  }
  if (statusCode === 404 && TEAMS_WORKFLOWS_HOST.test(hostOf(url))) {
    return "Teams Workflows answered 404: the workflow or its trigger was deleted";
  }
  if (statusCode === 410) return "HTTP 410 Gone: the receiver says this URL is gone for good";
  return null;
}

function mentionsBadRoutingKey(answer: Record<string, unknown>): boolean {
  const said = [answer.message, ...(Array.isArray(answer.errors) ? answer.errors : [])];
  return said.some((item) => typeof item === "string" && /routing.?key/i.test(item));
}

function parseObject(text: string): Record<string, unknown> | null {
  if (!text.startsWith("{") || text.length > 64 * 1024) return null;
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).hostname : "";
}
