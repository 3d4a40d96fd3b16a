import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConflictError, NotFoundError, ValidationError } from "../errors";

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
  log("unexpected error", error);
  return c.json(errorBody("internal_error", "an unexpected error occurred; it has been logged"), 500);
}
