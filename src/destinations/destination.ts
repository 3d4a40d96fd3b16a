import type { z } from "zod";
import type { HeraldEvent } from "../events/event";
import type { Format, Rendered } from "../formats/format";
import type { EgressPolicy } from "./egress";

/** One event's own result inside a request that carried several, when the receiver said (Elasticsearch _bulk). */
export interface EventOutcome {
  success: boolean;
  retryable: boolean;
  error: string | null;
  /** The receiver asked to be left alone for a while (see SendOutcome). */
  throttled?: boolean;
}

/**
 * What every destination returns for one send. Destinations classify; the delivery engine decides
 * what to do (retry, give up, count towards the circuit breaker).
 */
export interface SendOutcome {
  success: boolean;
  /** For a failure: may another attempt succeed (timeouts, resets, 429, 5xx), or never (most 4xx)? */
  retryable: boolean;
  statusCode: number | null;
  error: string | null;
  /** The receiver's Retry-After, in milliseconds, when it gave one. */
  retryAfterMs: number | null;
  /**
   * The receiver asked to be left alone for a while (HTTP 429, or 503 saying for how long): the
   * engine holds the whole webhook, not just this delivery. Absent: false.
   */
  throttled?: boolean;
  /**
   * The receiver says the destination no longer exists (410 Gone, Slack's channel_not_found, …),
   * in a few words: the engine disables the webhook at once with this reason. Absent: it did not.
   */
  gone?: string;
  /** The start of what the receiver answered, bounded. */
  responseExcerpt: string | null;
  durationMs: number;
  /** What the destination had to change to send (cut a datagram, …). */
  warnings: string[];
  /** For a request of several events whose receiver answered per event: each one's, in order. */
  perEvent?: EventOutcome[];
}

export const RESPONSE_EXCERPT_BYTES = 1024;

export function failure(
  error: string,
  retryable: boolean,
  durationMs: number,
  extra: Partial<SendOutcome> = {},
): SendOutcome {
  return {
    success: false,
    retryable,
    statusCode: null,
    error,
    retryAfterMs: null,
    responseExcerpt: null,
    durationMs,
    warnings: [],
    ...extra,
  };
}

/** What the engine asks a destination to send: one request, rendered and framed. */
export interface SendRequest<Settings = Record<string, unknown>> {
  url: string;
  /** HTTP only. */
  method: "POST" | "PUT";
  /** HTTP only: content type, identity and the operator's headers. */
  headers: Record<string, string>;
  body: string;
  /** How many events the body carries. */
  eventCount: number;
  /** Bounds the whole send: connecting, writing, and for HTTP the answer (and a Splunk HEC ack). */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** The webhook's settings for this destination, as its settings schema produced them. */
  settings: Settings;
}

/** A destination's open side: its connections, and sends over them. */
export interface Sender<Settings = Record<string, unknown>> {
  send(request: SendRequest<Settings>): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** What every destination's sender may use; each takes what it needs. */
export interface SenderContext {
  egress: EgressPolicy;
  /** Keep-alive connections per origin, per HTTP destination. Default 64. */
  connectionsPerOrigin?: number;
  /** The first pause between Splunk HEC acknowledgement polls; it doubles up to 2 s. */
  hecAckPollMs?: number;
  /** Syslog: the wait before reopening after a failed open doubles from `initialMs` up to `maxMs`. */
  reconnectBackoff?: { initialMs: number; maxMs: number };
  /** Syslog: a connection or UDP socket unused for this long is closed. */
  idleTimeoutMs?: number;
}

/** What a destination may do to a format's rendering before it is sent (syslog: the envelope). */
export interface FramingInput<Settings> {
  rendered: Rendered;
  events: HeraldEvent[];
  format: Pick<Format<unknown>, "name" | "completeSyslogMessage">;
  settings: Settings;
  /** The webhook's URL: the transport (a syslog datagram over udp: has a size limit). */
  url: string;
}

/**
 * Where deliveries go and how: the protocol, its settings and its answers. A destination owns its
 * settings (one zod schema: types, validation, defaults and the JSON Schema the API serves come
 * from it), says which of them are secret, and opens its own connections.
 */
export interface Destination<Settings = Record<string, unknown>> {
  kind: string;
  description: string;
  /** URL schemes it sends to ("https:"). */
  schemes: readonly string[];
  /** The settings, as a strict object schema with defaults; `Settings` is what it produces. */
  settingsSchema: z.ZodObject;
  /**
   * Paths inside the settings of values nobody reads back (passwords, tokens, keys): left out of
   * every answer, and kept when a webhook read from the API is sent back without them.
   */
  secretPaths: readonly (readonly string[])[];
  /** The most events one request may carry whatever its format batches. Absent: the format decides. */
  maxEventsPerRequest?: number;
  /** Headers travel with the request (HTTP); the others take the body only. */
  sendsHeaders: boolean;
  /** The format's rendering as this destination sends it. Absent: as rendered. */
  frame?(input: FramingInput<Settings>): Rendered;
  open(context: SenderContext): Sender<Settings>;
}
