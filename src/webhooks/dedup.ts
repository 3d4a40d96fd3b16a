import { createHash } from "node:crypto";
import { z } from "zod";
import type { HeraldEvent } from "../events/event";

/** The event fields a dedup key may name at the top level; anything else is under `data.`. */
export const KEYABLE_EVENT_FIELDS = ["type", "source", "severity", "subject", "title"] as const;

/** A key piece: literal text, or a path into the event (`["data", "client_ip"]`). */
type KeyPiece = string | { path: string[] };

/** A computed key longer than this is stored as its SHA-256: an index entry must stay small. */
const MAX_STORED_KEY_CHARS = 256;

const REFERENCE = /\{\{([^{}]*)\}\}/g;
const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/**
 * A dedup key as pieces, or why it is not one. The key is not a Handlebars template (that would
 * run user code on the ingest path): only literal text and `{{path}}` references to
 * type, source, severity, subject, title or data.a.b.
 */
export function parseDedupKey(key: string): { pieces: KeyPiece[] } | { problem: string } {
  const pieces: KeyPiece[] = [];
  let at = 0;
  for (const match of key.matchAll(REFERENCE)) {
    if (match.index > at) pieces.push(key.slice(at, match.index));
    const inner = (match[1] as string).trim();
    const path = inner.split(".");
    const named = PATH.test(inner) && (path[0] === "data" ? path.length > 1 : path.length === 1);
    if (!named || (path[0] !== "data" && !(KEYABLE_EVENT_FIELDS as readonly string[]).includes(inner))) {
      return { problem: `{{${match[1]}}} is not a field reference: ${ALLOWED}` };
    }
    pieces.push({ path });
    at = match.index + match[0].length;
  }
  const rest = key.slice(at);
  if (rest) pieces.push(rest);
  // A brace outside a reference is half of one (`{{type`), or a triple-stash `{{{type}}}`.
  if (pieces.some((piece) => typeof piece === "string" && /[{}]/.test(piece))) {
    return { problem: `a brace outside a {{path}} reference: ${ALLOWED}` };
  }
  if (!pieces.some((piece) => typeof piece !== "string")) {
    return { problem: "names no field: every event would have the same key" };
  }
  return { pieces };
}

const ALLOWED = `only literal text and {{path}} references to ${KEYABLE_EVENT_FIELDS.join(", ")} or data.<path> (no helpers, blocks or partials)`;

export const dedupSchema = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .max(1000)
      .superRefine((key, ctx) => {
        const parsed = parseDedupKey(key);
        if ("problem" in parsed) ctx.addIssue({ code: "custom", message: parsed.problem });
      })
      .meta({
        title: "Dedup key",
        description: `Literal text and {{path}} references to ${KEYABLE_EVENT_FIELDS.join(", ")} or data.<path>, e.g. {{type}}:{{data.client_ip}}`,
      }),
    window_s: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .meta({ title: "Window (s)", description: "How long a key suppresses events with the same key" }),
  })
  .nullable()
  .meta({
    title: "Deduplication",
    description: "An event whose key was queued or delivered within the window is suppressed",
  })
  .default(null);

export type DedupSettings = NonNullable<z.output<typeof dedupSchema>>;

/**
 * A function from an event to its dedup key: the key's text with each reference replaced by the
 * event's value (a missing one by the empty string, an object or array by its JSON). Plain
 * substitution, no template engine. Compile once per key, call once per event.
 */
export function compileDedupKey(key: string): (event: HeraldEvent) => string {
  const parsed = parseDedupKey(key);
  // Checked when the webhook was saved: a stored key always parses.
  const pieces = "problem" in parsed ? [key] : parsed.pieces;
  return (event) => {
    const text = pieces
      .map((piece) => (typeof piece === "string" ? piece : valueText(valueAt(event, piece.path))))
      .join("");
    return text.length <= MAX_STORED_KEY_CHARS
      ? text
      : `sha256:${createHash("sha256").update(text).digest("hex")}`;
  };
}

/** The event's value at `path` (["data", "client_ip"]), or undefined. */
export function valueAt(event: HeraldEvent, path: string[]): unknown {
  let value: unknown = event;
  for (const name of path) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
