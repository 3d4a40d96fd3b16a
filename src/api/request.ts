import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { type Issue, NotFoundError, ValidationError } from "../errors";
import { MAX_BODY_DEPTH, nestsDeeperThan } from "../events/limits";

/** The request body as JSON, or 400 saying why it is not; an optional empty body reads as {}. */
export async function readJson(c: Context, { optional = false } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") {
    if (optional) return {};
    throw new HTTPException(400, { message: "body: a JSON body is required" });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HTTPException(400, { message: `body: invalid JSON: ${(error as Error).message}` });
  }
  // Before anything walks the body recursively (findUnstorableText, zod, JSON.stringify).
  if (nestsDeeperThan(text, MAX_BODY_DEPTH)) {
    throw new ValidationError([
      { path: "", message: `JSON must not nest deeper than ${MAX_BODY_DEPTH} levels` },
    ]);
  }
  // Both can only come in as \u escapes (JSON forbids raw control characters, and decoding the
  // body as UTF-8 leaves no lone surrogate): most bodies need no walk at all.
  if (/\\u(?:0000|d[89a-f])/i.test(text)) {
    const unstorable = findUnstorableText(body);
    if (unstorable) throw new ValidationError([unstorable]);
  }
  return body;
}

/**
 * PostgreSQL cannot store U+0000, nor a lone UTF-16 surrogate (JSON allows both as escapes):
 * the first such string in a body, key or value, as an issue naming where it is. It recurses:
 * give it a value of bounded depth (readJson checks the depth first).
 */
export function findUnstorableText(value: unknown, path: string[] = []): Issue | undefined {
  const problem = (text: string) =>
    text.includes("\u0000")
      ? "must not contain the NUL character (U+0000)"
      : text.isWellFormed()
        ? undefined
        : "must be valid Unicode (it holds a lone surrogate)";
  if (typeof value === "string") {
    const message = problem(value);
    return message ? { path: path.join("."), message } : undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    const keyProblem = problem(key);
    if (keyProblem) return { path: [...path, key].join("."), message: `key ${keyProblem}` };
    const found = findUnstorableText(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** The row `find` returns for `id`, or 404 naming it; an id that is not a UUID is simply not found. */
export async function findOr404<Row>(
  what: string,
  id: string,
  find: (id: string) => Promise<Row | undefined>,
): Promise<Row> {
  const row = UUID.test(id) ? await find(id) : undefined;
  if (!row) throw new NotFoundError(`no ${what} ${id}`);
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A query parameter as an integer within bounds, or 422 naming it. */
export function intQuery(c: Context, name: string, fallback: number, min: number, max: number): number {
  const text = c.req.query(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError([{ path: name, message: `must be a whole number from ${min} to ${max}` }]);
  }
  return value;
}

/** How many items a list answers with: `limit`, 100 unless asked, at most 1,000 (or 422 naming it). */
export function listLimit(c: Context): number {
  return intQuery(c, "limit", 100, 1, 1000);
}
