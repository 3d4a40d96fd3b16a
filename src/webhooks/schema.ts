import { z } from "zod";
import { DESTINATION_SCHEMES } from "../destinations/registry";
import { severitySchema } from "../events/severity";
import { findFormat } from "../formats/registry";
import type { WebhookRow } from "../store/webhooks";
import { destinationInputSchema, resolveDestination } from "./destination-input";
import { FLOW_FIELD_NAMES, flowFields, readFlow, stateOf, WEBHOOK_STATES, type WebhookState } from "./flow";
import { headersSchema, mayOverrideHeader } from "./headers";

const urlSchema = z
  .string()
  .max(2048)
  .refine((text) => URL.canParse(text), "must be an absolute URL")
  .refine((text) => !URL.canParse(text) || DESTINATION_SCHEMES.includes(new URL(text).protocol), {
    message: `scheme must be one of: ${DESTINATION_SCHEMES.map((s) => s.slice(0, -1)).join(", ")}`,
  })
  // Stored as the URL parser writes it, so destinations read exactly what was checked.
  .transform((text) => new URL(text).href);

function isStandardWebhooksSecret(secret: string): boolean {
  const encoded = secret.slice("whsec_".length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
  const bytes = Buffer.from(encoded, "base64").length;
  return bytes >= 24 && bytes <= 64;
}

/** A signing secret: `whsec_` and base64 (Standard Webhooks), or any other text of 8 or more characters. */
export const signingSecretSchema = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(512)
  .refine((secret) => !secret.startsWith("whsec_") || isStandardWebhooksSecret(secret), {
    message: "a whsec_ secret must be whsec_ and the base64 of 24 to 64 random bytes",
  });

/** What an operator sends to create a webhook (snake_case wire names), with the defaults. */
export const webhookInputSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    url: urlSchema,
    secret: signingSecretSchema.nullable().default(null),
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
    destination: destinationInputSchema.nullable().default(null),
    auth: z.unknown().optional(),
    tls: z.unknown().optional(),
    splunk_hec: z.unknown().optional(),
    syslog: z.unknown().optional(),
    timeout_ms: z.number().int().min(1000).max(30_000).default(5000),
    connect_timeout_ms: z.number().int().min(100).max(30_000).default(3000),
    retry_count: z.number().int().min(0).max(10).default(3),
    ...flowFields,
    state: z.enum(WEBHOOK_STATES).optional(),
    /** The older switch: true is `active`, false `disabled`; `state` says more and wins. */
    is_active: z.boolean().optional(),
  })
  .transform((input, ctx) => {
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
    if (input.max_queue !== null && !input.lossy) {
      ctx.addIssue({
        code: "custom",
        path: ["max_queue"],
        message: "only with lossy: true (without it, nothing is ever dropped)",
      });
    }
    if (input.group !== null && input.ordering === "fifo") {
      ctx.addIssue({
        code: "custom",
        path: ["group"],
        message: "cannot be combined with ordering fifo, which sends one event at a time",
      });
    }
    const longestHold = input.group ? Math.max(input.group.wait_s, input.group.interval_s) : 0;
    if (input.discard_after_s !== null && input.discard_after_s <= longestHold) {
      ctx.addIssue({
        code: "custom",
        path: ["discard_after_s"],
        message: `must be longer than the group's wait_s and interval_s (${longestHold} s): events held for a digest would be discarded unsent`,
      });
    }
    const { auth, tls, splunk_hec, syslog, destination, state, is_active, ...rest } = input;
    const topLevel = { auth, tls, splunk_hec, syslog };
    return {
      ...rest,
      state: resolveState(state, is_active, ctx),
      destination: resolveDestination({ url: input.url, format, destination, topLevel }, ctx),
    };
  });

function resolveState(
  state: WebhookState | undefined,
  isActive: boolean | undefined,
  ctx: z.RefinementCtx,
): WebhookState {
  const fromSwitch = isActive === undefined ? undefined : isActive ? "active" : "disabled";
  if (state && fromSwitch && (state === "disabled") !== (fromSwitch === "disabled")) {
    ctx.addIssue({ code: "custom", path: ["is_active"], message: `contradicts state ${state}` });
  }
  return state ?? fromSwitch ?? "active";
}
export type WebhookInput = z.output<typeof webhookInputSchema>;

/** Fields a client may send back from a GET; they are ignored, not rejected. */
export const READ_ONLY_FIELDS = [
  "id",
  "has_secret",
  "previous_secret_until",
  "failure_count",
  "disabled_reason",
  "managed_by",
  "managed_file",
  "state_changed_by",
  "state_changed_at",
  "flow_status",
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
    destination: input.destination,
    timeoutMs: input.timeout_ms,
    connectTimeoutMs: input.connect_timeout_ms,
    retryCount: input.retry_count,
    isActive: input.state !== "disabled",
    paused: input.state === "paused",
    // Every flow field, as flow.ts declares them: one stored with the others in `webhooks.flow`.
    flow: Object.fromEntries(FLOW_FIELD_NAMES.map((name) => [name, input[name]])),
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
    destination: row.destination,
    timeout_ms: row.timeoutMs,
    connect_timeout_ms: row.connectTimeoutMs,
    retry_count: row.retryCount,
    ...readFlow(row.flow),
    state: stateOf(row),
  };
}
