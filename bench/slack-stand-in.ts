/**
 * A stand-in for a Slack incoming webhook, as Slack documents it: a message is a JSON object with
 * `text` or `blocks` and is answered 200 `ok`; a malformed one 400 (`invalid_payload`,
 * `no_text`). Slack allows about one message per second per channel, with short bursts, and
 * answers 429 with Retry-After (seconds) beyond that: here a token bucket of
 * BENCH_SLACK_PER_S (1) tokens a second holding BENCH_SLACK_BURST (5).
 */

export interface SlackAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const PER_SECOND = Number(process.env.BENCH_SLACK_PER_S ?? 1);
const BURST = Number(process.env.BENCH_SLACK_BURST ?? 5);

let tokens = BURST;
let filledAt = Date.now();

/** What the stand-in answered so far: messages taken, 429s, 400s. */
export const slackAnswers = { ok: 0, throttled: 0, rejected: 0 };

function isMessage(body: string): "ok" | "invalid_payload" | "no_text" {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return "invalid_payload";
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) return "invalid_payload";
  const { text, blocks } = message as { text?: unknown; blocks?: unknown };
  return typeof text === "string" || Array.isArray(blocks) ? "ok" : "no_text";
}

export function answerSlack(body: string, now = Date.now()): SlackAnswer {
  tokens = Math.min(BURST, tokens + ((now - filledAt) / 1000) * PER_SECOND);
  filledAt = now;
  if (tokens < 1) {
    slackAnswers.throttled++;
    const retryAfterS = Math.ceil((1 - tokens) / PER_SECOND);
    return { status: 429, headers: { "retry-after": String(retryAfterS) }, body: "rate_limited" };
  }
  const verdict = isMessage(body);
  if (verdict !== "ok") {
    slackAnswers.rejected++;
    return { status: 400, headers: {}, body: verdict };
  }
  tokens -= 1;
  slackAnswers.ok++;
  return { status: 200, headers: {}, body: "ok" };
}
