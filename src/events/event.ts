import { z } from "zod";
import { parseOrThrow, ValidationError } from "../errors";
import { eventLimitIssue } from "./limits";
import { type Severity, severitySchema } from "./severity";

/**
 * An event's data: a JSON object, kept as it was parsed. Not z.record, which copies the object
 * key by key, and on the copy a "__proto__" key sets the prototype: the key would be lost from
 * an event already accepted.
 */
const eventDataSchema = z
  .custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    {
      error: "must be a JSON object",
    },
  )
  .meta({ type: "object", propertyNames: { type: "string" }, additionalProperties: {} });

/**
 * An event as a producer posts it. Field names follow CloudEvents; `severity` and `title`
 * are Herald's extension attributes. Structured-mode CloudEvents (`specversion: "1.0"`) fit
 * the same schema.
 */
const incomingEventFieldsSchema = z.object({
  specversion: z.literal("1.0", { error: 'only CloudEvents specversion "1.0" is supported' }).optional(),
  type: z.string().min(1).max(256),
  id: z.string().min(1).max(256).optional(),
  source: z.string().min(1).max(1024).optional(),
  time: z.iso
    .datetime({ offset: true, error: "must be an RFC 3339 date-time, e.g. 2026-02-20T10:30:00Z" })
    .refine((time) => {
      const year = new Date(time).getUTCFullYear();
      return year >= 1 && year <= 9999;
    }, "must be between the years 1 and 9999")
    .optional(),
  severity: severitySchema.default("info"),
  title: z.string().max(4096).optional(),
  subject: z.string().max(1024).optional(),
  datacontenttype: z.string().optional(),
  data: eventDataSchema.default({}),
});

/**
 * An incoming event within Herald's limits (src/events/limits.ts) and then its fields. The limits
 * come first: they stop early, where parsing a huge `data` record would take its time.
 */
export const incomingEventSchema = z
  .unknown()
  .superRefine((event, context) => {
    const issue = eventLimitIssue(event);
    if (issue) context.addIssue({ code: "custom", ...issue });
  })
  .pipe(incomingEventFieldsSchema);
export type IncomingEvent = z.infer<typeof incomingEventSchema>;

export const MAX_EVENTS_PER_POST = 1000;

/** One event or an array of up to MAX_EVENTS_PER_POST; issues name the event's index ("3.time"). */
export function parseIncomingBatch(body: unknown): IncomingEvent[] {
  if (!Array.isArray(body)) return [parseOrThrow(incomingEventSchema, body)];
  if (body.length === 0)
    throw new ValidationError([{ path: "", message: "an array of events must not be empty" }]);
  if (body.length > MAX_EVENTS_PER_POST) {
    throw new ValidationError([
      { path: "", message: `at most ${MAX_EVENTS_PER_POST} events per request (got ${body.length})` },
    ]);
  }
  return parseOrThrow(z.array(incomingEventSchema), body);
}

/** An accepted event: every field present, `time` normalised to an ISO string in UTC. */
export interface HeraldEvent {
  id: string;
  type: string;
  source: string;
  time: string;
  severity: Severity;
  title: string;
  subject: string | null;
  data: Record<string, unknown>;
}

export const DEFAULT_SOURCE = "unknown";

export function acceptEvent(incoming: IncomingEvent, receivedAt: Date, newId: () => string): HeraldEvent {
  return {
    id: incoming.id ?? newId(),
    type: incoming.type,
    source: incoming.source ?? DEFAULT_SOURCE,
    time: incoming.time ? new Date(incoming.time).toISOString() : receivedAt.toISOString(),
    severity: incoming.severity,
    title: incoming.title ?? incoming.type,
    subject: incoming.subject ?? null,
    data: incoming.data,
  };
}
