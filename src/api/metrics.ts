import { Hono } from "hono";
import { scrape } from "../metrics/scrape";
import { authenticate } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
import { access } from "./openapi/describe";

/** GET /metrics on the API's port: Prometheus text, for a viewer key or better. */
export function metricsRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  const describeMetrics = access(["viewer"], {
    tags: ["Operations"],
    summary: "Prometheus metrics",
    description:
      "The Prometheus text format 0.0.4. With HERALD_METRICS_PORT set, also on a listener of its own, without a key.",
    responses: {
      200: { description: "The metrics", content: { "text/plain": { schema: { type: "string" } } } },
    },
  });
  app.get("/metrics", authenticate(deps.db, deps.config.HERALD_ADMIN_TOKEN), describeMetrics, () =>
    scrape(deps.metrics.registry),
  );
  return app;
}
