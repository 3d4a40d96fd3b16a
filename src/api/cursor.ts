import type { Context } from "hono";
import { z } from "zod";
import { ValidationError } from "../errors";
import type { Position } from "../store/paging";

// A list's `next_cursor`: opaque to clients (base64url of a JSON array of strings: the last row's
// time and id, or a name), so the way pages are cut can change without changing the API.

const AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

export function encodeCursor(parts: string[] | undefined): string | null {
  return parts ? Buffer.from(JSON.stringify(parts)).toString("base64url") : null;
}

/** A Position as a cursor's parts. */
export const positionParts = (position: Position | undefined) => position && [position.at, position.id];

/** Ids as the lists page by them: deliveries by UUID, events by their internal key. */
export const CURSOR_IDS = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  key: /^\d{1,18}$/,
} as const;

/** Reads a cursor's parts as a Position whose id is as `id` says. */
export function positionOf(id: RegExp) {
  return (parts: string[]): Position | undefined => {
    const [at, rowId] = parts;
    if (parts.length !== 2 || at === undefined || rowId === undefined || !AT.test(at) || !id.test(rowId)) {
      return undefined;
    }
    // A well-formed time that is no real one (February 30th) would make the database fail.
    const real = new Date(at);
    if (Number.isNaN(real.getTime()) || real.toISOString().slice(0, 19) !== at.slice(0, 19)) return undefined;
    return { at, id: rowId };
  };
}

function partsOf(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    return Array.isArray(value) && value.every((part) => typeof part === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The `cursor` query parameter as `read` makes it out, or 422 naming it. */
export function cursorQuery<T>(c: Context, read: (parts: string[]) => T | undefined): T | undefined {
  const text = c.req.query("cursor");
  if (text === undefined || text === "") return undefined;
  const parts = text.length <= 1024 ? partsOf(text) : undefined;
  const value = parts && read(parts);
  if (value === undefined) {
    throw new ValidationError([
      { path: "cursor", message: "is not a cursor this list answered: use its next_cursor, or leave it out" },
    ]);
  }
  return value;
}

export const CURSOR_PARAMETER = {
  in: "query" as const,
  name: "cursor",
  description: "Where the page starts: the `next_cursor` of the page before (422 if it is not one)",
  schema: { type: "string" as const },
};

/** A list as every paged list answers: `data`, newest first, and where the next page starts. */
export function pagedListSchema(item: z.ZodType) {
  return z.strictObject({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: "Pass as `cursor` for the next page; null on the last page" }),
  });
}
