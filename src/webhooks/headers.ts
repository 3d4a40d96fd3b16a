import { z } from "zod";
import type { Format } from "../formats/format";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Header names (lower case) a custom header may never set: the ones Herald sets itself (user agent,
 * credentials from `auth`, the webhook-id and signatures, Splunk's channel), which would let a
 * webhook forge a signature or an identity, and the ones that belong to the connection (framing,
 * hop-by-hop). Content-Type is not here: whether it may be set depends on the format.
 */
export const HERALD_OWNED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "host",
  "content-length",
  "user-agent",
  "x-webhook-signature",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "x-splunk-request-channel",
  "connection",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
  "proxy-authorization",
  "proxy-connection",
]);

/**
 * Whether a custom header `name` may be sent: never one Herald owns, and Content-Type only for a
 * format that lets its receiver ask for its own media type. Sending asks this, so that a webhook
 * stored before a name was refused can still never override Herald's own headers.
 */
export function mayOverrideHeader(
  name: string,
  format: Pick<Format<unknown>, "allowsContentTypeHeader"> | undefined,
): boolean {
  const lower = name.toLowerCase();
  if (lower === "content-type") return format?.allowsContentTypeHeader === true;
  return !HERALD_OWNED_HEADERS.has(lower);
}

/** RFC 9110 field-value characters: visible ASCII, space, tab and obs-text; never CR or LF. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function ownedHeaderMessage(name: string): string {
  const instead = name.toLowerCase() === "authorization" ? " (credentials go in auth)" : "";
  return `${name} is set by Herald itself; may not be overridden${instead}`;
}

export const headersSchema = z
  .record(z.string(), z.string().max(8192))
  .default({})
  .superRefine((headers, ctx) => {
    const problem = (name: string, value: string) => {
      if (!HEADER_NAME.test(name)) return "not a valid HTTP header name";
      if (HERALD_OWNED_HEADERS.has(name.toLowerCase())) return ownedHeaderMessage(name);
      if (!HEADER_VALUE.test(value)) return "a header value may not hold line breaks or control characters";
      return undefined;
    };
    for (const [name, value] of Object.entries(headers)) {
      const message = problem(name, value);
      if (message) ctx.addIssue({ code: "custom", path: [name], message });
    }
  });

/**
 * Lower-case names of the custom headers a viewer sees the value of; every other value is masked.
 * Deny by default: a credential can hide in a header of any name (X-Pass, X-Jwt, X-Session-Id, …).
 */
export const VIEWER_VISIBLE_HEADERS: ReadonlySet<string> = new Set([
  "accept",
  "accept-language",
  "accept-encoding",
  "accept-charset",
  "content-language",
  "content-type",
  "cache-control",
  "pragma",
  "x-request-id",
  "x-correlation-id",
  "x-herald-source",
]);
