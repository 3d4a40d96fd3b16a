import { Hono } from "hono";
import { z } from "zod";
import { DESTINATIONS } from "../destinations/registry";
import { FORMATS } from "../formats/registry";
import { allow } from "./auth";
import type { AppEnv } from "./deps";

/**
 * Every destination with its URL schemes, its settings' JSON Schema and which settings are
 * secret: what a client needs to build a form for it, as GET /formats is for formats.
 */
export function destinationRoutes() {
  const app = new Hono<AppEnv>();
  const answer = {
    data: DESTINATIONS.map((destination) => ({
      kind: destination.kind,
      description: destination.description,
      schemes: destination.schemes.map((scheme) => scheme.slice(0, -1)),
      settings_schema: z.toJSONSchema(destination.settingsSchema, { io: "input", unrepresentable: "any" }),
      secret_settings: destination.secretPaths.map((path) => path.join(".")),
      max_events_per_request: destination.maxEventsPerRequest ?? null,
      default_for_formats: FORMATS.filter((format) => format.destination === destination.kind).map(
        (format) => format.name,
      ),
    })),
  };
  app.get("/destinations", allow("viewer"), (c) => c.json(answer));
  return app;
}
