import { randomUUID } from "node:crypto";
import type { Answer, RecordedRequest } from "./receiver";

/**
 * A stand-in for PagerDuty's Events API v2 (POST /v2/enqueue), answering as PagerDuty documents
 * (developer.pagerduty.com/docs/events-api-v2/overview/, the Events API v2 OpenAPI document):
 * 202 {"status":"success","message":"Event processed","dedup_key"}, 400 {"status":"invalid event",
 * "message":"Event object is invalid","errors":[…]}, 429 when told to rate-limit.
 * Only the routing_key error is quoted in PagerDuty's documentation; the other texts are the ones
 * PagerDuty gives in practice ("'payload.source' is missing or blank", the severity list), the
 * summary and size texts in the same style.
 */
export interface PagerDutyStandIn {
  answer: (request: RecordedRequest) => Answer;
  /** While true, every request gets a 429, as a throttled integration answers. */
  rateLimited: boolean;
  /**
   * Routing keys of integrations that were deleted: PagerDuty refuses them with 400 and the error
   * "Invalid routing key" (what it answers in practice, e.g. robusta-dev/robusta#571; its
   * documentation quotes only the length error).
   */
  deletedKeys: Set<string>;
}

const SEVERITIES = ["critical", "warning", "error", "info"];
const ACTIONS = ["trigger", "acknowledge", "resolve"];
const MAX_EVENT_BYTES = 512_000;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const blank = (value: unknown) => typeof value !== "string" || value.trim() === "";

function json(status: number, body: unknown): Answer {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export function createPagerDutyStandIn(): PagerDutyStandIn {
  const standIn: PagerDutyStandIn = {
    rateLimited: false,
    deletedKeys: new Set(),
    answer(request) {
      if (request.url.split("?")[0] !== "/v2/enqueue" || request.method !== "POST") {
        return json(404, { status: "not found", message: "Not Found" });
      }
      if (standIn.rateLimited) {
        return json(429, {
          status: "throttle event",
          message: "Requests for this service are arriving too quickly.  Please retry later.",
        });
      }
      let event: unknown;
      try {
        event = JSON.parse(request.body);
      } catch {
        event = undefined;
      }
      if (!isObject(event)) {
        // The OpenAPI document's example error.
        return json(400, {
          status: "Unrecognized object",
          message: "Event object format is unrecognized",
          errors: ["JSON parse error"],
        });
      }
      if (standIn.deletedKeys.has(event.routing_key as string)) {
        return json(400, {
          status: "invalid event",
          message: "Event object is invalid",
          errors: ["Invalid routing key"],
        });
      }
      const errors = eventErrors(event, Buffer.byteLength(request.body, "utf8"));
      if (errors.length > 0)
        return json(400, { status: "invalid event", message: "Event object is invalid", errors });
      const dedupKey =
        typeof event.dedup_key === "string" ? event.dedup_key : randomUUID().replaceAll("-", "");
      return json(202, { status: "success", message: "Event processed", dedup_key: dedupKey });
    },
  };
  return standIn;
}

/** Everything PagerDuty would refuse in the event. */
function eventErrors(event: Json, bytes: number): string[] {
  const errors: string[] = [];
  if (typeof event.routing_key !== "string" || event.routing_key.length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  if (!ACTIONS.includes(event.event_action as string)) {
    errors.push(
      "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
    );
  }
  if (event.dedup_key !== undefined) {
    if (typeof event.dedup_key !== "string") errors.push("'dedup_key' is invalid (must be a string)");
    else if (Array.from(event.dedup_key).length > 255)
      errors.push("'dedup_key' is too long (maximum is 255 characters)");
  } else if (event.event_action === "acknowledge" || event.event_action === "resolve") {
    errors.push("'dedup_key' is missing or blank");
  }
  if (bytes > MAX_EVENT_BYTES) errors.push("Event object is too large (maximum is 512 KB)");
  if (event.event_action === "trigger") errors.push(...payloadErrors(event.payload));
  return errors;
}

function payloadErrors(payload: unknown): string[] {
  if (!isObject(payload)) return ["'payload' is missing or blank"];
  const errors: string[] = [];
  if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
  else if (Array.from(payload.summary as string).length > 1024) {
    errors.push("'payload.summary' is too long (maximum is 1024 characters)");
  }
  if (blank(payload.source)) errors.push("'payload.source' is missing or blank");
  if (payload.severity === undefined || payload.severity === "")
    errors.push("'payload.severity' is missing or blank");
  else if (!SEVERITIES.includes(payload.severity as string)) {
    errors.push(
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    );
  }
  if (payload.timestamp !== undefined && Number.isNaN(Date.parse(String(payload.timestamp)))) {
    errors.push("'payload.timestamp' is invalid (must be an ISO 8601 date)");
  }
  if (payload.custom_details !== undefined && !isObject(payload.custom_details)) {
    errors.push("'payload.custom_details' is invalid (must be an object)");
  }
  return errors;
}
