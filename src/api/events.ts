import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ValidationError } from "../errors";
import { acceptEvent, parseIncomingBatch } from "../events/event";
import { ingestEvents } from "../store/ingest";
import { allow } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
import { listLimit, readJson } from "./request";

const JSON_CONTENT_TYPES = [
  "application/json",
  "application/cloudevents+json",
  "application/cloudevents-batch+json",
];

export function eventRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  /** One event or an array; answered 202 only once the events and their deliveries are committed. */
  app.post("/events", allow("ingest"), async (c) => {
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
    const results = await ingestEvents(deps.db, accepted);
    deps.metrics.ingest.ingested(accepted.filter((_, index) => results[index]?.duplicate === false));
    if (results.some((result) => result.deliveriesQueued > 0)) deps.engine.wake();
    return c.json(
      {
        data: results.map((result) => ({
          id: result.id,
          type: result.type,
          duplicate: result.duplicate,
          deliveries_queued: result.deliveriesQueued,
        })),
      },
      202,
    );
  });

  /** The catalog is configuration held in memory, so the limit applies here rather than in SQL. */
  app.get("/webhooks/events/types", allow("viewer"), (c) => {
    const types = Object.entries(deps.catalog).slice(0, listLimit(c));
    return c.json({ data: types.map(([type, description]) => ({ type, description })) });
  });

  return app;
}
