import { type Env, Hono } from "hono";
import { describeRoute, openAPIRouteHandler } from "hono-openapi";
import { sharedComponents } from "./components";

export const OPENAPI_PATH = "/api/v1/openapi.json";

const DESCRIPTION = `Herald takes security events in and delivers each to every subscribed webhook in the format that subscriber speaks.

Every /api/v1 operation but this document needs an API key, sent as \`Authorization: Bearer <key>\`. Each operation says which roles may call it (also as \`x-herald-roles\`): admin may do everything, viewer may read (never a secret), ingest may only post events.

Errors answer JSON: \`{"error": code, "message": …}\`, and for 422 \`issues\`, each naming the field (\`path\`) and why.`;

/**
 * GET /api/v1/openapi.json: the OpenAPI 3.1 document of `app`, made from the descriptions its
 * routes carry (src/api/openapi/describe.ts), when first asked for. It needs no key: it
 * describes the API, and /docs reads it.
 */
export function openApiRoutes<E extends Env>(app: Hono<E>) {
  const routes = new Hono<E>();
  const describeDocument = describeRoute({
    tags: ["Reference"],
    summary: "This OpenAPI document",
    description: "Needs no key. /docs shows it as an interactive reference.",
    security: [],
    responses: {
      200: { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } },
    },
  });
  routes.get(
    OPENAPI_PATH,
    describeDocument,
    openAPIRouteHandler(app, {
      // The default leaves out every path whose last segment has a dot: this document's own.
      excludeStaticFile: false,
      documentation: {
        info: { title: "Herald", version: "1", description: DESCRIPTION },
        tags: [
          { name: "Events", description: "Events in" },
          { name: "Webhooks", description: "Subscribers: where events go and in what format" },
          { name: "Deliveries", description: "One event to one webhook, with every attempt" },
          { name: "Formats", description: "Output formats, their options, previews" },
          { name: "Destinations", description: "Transports and their settings" },
          { name: "Keys", description: "API keys and their roles" },
          { name: "Operations", description: "Health, readiness and metrics, outside /api/v1" },
          { name: "Reference", description: "This document" },
        ],
        components: sharedComponents(),
      },
    }),
  );
  return routes;
}
