import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { ValidationError, withinTime } from "../errors";
import { acceptEvent, incomingEventSchema, MAX_EVENTS_PER_POST, parseIncomingBatch } from "../events/event";
import { ingestEvents } from "../store/ingest";
import { CURSOR_PARAMETER, cursorQuery, encodeCursor, pagedListSchema } from "./cursor";
import type { ApiDeps, AppEnv } from "./deps";
import { errors } from "./openapi/components";
import { access, jsonAnswer, jsonBody, LIMIT_PARAMETER } from "./openapi/describe";
import { eventExamples } from "./openapi/examples";
import { listLimit, readJson } from "./request";

const JSON_CONTENT_TYPES = [
  "application/json",
  "application/cloudevents+json",
  "application/cloudevents-batch+json",
];

/** An event's fields as a producer posts them (within Herald's limits, src/events/limits.ts). */
export const eventSchema = incomingEventSchema.out.meta({
  id: "Event",
  description:
    "A security event. Field names follow CloudEvents (a structured-mode CloudEvent fits); `severity` and `title` are Herald's. `id` is the idempotency key, with `source`.",
});

/** How long ingest waits for the database before answering 503. */
const INGEST_TIMEOUT_MS = 10_000;

const ingestBodySchema = z.union([eventSchema, z.array(eventSchema).min(1).max(MAX_EVENTS_PER_POST)]);

const ingestAnswerSchema = z.strictObject({
  data: z.array(
    z.strictObject({
      id: z.string().meta({ description: "The event's id: as posted, or a new UUID" }),
      type: z.string(),
      duplicate: z
        .boolean()
        .meta({ description: "This source and id were stored before: nothing is sent again" }),
      deliveries_queued: z.number().int(),
    }),
  ),
});

const eventTypesAnswerSchema = pagedListSchema(z.strictObject({ type: z.string(), description: z.string() }));

export function eventRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const describeIngest = access(["ingest"], {
    tags: ["Events"],
    summary: "Post one event or a batch",
    description: `One event or an array of 1 to ${MAX_EVENTS_PER_POST}, as application/json, application/cloudevents+json or application/cloudevents-batch+json. Answered 202 only once the events and their deliveries are stored. With HERALD_STRICT_EVENT_TYPES, a type outside the catalog is refused (422).`,
    requestBody: jsonBody(ingestBodySchema, { examples: eventExamples(), mediaTypes: JSON_CONTENT_TYPES }),
    responses: {
      202: jsonAnswer(
        "Stored, each event with the deliveries queued for it, in the order posted",
        ingestAnswerSchema,
      ),
      ...errors(400, 413, 415, 422, 503),
    },
  });

  /** One event or an array; answered 202 only once the events and their deliveries are committed. */
  app.post("/events", describeIngest, async (c) => {
    const contentType = (c.req.header("content-type") ?? "application/json")
      .split(";")[0]
      ?.trim()
      .toLowerCase();
    if (!JSON_CONTENT_TYPES.includes(contentType ?? "")) {
      throw new HTTPException(415, {
        message: `content-type must be one of ${JSON_CONTENT_TYPES.join(", ")}`,
      });
    }
    const incoming = parseIncomingBatch(await readJson(c));
    if (deps.config.HERALD_STRICT_EVENT_TYPES) {
      const unknown = incoming.flatMap((event, index) =>
        Object.hasOwn(deps.catalog, event.type)
          ? []
          : [{ path: `${index}.type`, message: `unknown event type "${event.type}"` }],
      );
      if (unknown.length > 0) throw new ValidationError(unknown);
    }
    const receivedAt = deps.now();
    const accepted = incoming.map((event) => acceptEvent(event, receivedAt, () => crypto.randomUUID()));
    // A connection the database dropped mid-transaction can leave the driver's promise unsettled:
    // the producer gets a 503 in time rather than a request that hangs.
    const results = await withinTime(
      ingestEvents(deps.db, accepted, deps.engine.straight),
      INGEST_TIMEOUT_MS,
      "storing the events",
    );
    deps.metrics.ingest.ingested(accepted.filter((_, index) => results[index]?.duplicate === false));
    if (results.some((result) => result.deliveriesQueued > result.sentStraight)) deps.engine.wake();
    const answer: z.infer<typeof ingestAnswerSchema> = {
      data: results.map((result) => ({
        id: result.id,
        type: result.type,
        duplicate: result.duplicate,
        deliveries_queued: result.deliveriesQueued,
      })),
    };
    return c.json(answer, 202);
  });

  const describeTypes = access(["viewer"], {
    tags: ["Events"],
    summary: "List the event type catalog",
    description: "The built-in event types and those added by HERALD_EVENT_TYPES, each with its description.",
    parameters: [LIMIT_PARAMETER, CURSOR_PARAMETER],
    responses: { 200: jsonAnswer("The event types", eventTypesAnswerSchema), ...errors(422) },
  });

  /** The catalog is configuration held in memory, so paging happens here rather than in SQL. */
  app.get("/webhooks/events/types", describeTypes, (c) => {
    const all = Object.entries(deps.catalog);
    // A page starts after the type its cursor names.
    const after = cursorQuery(c, ([type, ...rest]) =>
      rest.length === 0 && type !== undefined && Object.hasOwn(deps.catalog, type) ? type : undefined,
    );
    const start = after === undefined ? 0 : all.findIndex(([type]) => type === after) + 1;
    const limit = listLimit(c);
    const types = all.slice(start, start + limit);
    const last = types[types.length - 1];
    const answer: z.infer<typeof eventTypesAnswerSchema> = {
      data: types.map(([type, description]) => ({ type, description })),
      next_cursor: start + limit < all.length && last ? encodeCursor([last[0]]) : null,
    };
    return c.json(answer);
  });

  return app;
}
