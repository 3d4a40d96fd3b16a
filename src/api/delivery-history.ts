import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { ValidationError } from "../errors";
import { BULK_RETRY_STATUSES, type BulkRetryStatus, retryMatchingDeliveries } from "../store/bulk-retry";
import { type DeliveryFilters, listDeliveryPage } from "../store/history";
import { DELIVERY_STATUSES } from "../store/schema";
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
import {
  enumListQuery,
  queryParameter,
  textQuery,
  timeQuery,
  timeRangeParameters,
  uuidQuery,
} from "./list-query";
import { errors } from "./openapi/components";
import { access, jsonAnswer, LIMIT_PARAMETER } from "./openapi/describe";
import { intQuery, listLimit } from "./request";

/** At most this many deliveries are queued by one bulk retry. */
const BULK_RETRY_CAP = 1000;

const bulkRetryAnswerSchema = z.strictObject({
  queued: z.number().int().meta({ description: "Deliveries made due now" }),
  more: z
    .boolean()
    .meta({ description: `More match beyond the ${BULK_RETRY_CAP} of one request: call again` }),
});

/** The filters the list and the bulk retry share, from the query string. */
function deliveryFilters(c: Context): DeliveryFilters {
  return {
    webhookId: uuidQuery(c, "webhook"),
    statuses: enumListQuery(c, "status", DELIVERY_STATUSES),
    eventType: textQuery(c, "type", 256),
    since: timeQuery(c, "since"),
    until: timeQuery(c, "until"),
  };
}

const FILTER_PARAMETERS = [
  queryParameter("webhook", "Only this webhook's (its id)", { format: "uuid" }),
  queryParameter("type", "Only those of events of this type, exactly"),
  ...timeRangeParameters("created"),
];

const statusParameter = (allowed: readonly string[], description: string) =>
  queryParameter("status", `${description}: ${allowed.join(", ")}, comma-separated`);

export function deliveryHistoryRoutes(deps: ApiDeps) {
  const app = new Hono<AppEnv>();

  const describeList = access(["viewer"], {
    tags: ["Deliveries"],
    summary: "List deliveries across webhooks",
    description:
      "Newest first (by creation), filtered by webhook, state, event type and time, a page at a time.",
    parameters: [
      ...FILTER_PARAMETERS,
      statusParameter(DELIVERY_STATUSES, "Only those in one of these states"),
      LIMIT_PARAMETER,
      CURSOR_PARAMETER,
    ],
    responses: {
      200: jsonAnswer("A page of deliveries", pagedListSchema(deliveryWireSchema)),
      ...errors(422),
    },
  });
  app.get("/deliveries", describeList, async (c) => {
    const page = await listDeliveryPage(
      deps.db,
      deliveryFilters(c),
      cursorQuery(c, positionOf(CURSOR_IDS.uuid)),
      listLimit(c),
    );
    return c.json({
      data: page.rows.map(deliveryToWire),
      next_cursor: encodeCursor(positionParts(page.next)),
    });
  });

  const describeRetry = access([], {
    tags: ["Deliveries"],
    summary: "Deliver again every dead (or discarded) delivery the filters match",
    description: `The filters of GET /deliveries, as query parameters; \`status\` is \`dead\` unless it names \`discarded\` too (other states are refused). At most ${BULK_RETRY_CAP} per request (\`limit\`), newest first; each goes out again under its own webhook-id. Test deliveries and deliveries of inactive webhooks are left as they are.`,
    parameters: [
      ...FILTER_PARAMETERS,
      statusParameter(BULK_RETRY_STATUSES, "Which to retry (default dead)"),
      {
        ...LIMIT_PARAMETER,
        description: `At most how many to queue (1 to ${BULK_RETRY_CAP}, default ${BULK_RETRY_CAP})`,
        schema: { ...LIMIT_PARAMETER.schema, default: BULK_RETRY_CAP },
      },
    ],
    responses: { 202: jsonAnswer("Queued to be sent at once", bulkRetryAnswerSchema), ...errors(422) },
  });
  app.post("/deliveries/retry", describeRetry, async (c) => {
    const filters = deliveryFilters(c);
    const statuses = filters.statuses ?? ["dead"];
    const others = statuses.filter((status) => !(BULK_RETRY_STATUSES as readonly string[]).includes(status));
    if (others.length > 0) {
      throw new ValidationError([
        {
          path: "status",
          message: `only dead and discarded deliveries are retried in bulk (not ${others.join(", ")})`,
        },
      ]);
    }
    const cap = intQuery(c, "limit", BULK_RETRY_CAP, 1, BULK_RETRY_CAP);
    const result = await retryMatchingDeliveries(
      deps.db,
      { ...filters, statuses: statuses as BulkRetryStatus[] },
      cap,
    );
    if (result.queued > 0) deps.engine.wake();
    return c.json<z.infer<typeof bulkRetryAnswerSchema>>(result, 202);
  });

  return app;
}
