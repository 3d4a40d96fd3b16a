import { Hono } from "hono";
import { z } from "zod";
import { flowSchema } from "../webhooks/flow";
import type { AppEnv } from "./deps";
import { access, jsonAnswer } from "./openapi/describe";
import { inputJsonSchema } from "./openapi/json-schema";

const flowWireSchema = z.strictObject({
  settings_schema: z.record(z.string(), z.unknown()).meta({
    description: "The JSON Schema of a webhook's flow-control fields, which sit at the webhook's top level",
  }),
});

/**
 * The JSON Schema of a webhook's flow-control settings (rate limit, ordering, dedup, grouping…),
 * from the same zod schemas that check them: what a client needs to build a form for them, as
 * GET /destinations is for a destination's settings.
 */
export function flowRoutes() {
  const app = new Hono<AppEnv>();
  const answer: z.infer<typeof flowWireSchema> = { settings_schema: inputJsonSchema(flowSchema) };
  const describeFlow = access(["viewer"], {
    tags: ["Webhooks"],
    summary: "Describe a webhook's flow-control settings",
    description:
      "The JSON Schema of the flow-control fields a webhook takes at its top level (POST and PUT /webhooks): max_in_flight, rate_limit, ordering, discard_after_s, lossy, max_queue, dedup and group.",
    responses: { 200: jsonAnswer("The flow-control settings' JSON Schema", flowWireSchema) },
  });
  app.get("/flow", describeFlow, (c) => c.json(answer));
  return app;
}
