import { Hono } from "hono";
import { z } from "zod";
import { NotFoundError, ValidationError } from "../errors";
import { SEVERITIES } from "../events/severity";
import { type EventSummary, findEvents, listEventPage } from "../store/event-history";
import { listDeliveriesOfEvent } from "../store/history";
import {
  CURSOR_IDS,
  CURSOR_PARAMETER,
  cursorQuery,
  encodeCursor,
  pagedListSchema,
  positionOf,
  positionParts,
} from "./cursor";
import { deliveryToWire, deliveryWireSchema } from "./deliveries";
import type { ApiDeps, AppEnv } from "./deps";
import { queryParameter, textQuery, timeQuery, timeRangeParameters } from "./list-query";
import { errors } from "./openapi/components";
import { access, jsonAnswer, LIMIT_PARAMETER } from "./openapi/describe";
import { findUnstorableText, listLimit } from "./request";

/** An event's deliveries answered with it, at most (one per subscribed webhook). */
const MAX_FAN_OUT = 1000;
/** Sources named when an id is ambiguous, at most. */
const MAX_SOURCES_NAMED = 10;

const timestamp = z.iso.datetime();

/** A stored event as the lists show it: its fields without `data`. */
const storedEventSchema = z
  .strictObject({
    id: z.string().meta({ description: "As posted, or the UUID Herald made; unique with `source`" }),
    source: z.string(),
    type: z.string(),
    time: timestamp.meta({ description: "When it happened, as the producer said (or when it was received)" }),
    severity: z.enum(SEVERITIES),
    title: z.string(),
    subject: z.string().nullable(),
    received_at: timestamp,
  })
  .meta({ id: "StoredEvent" });

const eventDetailSchema = storedEventSchema.extend({
  data: z.record(z.string(), z.unknown()),
  deliveries: z.array(deliveryWireSchema).meta({
    description: `Its fan-out: one delivery per webhook it went to, oldest first (at most ${MAX_FAN_OUT})`,
  }),
});

function eventToWire(row: Omit<EventSummary, "position">): z.infer<typeof storedEventSchema> {
  return {
    id: row.id,
    source: row.source,
    type: row.type,
    time: new Date(row.time).toISOString(),
    severity: row.severity as z.infer<typeof storedEventSchema>["severity"],
    title: row.title,
    subject: row.subject,
    received_at: row.receivedAt.toISOString(),
  };
}

export function eventHistoryRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const describeList = access(["viewer"], {
    tags: ["Events"],
    summary: "List stored events",
    description:
      "Newest first (as received), without their `data`, filtered by type, source and time of receipt.",
    parameters: [
      queryParameter("type", "Only events of this type, exactly"),
      queryParameter("source", "Only events from this source, exactly"),
      ...timeRangeParameters("received"),
      LIMIT_PARAMETER,
      CURSOR_PARAMETER,
    ],
    responses: { 200: jsonAnswer("A page of events", pagedListSchema(storedEventSchema)), ...errors(422) },
  });
  app.get("/events", describeList, async (c) => {
    const filters = {
      type: textQuery(c, "type", 256),
      source: textQuery(c, "source", 1024),
      since: timeQuery(c, "since"),
      until: timeQuery(c, "until"),
    };
    const page = await listEventPage(
      deps.db,
      filters,
      cursorQuery(c, positionOf(CURSOR_IDS.key)),
      listLimit(c),
    );
    return c.json({ data: page.rows.map(eventToWire), next_cursor: encodeCursor(positionParts(page.next)) });
  });

  const describeGet = access(["viewer"], {
    tags: ["Events"],
    summary: "Read an event with its deliveries",
    description:
      "`{id}` is the event's id as posted (or made by Herald): what POST /events answers and deliveries show as `event_id`. Ids are unique per source only: when sources share one, `source` says which (422 naming `source` without it).",
    parameters: [
      {
        in: "path" as const,
        name: "id",
        required: true,
        description: "The event's id",
        schema: { type: "string" as const },
      },
      queryParameter("source", "The event's source, needed only when several sources used the id"),
    ],
    responses: {
      200: jsonAnswer("The event, its data and its fan-out", eventDetailSchema),
      ...errors(404, 422),
    },
  });
  app.get("/events/:id", describeGet, async (c) => {
    const id = c.req.param("id");
    const source = textQuery(c, "source", 1024);
    // An id the database could not store (a NUL in it) names no event: not a query to run.
    const found = findUnstorableText(id) ? [] : await findEvents(deps.db, id, source, MAX_SOURCES_NAMED);
    const [event] = found;
    if (!event) throw new NotFoundError(`no event ${id}${source === undefined ? "" : ` from ${source}`}`);
    if (found.length > 1) {
      const sources = found.map((each) => JSON.stringify(each.source)).join(", ");
      throw new ValidationError([
        { path: "source", message: `events from several sources have the id ${id} (${sources}): say which` },
      ]);
    }
    const fanOut = await listDeliveriesOfEvent(deps.db, event.key, MAX_FAN_OUT);
    const answer: z.infer<typeof eventDetailSchema> = {
      ...eventToWire(event),
      data: event.data,
      deliveries: fanOut.map(deliveryToWire),
    };
    return c.json(answer);
  });

  return app;
}
