import { createHmac } from "node:crypto";

/**
 * The key bytes of a signing secret: after a `whsec_` prefix the secret is base64 (as the
 * Standard Webhooks libraries read it); any other secret is its UTF-8 bytes.
 */
export function secretKey(secret: string): Buffer {
  return secret.startsWith("whsec_")
    ? Buffer.from(secret.slice("whsec_".length), "base64")
    : Buffer.from(secret, "utf8");
}

/**
 * Signature headers for one request: Herald's `X-Webhook-Signature` over the raw body, and the
 * Standard Webhooks trio over `id.timestamp.body`. `messageId` is the delivery's id, the same on
 * every retry, so receivers can deduplicate.
 */
export function signatureHeaders(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const key = secretKey(secret);
  const bodyHex = createHmac("sha256", key).update(body).digest("hex");
  const standard = createHmac("sha256", key)
    .update(`${messageId}.${timestampSeconds}.${body}`)
    .digest("base64");
  return {
    "x-webhook-signature": `sha256=${bodyHex}`,
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": `v1,${standard}`,
  };
}
