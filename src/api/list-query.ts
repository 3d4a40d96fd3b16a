import type { Context } from "hono";
import { z } from "zod";
import { ValidationError } from "../errors";
import { findUnstorableText } from "./request";

// Filters of the history lists (deliveries, events), read from the query string: each one bad
// is a 422 naming it, never a database error.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dateTime = z.iso.datetime({ offset: true });

const refuse = (path: string, message: string) => new ValidationError([{ path, message }]);

/**
 * A text filter of at most `max` characters; absent or empty is no filter. One the database
 * cannot take (a NUL, a lone surrogate: %00, %ED%A0%80) is refused here, naming it.
 */
export function textQuery(c: Context, name: string, max: number): string | undefined {
  const text = c.req.query(name);
  if (text === undefined || text === "") return undefined;
  if (text.length > max) throw refuse(name, `must be at most ${max} characters`);
  const unstorable = findUnstorableText(text, [name]);
  if (unstorable) throw new ValidationError([unstorable]);
  return text;
}

/** An RFC 3339 date-time. */
export function timeQuery(c: Context, name: string): Date | undefined {
  const text = textQuery(c, name, 64);
  if (text === undefined) return undefined;
  if (!dateTime.safeParse(text).success) {
    throw refuse(name, "must be an RFC 3339 date-time, e.g. 2026-02-20T10:30:00Z");
  }
  return new Date(text);
}

export function uuidQuery(c: Context, name: string): string | undefined {
  const text = textQuery(c, name, 64);
  if (text !== undefined && !UUID.test(text)) throw refuse(name, "must be a UUID");
  return text?.toLowerCase();
}

/** One or more of `allowed`, comma-separated. */
export function enumListQuery<T extends string>(
  c: Context,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const text = textQuery(c, name, 256);
  if (text === undefined) return undefined;
  const values = text.split(",").map((value) => value.trim());
  const unknown = values.filter((value) => !(allowed as readonly string[]).includes(value));
  if (unknown.length > 0) {
    throw refuse(
      name,
      `must be one or more of ${allowed.join(", ")}, comma-separated (not ${unknown.join(", ")})`,
    );
  }
  return [...new Set(values)] as T[];
}

/** A query parameter for the OpenAPI document. */
export function queryParameter(name: string, description: string, schema: Record<string, unknown> = {}) {
  return { in: "query" as const, name, description, schema: { type: "string" as const, ...schema } };
}

/** `since` and `until`, as the history lists take them, on the time named. */
export function timeRangeParameters(what: string) {
  return [
    queryParameter("since", `Only those ${what} at or after this RFC 3339 date-time`, {
      format: "date-time",
    }),
    queryParameter("until", `Only those ${what} before this RFC 3339 date-time`, { format: "date-time" }),
  ];
}
