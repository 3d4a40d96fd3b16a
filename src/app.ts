import { Hono } from "hono";
import { authenticate } from "./api/auth";
import { throttleFailedAuthentication } from "./api/auth-throttle";
import { limitBodySize } from "./api/body-limit";
import { deliveryRoutes } from "./api/deliveries";
import { deliveryHistoryRoutes } from "./api/delivery-history";
import type { ApiDeps, AppEnv } from "./api/deps";
import { destinationRoutes } from "./api/destinations";
import { docsRoutes } from "./api/docs";
import { errorBody, handleError } from "./api/error-answers";
import { eventHistoryRoutes } from "./api/event-history";
import { eventRoutes } from "./api/events";
import { flowRoutes } from "./api/flow";
import { formatRoutes } from "./api/formats";
import { healthRoutes } from "./api/health";
import { keyRoutes } from "./api/keys";
import { metricsRoutes } from "./api/metrics";
import { openApiRoutes } from "./api/openapi/document";
import { replayRoutes } from "./api/replay";
import { requestLog } from "./api/request-log";
import { secretRotationRoutes } from "./api/secret-rotation";
import { webhookStatsRoutes } from "./api/webhook-stats";
import { webhookRoutes } from "./api/webhooks";
import { whoamiRoutes } from "./api/whoami";
import { consoleRoutes } from "./console/routes";
import { describeError } from "./errors";
import type { Logger } from "./logger";

/**
 * The HTTP application: health checks, /metrics (viewer key), the API reference (/docs and
 * /api/v1/openapi.json, public), then the authenticated /api/v1 resources.
 */
export function createApp(deps: ApiDeps, log: Logger) {
  const app = new Hono<AppEnv>();
  app.onError((error, c) =>
    handleError(error, c, (message, cause) =>
      log.error(message, { request_id: c.get("requestId"), error: describeError(cause) }),
    ),
  );
  // First: every request, whatever answers it, gets an id and one log line.
  app.use(requestLog(log));
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

  app.route("/", healthRoutes(deps.db, deps.engine, deps.now));
  // One limiter of failed authentications, before each place a key is checked: /metrics, /api/v1.
  const limitAuthFailures = throttleFailedAuthentication(deps, log);
  app.use("/metrics", limitAuthFailures);
  app.route("/", metricsRoutes(deps));
  // Before /api/v1's key check, which it is answered ahead of: the API's description is public.
  app.route("/", openApiRoutes(app));
  app.route("/", docsRoutes());
  // The operator console: GET / and its hashed files under /console/assets/, bundled on first use.
  app.route("/", consoleRoutes());

  const api = new Hono<AppEnv>();
  api.use(limitBodySize(deps.config.HERALD_MAX_BODY_BYTES));
  api.use(limitAuthFailures);
  api.use(authenticate(deps.db, deps.config.HERALD_ADMIN_TOKEN));
  api.route("/", whoamiRoutes());
  api.route("/", eventRoutes(deps));
  api.route("/", eventHistoryRoutes(deps));
  api.route("/", webhookRoutes(deps));
  api.route("/", webhookStatsRoutes(deps));
  api.route("/", replayRoutes(deps));
  api.route("/", secretRotationRoutes(deps));
  api.route("/", deliveryRoutes(deps));
  api.route("/", deliveryHistoryRoutes(deps));
  api.route("/", keyRoutes(deps));
  api.route("/", formatRoutes(deps));
  api.route("/", destinationRoutes());
  api.route("/", flowRoutes());
  app.route("/api/v1", api);
  return app;
}
