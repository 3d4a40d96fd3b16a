import { Hono } from "hono";
import { scrape } from "../metrics/scrape";
import { allow, authenticate } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";

/** GET /metrics on the API's port: Prometheus text, for a viewer key or better. */
export function metricsRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();
  app.get("/metrics", authenticate(deps.db, deps.config.HERALD_ADMIN_TOKEN), allow("viewer"), () =>
    scrape(deps.metrics.registry),
  );
  return app;
}
