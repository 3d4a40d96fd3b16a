import { authorization, credentialAt, httpAuthSchema } from "../destinations/http/auth";
import type { AttemptRecord } from "../store/queue";
import type { WebhookRow } from "../store/webhooks";
import { truncateUtf8 } from "../text";
import { VIEWER_VISIBLE_HEADERS } from "../webhooks/headers";
import { MASK } from "../webhooks/wire";
import { secretForms, withSecretsMasked } from "./attempt-log";

/** The request an attempt sent, as its history keeps it: secrets masked, the body cut. */
export type SentRequest = NonNullable<AttemptRecord["request"]>;

/** How much of a sent body the history keeps: enough to see what a template made of an event. */
export const SENT_BODY_BYTES = 8 * 1024;

/** Herald's own headers that say nothing secret: shown as sent. */
const PLAIN_HERALD_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
]);

/**
 * The signature headers, each signature shown by its scheme only (during a secret rotation's
 * overlap there are two). An HMAC does not reveal its key, but X-Webhook-Signature covers the body
 * alone: with the body beside it, anyone who can read the history could replay the request to a
 * receiver that checks only that signature. Whoever holds the secret can compute both from the
 * body, webhook-id and webhook-timestamp shown.
 */
const SIGNATURE_SCHEMES: Readonly<Record<string, { scheme: string; separator: string }>> = {
  "x-webhook-signature": { scheme: "sha256=", separator: ", " },
  "webhook-signature": { scheme: "v1,", separator: " " },
};

/**
 * What one attempt sent, for its history: the headers Herald built (the content type, its own, the
 * operator's, the signatures) and the Authorization the sender adds from `auth` (the credential in
 * effect at `now`), with every value
 * that is or may be a secret masked; and the body's first SENT_BODY_BYTES with the webhook's
 * secrets (a PagerDuty routing key, a header's value) masked. Masked here, before it is stored:
 * at read time, a secret changed since would no longer be known to mask.
 */
export function sentRequest(
  webhook: WebhookRow,
  headers: Record<string, string>,
  body: string,
  sendsHeaders: boolean,
  now: Date,
): SentRequest {
  const forms = secretFormsOf(webhook);
  return {
    headers: sendsHeaders
      ? { ...Object.fromEntries(Object.entries(headers).map(shownHeader)), ...authHeader(webhook, now) }
      : {},
    body: cutBody(body, forms),
  };
}

/**
 * The secret forms of each webhook row, worked out once per row: a claim shares one row among its
 * jobs of a webhook, and working them out costs more than all the rest of a record. Keyed by the
 * row object, so a row read again (changed or not) is worked out again.
 */
const formsOfRow = new WeakMap<WebhookRow, string[]>();

function secretFormsOf(webhook: WebhookRow): string[] {
  let forms = formsOfRow.get(webhook);
  if (!forms) {
    forms = secretForms(webhook);
    formsOfRow.set(webhook, forms);
  }
  return forms;
}

function shownHeader([name, value]: [string, string]): [string, string] {
  const lower = name.toLowerCase();
  const signature = SIGNATURE_SCHEMES[lower];
  if (signature !== undefined) {
    const { scheme, separator } = signature;
    const count = value.split(separator).length;
    return [name, Array.from({ length: count }, () => `${scheme}${MASK}`).join(separator)];
  }
  // Deny by default, as for viewers: a credential can hide in a header of any name.
  const plain = PLAIN_HERALD_HEADERS.has(lower) || VIEWER_VISIBLE_HEADERS.has(lower);
  return [name, plain ? value : MASK];
}

/** The Authorization header the HTTP sender adds from the destination's `auth`: its scheme, masked. */
function authHeader(webhook: WebhookRow, now: Date): Record<string, string> {
  const auth = httpAuthSchema.safeParse(webhook.destination.auth);
  if (!auth.success) return {};
  const [scheme] = authorization(credentialAt(auth.data, now)).split(" ");
  return { authorization: `${scheme} ${MASK}` };
}

/**
 * The body's first SENT_BODY_BYTES, masked, saying how long it was when cut. Only a prefix is
 * masked (this runs on every attempt), one long enough that a secret across the cut is masked whole.
 */
function cutBody(body: string, forms: string[]): string {
  const longest = forms[0]?.length ?? 0;
  // A character takes at least one byte: SENT_BODY_BYTES characters hold at least as many bytes.
  const prefix = body.slice(0, SENT_BODY_BYTES + longest);
  const masked = withSecretsMasked(prefix, forms);
  const kept = truncateUtf8(masked.slice(0, SENT_BODY_BYTES), SENT_BODY_BYTES);
  if (prefix === body && kept === masked) return masked;
  return `${kept}… (${Buffer.byteLength(body, "utf8")} bytes in all)`;
}
