import { createHmac } from "node:crypto";
import type { WebhookRow } from "../store/webhooks";

/**
 * The key bytes of a signing secret: after a `whsec_` prefix the secret is base64 (as the
 * Standard Webhooks libraries read it); any other secret is its UTF-8 bytes.
 */
export function secretKey(secret: string): Buffer {
  return secret.startsWith("whsec_")
    ? Buffer.from(secret.slice("whsec_".length), "base64")
    : Buffer.from(secret, "utf8");
}

/** The secrets that sign a request at `now`, the current one first: none, one, or during a rotation's overlap two. */
export function signingSecrets(
  webhook: Pick<WebhookRow, "secret" | "previousSecret" | "previousSecretUntil">,
  now: Date,
): string[] {
  if (webhook.secret === null) return [];
  const { previousSecret, previousSecretUntil } = webhook;
  const overlapping = previousSecret !== null && previousSecretUntil !== null && previousSecretUntil > now;
  return overlapping ? [webhook.secret, previousSecret] : [webhook.secret];
}

/**
 * Signature headers for one request: Herald's `X-Webhook-Signature` over the raw body, and the
 * Standard Webhooks trio over `id.timestamp.body`. `messageId` is the delivery's id, the same on
 * every retry, so receivers can deduplicate. Each secret adds its signature, the first secret's
 * first: `X-Webhook-Signature` as an HTTP list (`sha256=<a>, sha256=<b>`), `webhook-signature`
 * space-separated as Standard Webhooks specifies (`v1,<a> v1,<b>`).
 */
export function signatureHeaders(
  secrets: readonly [string, ...string[]],
  messageId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const keys = secrets.map(secretKey);
  const bodyHex = keys.map((key) => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`);
  const signed = `${messageId}.${timestampSeconds}.${body}`;
  const standard = keys.map((key) => `v1,${createHmac("sha256", key).update(signed).digest("base64")}`);
  return {
    "x-webhook-signature": bodyHex.join(", "),
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": standard.join(" "),
  };
}
