import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, buildConnector, type Dispatcher, request } from "undici";
import { EGRESS_DENIED, type EgressPolicy } from "./egress";
import type { Transport, TransportRequest } from "./registry";
import { isPermanentTlsError, type TlsSettings, tlsCredentialOptions, tlsSettingsKey } from "./tls";
import { failure, RESPONSE_EXCERPT_BYTES, type SendOutcome } from "./transport";

/** Past this much, an answer's body is not read to the end: the connection is dropped instead. */
const MAX_DRAINED_BODY_BYTES = 64 * 1024;

/** Credentials sent as the Authorization header. They replace an Authorization among `headers`. */
export type HttpAuth =
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  /** Splunk HEC's scheme: `Authorization: Splunk <token>`; also turns on reading HEC answers. */
  | { type: "splunk"; token: string };

/**
 * Read answers as Splunk HTTP Event Collector answers ({"text","code"}). Set by the engine for a
 * HEC destination; `auth.type: "splunk"` alone turns it on with no channel and no acknowledgement.
 */
export interface SplunkHecSettings {
  /** Sent as X-Splunk-Request-Channel: a GUID, the same for every send of one webhook. */
  channel?: string;
  /** Wait until Splunk has indexed the events (indexer acknowledgement). Needs `channel`. */
  ack?: boolean;
}

export interface HttpTransportOptions {
  egress: EgressPolicy;
  connectionsPerOrigin?: number;
  /** The first pause between Splunk HEC acknowledgement polls; it doubles up to 2 s. */
  hecAckPollMs?: number;
}

const HEC_ACK_POLL_MAX_MS = 2000;

/**
 * HTTP(S) through undici. One Agent per connect timeout and TLS settings; each Agent keeps a
 * keep-alive connection pool per destination origin. Redirects are never followed. `timeoutMs`
 * bounds the whole send, from connecting to the last byte of the answer (and, for Splunk HEC with
 * acknowledgement, until Splunk has acknowledged).
 */
export function createHttpTransport(options: HttpTransportOptions): Transport {
  const agents = new Map<string, Agent>();
  const hecAckPollMs = options.hecAckPollMs ?? 250;

  function agentFor(req: TransportRequest): Dispatcher {
    const key = `${req.connectTimeoutMs} ${tlsSettingsKey(req.tls)}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: egressCheckedConnector(options.egress, req.connectTimeoutMs, req.tls),
        connections: options.connectionsPerOrigin ?? 64,
        keepAliveTimeout: 30_000,
      });
      agents.set(key, agent);
    }
    return agent;
  }

  async function send(req: TransportRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const hec = req.splunkHec ?? (req.auth?.type === "splunk" ? {} : undefined);
    if (hec?.ack && !hec.channel) {
      return failure("Splunk HEC acknowledgement needs a channel (X-Splunk-Request-Channel)", false, 0);
    }
    const dispatcher = agentFor(req);
    const signal = AbortSignal.timeout(req.timeoutMs);
    const headers = requestHeaders(req, hec);
    try {
      const response = await request(req.url, {
        method: req.method,
        headers,
        body: req.body,
        dispatcher,
        signal,
      });
      const excerpt = await readExcerpt(response.body);
      const answer = hec ? parseHecAnswer(excerpt) : null;
      const outcome = classifyHecAnswer(
        classifyResponse(response.statusCode, response.headers, excerpt, elapsed()),
        answer,
      );
      if (!outcome.success || !hec?.ack) return outcome;
      if (answer?.ackId === undefined) {
        const warning =
          "Splunk HEC gave no ackId: indexer acknowledgement is off for this token, so this counts the events as accepted, not as indexed";
        return { ...outcome, warnings: [warning] };
      }
      const acknowledged = await awaitHecAck(req, headers, answer.ackId, dispatcher, signal);
      return acknowledged === true
        ? { ...outcome, durationMs: elapsed() }
        : {
            ...acknowledged,
            durationMs: elapsed(),
            statusCode: acknowledged.statusCode ?? outcome.statusCode,
          };
    } catch (error) {
      return classifyError(error, req, elapsed());
    }
  }

  /**
   * Polls /services/collector/ack until Splunk says `ackId` is indexed (true), a poll fails for
   * good, or the send's time is up. Either failure is returned as the send's outcome.
   */
  async function awaitHecAck(
    req: TransportRequest,
    headers: Record<string, string>,
    ackId: number,
    dispatcher: Dispatcher,
    signal: AbortSignal,
  ): Promise<true | SendOutcome> {
    const pollHeaders = withHeader(headers, "content-type", "application/json");
    const body = JSON.stringify({ acks: [ackId] });
    try {
      for (let pauseMs = hecAckPollMs; ; pauseMs = Math.min(2 * pauseMs, HEC_ACK_POLL_MAX_MS)) {
        await sleep(pauseMs, undefined, { signal });
        const response = await request(hecAckUrl(req.url), {
          method: "POST",
          headers: pollHeaders,
          body,
          dispatcher,
          signal,
        });
        const excerpt = await readExcerpt(response.body);
        if (isAcknowledged(excerpt, ackId)) return true;
        const poll = classifyHecAnswer(
          classifyResponse(response.statusCode, response.headers, excerpt, 0),
          parseHecAnswer(excerpt),
        );
        if (!poll.success && !poll.retryable) {
          return { ...poll, error: `Splunk HEC acknowledgement poll failed: ${poll.error}` };
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      return failure(
        `Splunk HEC accepted the events (ackId ${ackId}) but had not acknowledged indexing them within ${req.timeoutMs} ms`,
        true,
        0,
      );
    }
  }

  async function close() {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    agents.clear();
  }

  return { send, close };
}

/**
 * undici's connector with the egress check: a name is resolved and its addresses checked by the
 * policy's `lookup`, so the socket connects to an address that was checked; an IP literal, which
 * Node never hands to `lookup`, is checked here.
 */
function egressCheckedConnector(
  egress: EgressPolicy,
  connectTimeoutMs: number,
  tls: TlsSettings | undefined,
): buildConnector.connector {
  const connect = buildConnector({
    timeout: connectTimeoutMs,
    lookup: egress.lookup,
    ...tlsCredentialOptions(tls),
  });
  return (options, callback) => {
    try {
      egress.checkHost(options.hostname);
    } catch (error) {
      callback(error as Error, null);
      return;
    }
    // undici derives SNI from the URL's host; an explicit servername wins over it.
    connect({ ...options, servername: tls?.servername ?? options.servername }, (error, socket) => {
      if (error) return callback(error, null);
      keepTlsRefusalAsError(socket);
      callback(null, socket);
    });
  };
}

/**
 * A TLS 1.3 server refuses our client certificate only after the handshake, with an alert, and
 * then closes; undici would report the close ("other side closed", retryable) instead of the
 * alert. Destroying the socket with the alert's error makes that the error the request fails with.
 */
function keepTlsRefusalAsError(socket: Socket): void {
  socket.on("error", (error: NodeJS.ErrnoException) => {
    if (isPermanentTlsError(error.code) && !socket.destroyed) socket.destroy(error);
  });
}

function requestHeaders(req: TransportRequest, hec: SplunkHecSettings | undefined): Record<string, string> {
  let headers = req.headers;
  if (req.auth) headers = withHeader(headers, "authorization", authorization(req.auth));
  if (hec?.channel) headers = withHeader(headers, "x-splunk-request-channel", hec.channel);
  return headers;
}

function authorization(auth: HttpAuth): string {
  switch (auth.type) {
    case "basic":
      // RFC 7617: user-id ":" password, UTF-8, base64.
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
    case "bearer":
      return `Bearer ${auth.token}`;
    case "splunk":
      return `Splunk ${auth.token}`;
  }
}

/** `headers` with `name` set to `value`, replacing it in any letter case. */
function withHeader(headers: Record<string, string>, name: string, value: string): Record<string, string> {
  const others = Object.entries(headers).filter(([key]) => key.toLowerCase() !== name);
  return { ...Object.fromEntries(others), [name]: value };
}

async function readExcerpt(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let readBytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    readBytes += chunk.length;
    if (keptBytes < RESPONSE_EXCERPT_BYTES) {
      kept.push(chunk);
      keptBytes += chunk.length;
    }
    if (readBytes > MAX_DRAINED_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  const text = Buffer.concat(kept).subarray(0, RESPONSE_EXCERPT_BYTES).toString("utf8");
  // A cut in the middle of a character leaves a replacement character at the end: drop it.
  return keptBytes > RESPONSE_EXCERPT_BYTES ? text.replace(/\uFFFD$/, "") : text;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function classifyResponse(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  excerpt: string,
  durationMs: number,
): SendOutcome {
  const base = { statusCode, responseExcerpt: excerpt || null, durationMs, retryAfterMs: null, warnings: [] };
  if (statusCode >= 200 && statusCode < 300) return { ...base, success: true, retryable: false, error: null };
  if (statusCode >= 300 && statusCode < 400) {
    const location = header(headers, "location");
    return {
      ...base,
      success: false,
      retryable: false,
      error: `HTTP ${statusCode}: redirects are not followed (Location: ${location ?? "none given"})`,
    };
  }
  const retryable = statusCode === 408 || statusCode === 429 || statusCode >= 500;
  return {
    ...base,
    success: false,
    retryable,
    error: `HTTP ${statusCode}`,
    retryAfterMs: parseRetryAfter(header(headers, "retry-after"), Date.now()),
  };
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** What Splunk HEC answers: {"text","code"}, with "ackId" when indexer acknowledgement is on. */
interface HecAnswer {
  text: string;
  code: number;
  ackId?: number;
}

export function parseHecAnswer(excerpt: string): HecAnswer | null {
  try {
    const value = JSON.parse(excerpt);
    return typeof value?.code === "number" && typeof value.text === "string" ? value : null;
  } catch {
    return null;
  }
}

/**
 * Splunk's documented HEC codes that decide retrying on their own; any other code is classed by
 * its HTTP status (e.g. 8 internal error: 500, retryable; 10 channel missing: 400, permanent).
 */
const HEC_CODE_CLASSES = new Map<number, { kind: string; retryable: boolean }>([
  ...[1, 2, 3, 4].map((code) => [code, { kind: "token error", retryable: false }] as const),
  ...[5, 6, 7, 12, 13].map((code) => [code, { kind: "data error", retryable: false }] as const),
  [9, { kind: "server busy", retryable: true }],
]);

/** An HTTP outcome refined by Splunk's answer: code 0 is success, any other code a failure naming it. */
export function classifyHecAnswer(outcome: SendOutcome, answer: HecAnswer | null): SendOutcome {
  if (!answer || answer.code === 0) return outcome;
  const known = HEC_CODE_CLASSES.get(answer.code);
  if (!known && outcome.success) return outcome;
  return {
    ...outcome,
    success: false,
    retryable: known?.retryable ?? outcome.retryable,
    error: `Splunk HEC code ${answer.code}${known ? ` (${known.kind})` : ""}: ${answer.text}`,
  };
}

function isAcknowledged(excerpt: string, ackId: number): boolean {
  try {
    return JSON.parse(excerpt)?.acks?.[String(ackId)] === true;
  } catch {
    return false;
  }
}

/** The ack endpoint beside the event endpoint: …/services/collector[/event] → …/services/collector/ack. */
export function hecAckUrl(eventUrl: string): string {
  const url = new URL(eventUrl);
  const at = url.pathname.indexOf("/services/collector");
  url.pathname = `${at >= 0 ? url.pathname.slice(0, at) : ""}/services/collector/ack`;
  url.search = "";
  return url.toString();
}

function classifyError(error: unknown, req: TransportRequest, durationMs: number): SendOutcome {
  const err = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError") {
    return failure(`timed out after ${req.timeoutMs} ms`, true, durationMs);
  }
  const code = err.code ?? err.cause?.code;
  const message = err.cause?.message ?? err.message;
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return failure(`connect timed out after ${req.connectTimeoutMs} ms`, true, durationMs);
  }
  // undici (or Node) refused to send the request as set up, e.g. a header value with CR or LF:
  // nothing went over the wire, and every retry would be refused the same way.
  const badRequestSetting =
    err.name === "InvalidArgumentError" ||
    code === "UND_ERR_INVALID_ARG" ||
    code === "ERR_INVALID_CHAR" ||
    code === "ERR_INVALID_HTTP_TOKEN";
  if (badRequestSetting) {
    return failure(
      `bad request setting (check the webhook's headers and auth): ${code ? `${code}: ` : ""}${message}`,
      false,
      durationMs,
    );
  }
  const permanent = code === "ERR_INVALID_URL" || code === EGRESS_DENIED || isPermanentTlsError(code);
  return failure(code ? `${code}: ${message}` : message, !permanent, durationMs);
}
