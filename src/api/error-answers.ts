import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConflictError, errorCodes, NotFoundError, StoreTimeoutError, ValidationError } from "../errors";

export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: code, message, ...extra };
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/**
 * Errors that say the database cannot be reached right now (PostgreSQL restarting, a connection
 * cut): Node's socket errors, postgres.js's connection errors, and the SQLSTATEs of class 08
 * (connection exception) and 57P (the server shutting down or starting up).
 */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** Seconds a client is asked to wait before trying again while the database is unreachable. */
const UNAVAILABLE_RETRY_AFTER_S = 1;

/** Whether `error`, or an error it wraps (Drizzle wraps the driver's), says the database is unreachable. */
export function isDatabaseUnreachable(error: unknown): boolean {
  return errorCodes(error).some((code) => UNREACHABLE_CODES.has(code) || /^(08|57P)/.test(code));
}

/** Every error becomes JSON with a code and a message naming the field and the reason. */
export function handleError(
  error: Error,
  c: Context,
  log: (message: string, error: unknown) => void,
): Response {
  if (error instanceof ValidationError) {
    return c.json(errorBody("validation_failed", error.message, { issues: error.issues }), 422);
  }
  if (error instanceof NotFoundError) return c.json(errorBody("not_found", error.message), 404);
  if (error instanceof ConflictError) return c.json(errorBody("conflict", error.message), 409);
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    return c.json(errorBody(CODES[status] ?? "error", error.message), status);
  }
  if (isDatabaseUnreachable(error)) {
    // Nothing was stored: the same request can succeed once the database is back.
    log("the database is unreachable: answered 503", error);
    return c.json(
      errorBody("unavailable", "the database is unreachable; nothing was stored: try again shortly", {
        retry_after: UNAVAILABLE_RETRY_AFTER_S,
      }),
      503,
      { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_S) },
    );
  }
  if (error instanceof StoreTimeoutError) {
    log("the database did not answer in time: answered 503", error);
    return c.json(
      errorBody(
        "unavailable",
        `${error.message}; it may or may not have been done: send it again (an event Herald already has is acknowledged, not sent twice)`,
        { retry_after: UNAVAILABLE_RETRY_AFTER_S },
      ),
      503,
      { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_S) },
    );
  }
  log("unexpected error", error);
  return c.json(errorBody("internal_error", "an unexpected error occurred; it has been logged"), 500);
}
