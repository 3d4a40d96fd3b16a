import { authorizationsOf, httpAuthSchema } from "../destinations/http/auth";
import { isObject } from "../formats/format";
import { findFormat } from "../formats/registry";
import type { LogFields, Logger } from "../logger";
import type { AttemptRecord, DeliveryJob } from "../store/queue";
import type { DeliveryStatus } from "../store/schema";
import type { WebhookRow } from "../store/webhooks";
import { DESTINATION_SECRET_PATHS } from "../webhooks/destination-input";
import { VIEWER_VISIBLE_HEADERS } from "../webhooks/headers";
import { MASK, urlForViewer } from "../webhooks/wire";

/**
 * Header values and parts of a URL's path and query this long may be a credential (an API key,
 * Slack's token, Teams' sig=); shorter ones are taken for words, left readable.
 */
const MIN_GUESSED_CREDENTIAL_CHARS = 8;

/** A URL inside an error's text: a receiver's Location, an address in a transport's message. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;

/** How each outcome is logged: a success quietly, a failure as loudly as what it costs. */
const OUTCOMES: Record<DeliveryStatus, { level: "debug" | "info" | "warn" | "error"; message: string }> = {
  pending: { level: "info", message: "delivery pending" },
  delivered: { level: "debug", message: "delivered" },
  retrying: { level: "warn", message: "delivery attempt failed; it will be retried" },
  dead: { level: "error", message: "delivery failed for good" },
  discarded: { level: "warn", message: "delivery discarded: not sent in time" },
  suppressed: { level: "debug", message: "delivery suppressed: a repeat within the dedup window" },
};

/**
 * What every log line about a delivery carries: its ids, the attempt, and where it goes as a
 * viewer sees it (scheme, host and port; never the path and query, which are often the credential).
 */
export function deliveryLogFields(job: DeliveryJob): LogFields {
  return {
    delivery_id: job.deliveryId,
    webhook_id: job.webhook.id,
    event_id: job.event.id,
    attempt: job.attempt,
    destination: urlForViewer(job.webhook.url),
  };
}

/** One line per attempt's outcome; a test delivery's at info, whatever it was (its caller sees it). */
export function logAttempt(log: Logger, job: DeliveryJob, record: AttemptRecord) {
  const { message, ...outcome } = OUTCOMES[record.status];
  const level = job.isTest ? "info" : outcome.level;
  if (!log.enabled(level)) return;
  log[level](message, {
    ...deliveryLogFields(job),
    status: record.status,
    status_code: record.statusCode,
    duration_ms: record.durationMs,
    ...(record.error !== null && { error: withWebhookSecretsMasked(record.error, job.webhook) }),
    ...(record.nextAttemptAt && { next_attempt_at: record.nextAttemptAt.toISOString() }),
    ...(job.isTest && { test: true }),
  });
}

/**
 * `text` (an error: a receiver's message, a transport's) as it may be logged: every secret of the
 * webhook masked, in the forms a receiver may echo it in (as written, inside JSON, URL-encoded,
 * as the Authorization header carried it), and every URL cut to what a viewer sees of it.
 */
export function withWebhookSecretsMasked(text: string, webhook: WebhookRow): string {
  const masked = withSecretsMasked(text, secretForms(webhook));
  return masked.replace(URL_IN_TEXT, (url) => (URL.canParse(url) ? urlForViewer(url) : MASK));
}

/**
 * Every secret of the webhook in the forms a text may hold it (as written, inside JSON,
 * URL-encoded), longest first: a short secret inside a longer one must not leave the rest of it.
 */
export function secretForms(webhook: WebhookRow): string[] {
  const forms = secretsOf(webhook).flatMap((value) => [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
  ]);
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` with each of `forms` (from secretForms) masked. */
export function withSecretsMasked(text: string, forms: string[]): string {
  return forms.reduce((result, form) => result.replaceAll(form, MASK), text);
}

/** Every value of the webhook that is, or may be, a credential. */
function secretsOf(webhook: WebhookRow): string[] {
  const at = (root: unknown, path: readonly string[]) =>
    path.reduce<unknown>((value, name) => (isObject(value) ? value[name] : undefined), root);
  const optionPaths = findFormat(webhook.format)?.secretOptions ?? [];
  const auth = httpAuthSchema.safeParse(webhook.destination.auth);
  const url = new URL(webhook.url);
  const headerValues = Object.entries(webhook.headers)
    .filter(([name]) => !VIEWER_VISIBLE_HEADERS.has(name.toLowerCase()))
    .map(([, value]) => value);
  const urlParts = [...url.pathname.split("/"), ...url.searchParams.values()].map(decoded);
  const guessed = [...headerValues, ...urlParts].filter(
    (value) => value.length >= MIN_GUESSED_CREDENTIAL_CHARS,
  );
  const values = [
    webhook.secret,
    // A rotated-out secret, whether or not it still signs: it was a credential.
    webhook.previousSecret,
    ...DESTINATION_SECRET_PATHS.map((path) => at(webhook.destination, path)),
    ...optionPaths.map((path) => at(webhook.options, path)),
    // The credentials part of the header (the current one's and `next`'s): Basic's base64, the token of the others.
    ...(auth.success ? authorizationsOf(auth.data).map((header) => header.split(" ")[1]) : []),
    decoded(url.username),
    decoded(url.password),
    ...guessed,
  ];
  return values.filter((value): value is string => typeof value === "string" && value !== "");
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
