import { z } from "zod";
import { severitySchema } from "../events/severity";
import type { Format } from "../formats/format";
import { findFormat } from "../formats/registry";
import type { WebhookRow } from "../store/webhooks";
import { TRANSPORT_SCHEMES } from "../transports/registry";
import { DEFAULT_UDP_MAX_MESSAGE_BYTES, MAX_UDP_MESSAGE_BYTES } from "../transports/syslog";

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

const headersSchema = z
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

const urlSchema = z
  .string()
  .max(2048)
  .refine((text) => URL.canParse(text), "must be an absolute URL")
  .refine(
    (text) =>
      !URL.canParse(text) || (TRANSPORT_SCHEMES as readonly string[]).includes(new URL(text).protocol),
    {
      message: `scheme must be one of: ${TRANSPORT_SCHEMES.map((s) => s.slice(0, -1)).join(", ")}`,
    },
  )
  // Stored as the URL parser writes it, so transports read exactly what was checked.
  .transform((text) => new URL(text).href);

/** C0 controls, DEL and C1 controls (Unicode's Cc): never part of a credential; undici refuses CR and LF. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** A bearer or Splunk token goes into the Authorization header as is, so it must be a header-safe word. */
const tokenSchema = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[\x21-\x7e]+$/, {
      message:
        "must be visible ASCII without spaces or control characters: it is sent in the Authorization header as is",
    });

const authSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("basic"),
    username: z
      .string()
      .min(1)
      .max(256)
      .refine(
        (username) => !username.includes(":"),
        'may not contain ":" (basic auth joins user and password with it)',
      )
      .refine((username) => !CONTROL_CHARACTER.test(username), "may not contain control characters"),
    password: z
      .string()
      .max(1024)
      .refine((password) => !CONTROL_CHARACTER.test(password), "may not contain control characters"),
  }),
  z.strictObject({ type: z.literal("bearer"), token: tokenSchema(8192) }),
  z.strictObject({ type: z.literal("splunk"), token: tokenSchema(1024) }),
]);

const pem = (what: string) =>
  z
    .string()
    .max(64 * 1024)
    .refine((text) => text.includes("-----BEGIN "), `must be a PEM ${what}`);

const tlsSchema = z
  .strictObject({
    ca: pem("certificate").optional(),
    cert: pem("certificate").optional(),
    key: pem("private key").optional(),
    servername: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.-]+$/, "must be a host name: letters, digits, '-' and '.'")
      .optional(),
    allow_invalid_certs: z.boolean().default(false),
  })
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    message: "cert and key go together (mutual TLS needs both)",
  });

const splunkHecSchema = z.strictObject({
  /** Wait for indexer acknowledgement before counting a delivery as delivered. */
  ack: z.boolean().default(false),
  /** X-Splunk-Request-Channel; Herald makes one per webhook when none is given. */
  channel: z.uuid().default(() => crypto.randomUUID()),
});

const syslogSchema = z.strictObject({
  framing: z.enum(["octet-counting", "lf"]).default("octet-counting"),
  max_message_bytes: z
    .number()
    .int()
    .min(480)
    .max(MAX_UDP_MESSAGE_BYTES)
    .default(DEFAULT_UDP_MAX_MESSAGE_BYTES),
  /** How a cef, leef or json payload is wrapped: RFC 5424, or the older BSD format of RFC 3164. */
  rfc: z.enum(["5424", "3164"]).default("5424"),
  /** Header fields of that wrapping (facility, hostname, app_name, …): the syslog format's options. */
  envelope: z.record(z.string(), z.unknown()).default({}),
});

function isStandardWebhooksSecret(secret: string): boolean {
  const encoded = secret.slice("whsec_".length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
  const bytes = Buffer.from(encoded, "base64").length;
  return bytes >= 24 && bytes <= 64;
}

/** What an operator sends to create a webhook (snake_case wire names), with the defaults. */
export const webhookInputSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    url: urlSchema,
    secret: z
      .string()
      .min(8, "must be at least 8 characters")
      .max(512)
      .refine((secret) => !secret.startsWith("whsec_") || isStandardWebhooksSecret(secret), {
        message: "a whsec_ secret must be whsec_ and the base64 of 24 to 64 random bytes",
      })
      .nullable()
      .default(null),
    event_types: z.array(z.string().min(1).max(256)).min(1).max(500).default(["*"]),
    events_policy: z.enum(["include", "exclude"]).default("include"),
    min_severity: severitySchema.default("info"),
    format: z.string().default("json"),
    options: z.record(z.string(), z.unknown()).default({}),
    template: z
      .string()
      .max(256 * 1024)
      .nullable()
      .default(null),
    method: z.enum(["POST", "PUT"]).default("POST"),
    headers: headersSchema,
    auth: authSchema.nullable().default(null),
    tls: tlsSchema.nullable().default(null),
    splunk_hec: splunkHecSchema.nullable().default(null),
    syslog: syslogSchema.nullable().default(null),
    timeout_ms: z.number().int().min(1000).max(30_000).default(5000),
    connect_timeout_ms: z.number().int().min(100).max(30_000).default(3000),
    retry_count: z.number().int().min(0).max(10).default(3),
    is_active: z.boolean().default(true),
  })
  .superRefine((input, ctx) => {
    // Whether the operator may set Content-Type depends on the format, so it is checked here.
    const format = findFormat(input.format);
    for (const name of Object.keys(input.headers)) {
      if (name.toLowerCase() === "content-type" && !mayOverrideHeader(name, format)) {
        ctx.addIssue({
          code: "custom",
          path: ["headers", name],
          message: `${name} is fixed by the ${input.format} format; may not be overridden`,
        });
      }
    }
  });
export type WebhookInput = z.infer<typeof webhookInputSchema>;

/** Fields a client may send back from a GET; they are ignored, not rejected. */
export const READ_ONLY_FIELDS = [
  "id",
  "has_secret",
  "failure_count",
  "disabled_reason",
  "created_at",
  "updated_at",
] as const;

export function inputToRow(input: WebhookInput) {
  return {
    name: input.name,
    url: input.url,
    secret: input.secret,
    eventTypes: input.event_types,
    eventsPolicy: input.events_policy,
    minSeverity: input.min_severity,
    format: input.format,
    options: input.options,
    template: input.template,
    method: input.method,
    headers: input.headers,
    auth: input.auth,
    tls: input.tls,
    splunkHec: input.splunk_hec,
    syslog: input.syslog,
    timeoutMs: input.timeout_ms,
    connectTimeoutMs: input.connect_timeout_ms,
    retryCount: input.retry_count,
    isActive: input.is_active,
  };
}

/** A stored webhook as input again, so a partial update can be merged onto it and re-validated. */
export function rowToInput(row: WebhookRow): WebhookInput {
  return {
    name: row.name,
    url: row.url,
    secret: row.secret,
    event_types: row.eventTypes,
    events_policy: row.eventsPolicy,
    min_severity: row.minSeverity as WebhookInput["min_severity"],
    format: row.format,
    options: row.options,
    template: row.template,
    method: row.method,
    headers: row.headers,
    auth: row.auth,
    tls: row.tls,
    splunk_hec: row.splunkHec,
    syslog: row.syslog,
    timeout_ms: row.timeoutMs,
    connect_timeout_ms: row.connectTimeoutMs,
    retry_count: row.retryCount,
    is_active: row.isActive,
  };
}

export const MASK = "********";

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

/** Auth as the API shows it: the kind and user name, never a password or token. */
function authToWire(auth: WebhookRow["auth"]) {
  if (!auth) return null;
  return auth.type === "basic" ? { type: auth.type, username: auth.username } : { type: auth.type };
}

/** TLS settings as the API shows them: certificates, but never the private key. */
function tlsToWire(tls: WebhookRow["tls"]) {
  if (!tls) return null;
  const { key, ...shown } = tls;
  return { ...shown, has_key: key !== undefined };
}

/**
 * Write-only values (auth passwords and tokens, the TLS key) are never shown, so a client that
 * sends back what it read omits them: an update keeps the stored ones unless new ones are sent.
 */
export function keepWriteOnlyValues(
  existing: WebhookInput,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged = { ...patch };
  const auth = patch.auth as Record<string, unknown> | null | undefined;
  if (
    auth &&
    existing.auth &&
    auth.type === existing.auth.type &&
    !("password" in auth) &&
    !("token" in auth)
  ) {
    const { type: _, ...secrets } = existing.auth;
    merged.auth = { ...secrets, ...auth };
  }
  const tls = patch.tls as Record<string, unknown> | null | undefined;
  if (tls) {
    const { has_key: _, ...rest } = tls;
    const keepKey = existing.tls?.key !== undefined && !("key" in tls);
    merged.tls = keepKey ? { ...rest, key: existing.tls?.key } : rest;
  }
  return merged;
}

/**
 * A URL as a viewer sees it: where it goes (scheme, host, port), not the path or query, which
 * often are the credential (Slack's /services/T…/B…/token, Teams Workflows' sig=…).
 */
function urlForViewer(url: string): string {
  const parsed = new URL(url);
  const hidden = parsed.pathname !== "/" || parsed.search !== "" || parsed.username !== "";
  return `${parsed.protocol}//${parsed.host}${hidden ? `/${MASK}` : "/"}`;
}

/**
 * A webhook as the API shows it: never a secret; for viewers also the URL's path and query masked,
 * and every custom header value but the plainly harmless ones.
 */
export function rowToWire(row: WebhookRow, { forAdmin }: { forAdmin: boolean }) {
  const { secret, ...input } = rowToInput(row);
  const headers = forAdmin
    ? input.headers
    : Object.fromEntries(
        Object.entries(input.headers).map(([name, value]) => [
          name,
          VIEWER_VISIBLE_HEADERS.has(name.toLowerCase()) ? value : MASK,
        ]),
      );
  return {
    id: row.id,
    ...input,
    url: forAdmin ? input.url : urlForViewer(input.url),
    headers,
    auth: authToWire(input.auth),
    tls: tlsToWire(input.tls),
    has_secret: secret !== null,
    failure_count: row.failureCount,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
