import { Hono } from "hono";
import { z } from "zod";
import { DESTINATIONS } from "../destinations/registry";
import { FORMATS } from "../formats/registry";
import type { AppEnv } from "./deps";
import { access, jsonAnswer } from "./openapi/describe";
import { inputJsonSchema } from "./openapi/json-schema";

const destinationWireSchema = z.strictObject({
  kind: z.string(),
  description: z.string(),
  schemes: z.array(z.string()).meta({ description: "The URL schemes it sends to" }),
  settings_schema: z
    .record(z.string(), z.unknown())
    .meta({ description: "The settings' JSON Schema (also components.schemas.Destination_<kind>)" }),
  secret_settings: z.array(z.string()).meta({ description: "Settings that are write-only, dotted" }),
  max_events_per_request: z.number().int().nullable(),
  default_for_formats: z.array(z.string()),
});

/**
 * Every destination with its URL schemes, its settings' JSON Schema and which settings are
 * secret: what a client needs to build a form for it, as GET /formats is for formats.
 */
export function destinationRoutes() {
  const app = new Hono<AppEnv>();
  const destinations: z.infer<typeof destinationWireSchema>[] = DESTINATIONS.map((destination) => ({
    kind: destination.kind,
    description: destination.description,
    schemes: destination.schemes.map((scheme) => scheme.slice(0, -1)),
    settings_schema: inputJsonSchema(destination.settingsSchema),
    secret_settings: destination.secretPaths.map((path) => path.join(".")),
    max_events_per_request: destination.maxEventsPerRequest ?? null,
    default_for_formats: FORMATS.filter((format) => format.destination === destination.kind).map(
      (format) => format.name,
    ),
  }));
  const describeList = access(["viewer"], {
    tags: ["Destinations"],
    summary: "List the destinations",
    description:
      "Every destination kind with its URL schemes, its settings' JSON Schema and which settings are secret.",
    responses: {
      200: jsonAnswer("The destinations", z.strictObject({ data: z.array(destinationWireSchema) })),
    },
  });
  app.get("/destinations", describeList, (c) => c.json({ data: destinations }));
  return app;
}
