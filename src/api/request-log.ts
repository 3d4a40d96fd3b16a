import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { LogFields, Logger } from "../logger";
import { truncateChars } from "../text";
import type { AppEnv, Principal } from "./deps";

/**
 * The longest X-Request-Id taken from a caller. A longer one, or one with anything but letters,
 * digits, "_", "-" and "=" (spaces, quotes, control characters), is replaced by a new id, not echoed.
 */
export const MAX_REQUEST_ID_CHARS = 128;

/** Paths the most is cut to in a log line: a path is the caller's text, of any length. */
const MAX_LOGGED_PATH_CHARS = 256;

/** Probes that answer many times a minute: logged at debug level while they succeed. */
const PROBE_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * Gives every request an id (the caller's X-Request-Id when it is a sane token, else a new UUID),
 * echoes it in the answer's X-Request-Id, and logs one line when the request ends: its id, method,
 * path (never the query string, which may carry a credential), status, duration, and the name of
 * the API key that made it (never the key).
 */
export function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  const assignId = requestId({ limitLength: MAX_REQUEST_ID_CHARS });
  return async (c, next) => {
    const started = performance.now();
    await assignId(c, next);
    const id = c.get("requestId");
    // An answer built as a Response of its own (not through the context) lacks the header.
    if (!c.res.headers.has("x-request-id")) c.header("X-Request-Id", id);
    const { status } = c.res;
    const principal: Principal | undefined = c.get("principal");
    const fields: LogFields = {
      request_id: id,
      method: c.req.method,
      path: truncateChars(c.req.path, MAX_LOGGED_PATH_CHARS),
      status,
      duration_ms: Math.round(performance.now() - started),
      ...(principal && { key_name: principal.name, role: principal.role }),
    };
    if (status >= 500) log.warn("request failed", fields);
    else if (PROBE_PATHS.has(c.req.path) && status < 400) log.debug("request completed", fields);
    else log.info("request completed", fields);
  };
}
