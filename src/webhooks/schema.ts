import { z } from "zod";
import { severitySchema } from "../events/severity";
import type { WebhookRow } from "../store/webhooks";
import { TRANSPORT_SCHEMES } from "../transports/registry";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const RESERVED_HEADERS = new Set(["content-length", "host", "connection", "transfer-encoding"]);

const headersSchema = z
  .record(z.string(), z.string().max(8192))
  .default({})
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers)) {
      if (!HEADER_NAME.test(name))
        ctx.addIssue({ code: "custom", path: [name], message: "not a valid HTTP header name" });
      else if (RESERVED_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "set by Herald itself; may not be overridden",
        });
      }
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
  );

/** What an operator sends to create a webhook (snake_case wire names), with the defaults. */
export const webhookInputSchema = z.strictObject({
  name: z.string().min(1).max(200),
  url: urlSchema,
  secret: z.string().min(8, "must be at least 8 characters").max(512).nullable().default(null),
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
  timeout_ms: z.number().int().min(1000).max(30_000).default(5000),
  connect_timeout_ms: z.number().int().min(100).max(30_000).default(3000),
  retry_count: z.number().int().min(0).max(10).default(3),
  is_active: z.boolean().default(true),
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
    timeout_ms: row.timeoutMs,
    connect_timeout_ms: row.connectTimeoutMs,
    retry_count: row.retryCount,
    is_active: row.isActive,
  };
}

const SENSITIVE_HEADER = /auth|token|secret|key|cookie|password|signature/i;
export const MASK = "********";

/** A webhook as the API shows it: never the secret; for viewers, sensitive header values masked. */
export function rowToWire(row: WebhookRow, { revealHeaders }: { revealHeaders: boolean }) {
  const { secret, ...input } = rowToInput(row);
  const headers = revealHeaders
    ? input.headers
    : Object.fromEntries(
        Object.entries(input.headers).map(([name, value]) => [
          name,
          SENSITIVE_HEADER.test(name) ? MASK : value,
        ]),
      );
  return {
    id: row.id,
    ...input,
    headers,
    has_secret: secret !== null,
    failure_count: row.failureCount,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
