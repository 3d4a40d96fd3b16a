import { truncateChars } from "../../text";

/** What a receiver's JSON error body says: a human message, and how long it asks us to wait. */
export interface JsonAnswer {
  message: string | null;
  retryAfterMs: number | null;
}

const NOTHING: JsonAnswer = { message: null, retryAfterMs: null };

/** The longest message kept: enough for PagerDuty's errors or a Discord form error, not a page. */
const MAX_MESSAGE_CHARS = 300;
/** Bodies longer than this are not error answers worth parsing. */
const MAX_BODY_CHARS = 64 * 1024;
/** How deep a Discord form error is searched for its messages; how many are kept. */
const MAX_ERROR_DEPTH = 12;
const MAX_DETAILS = 5;

type Json = Record<string, unknown>;

const isJsonObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads a receiver's JSON error body, in the shapes receivers give:
 * - PagerDuty Events API v2: {"status","message","errors":["…"]}
 * - Discord: {"code":50035,"message":"Invalid Form Body","errors":{"embeds":{"0":{…{"_errors":[…]}}}}},
 *   and on 429 {"message","retry_after":64.57,"global":false} (discord.com/developers/docs/topics/rate-limits)
 * - many APIs: {"error":"…"}, {"error":{"message":"…"}}, {"error":"…","error_description":"…"},
 *   {"errors":[{"message":"…"}]}, RFC 9457 problem details {"title","detail"}
 * Anything else (Slack's plain-text answers, HTML, malformed or huge JSON) gives nulls. Never throws.
 */
export function readJsonAnswer(body: string): JsonAnswer {
  if (body.length > MAX_BODY_CHARS || !body.trimStart().startsWith("{")) return NOTHING;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return NOTHING;
  }
  if (!isJsonObject(parsed)) return NOTHING;
  return { message: messageOf(parsed), retryAfterMs: retryAfterOf(parsed.retry_after) };
}

/** The headline and, in brackets, the details: "Event object is invalid (Length of … is incorrect)". */
function messageOf(answer: Json): string | null {
  const { error } = answer;
  const headline =
    text(answer.message) ??
    text(error) ??
    (isJsonObject(error) ? text(error.message) : null) ??
    text(answer.title);
  const details = [
    typeof answer.code === "number" || text(answer.code) ? `code ${answer.code}` : null,
    text(answer.error_description),
    text(answer.detail),
    ...errorList(answer.errors),
  ].filter((detail): detail is string => detail !== null);
  if (!headline && details.length === 0) return null;
  const [first = "", ...rest] = headline ? [headline, ...details] : details;
  const message = rest.length > 0 ? `${first} (${rest.slice(0, MAX_DETAILS).join("; ")})` : first;
  return truncateChars(oneLine(message), MAX_MESSAGE_CHARS);
}

/** A non-empty string, or null. */
function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

/** Answers end up in delivery history and logs: one line, no control characters. */
function oneLine(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
}

/** PagerDuty's ["…"], the common [{"message":"…"}], or errors by field (Discord's, Rails'). */
function errorList(errors: unknown): string[] {
  if (Array.isArray(errors)) {
    return errors
      .slice(0, MAX_DETAILS)
      .map((item) => text(item) ?? (isJsonObject(item) ? text(item.message) : null))
      .filter((item): item is string => item !== null);
  }
  return isJsonObject(errors) ? fieldErrors(errors) : [];
}

/**
 * Errors by field: Discord's nest by the path of the field at fault down to
 * {"_errors":[{"code","message"}]} (discord.com/developers/docs/reference#error-messages), as
 * "embeds.0.description: Must be 4096 or fewer in length."; Rails-style APIs give
 * {"field":["message"]}. Searched breadth first without recursion, bounded in depth and count.
 */
function fieldErrors(errors: Json): string[] {
  const found: string[] = [];
  const pending: [node: Json, path: string, depth: number][] = [[errors, "", 0]];
  for (let next = pending.shift(); next && found.length < MAX_DETAILS; next = pending.shift()) {
    const [node, path, depth] = next;
    for (const [key, value] of Object.entries(node)) {
      const at = key === "_errors" ? path : path ? `${path}.${key}` : key;
      if (Array.isArray(value)) {
        for (const item of value) {
          const said = text(item) ?? (isJsonObject(item) ? text(item.message) : null);
          if (said && found.length < MAX_DETAILS) found.push(at ? `${at}: ${said}` : said);
        }
      } else if (isJsonObject(value) && depth < MAX_ERROR_DEPTH) {
        pending.push([value, at, depth + 1]);
      }
    }
  }
  return found;
}

/** `retry_after` in seconds, a number or a numeric string (Discord sends 64.57), as milliseconds. */
function retryAfterOf(value: unknown): number | null {
  const seconds =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : null;
}
