import type { Socket } from "node:net";
import { Agent, buildConnector, type Dispatcher } from "undici";
import type { Sender, SenderContext, SendOutcome, SendRequest } from "../destination";
import type { EgressPolicy } from "../egress";
import { isPermanentTlsError, type TlsSettings, tlsCredentialOptions, tlsSettingsKey } from "../tls";
import { classifyError, classifyResponse, type HttpAnswer } from "./answers";
import { authorization, type HttpAuth } from "./auth";
import { exchange } from "./exchange";

/** Enough of an answer for the longest JSON error a receiver documents (Discord's form errors). */
const DEFAULT_ANSWER_BYTES = 16 * 1024;

/** What every HTTP destination's settings hold. */
export interface HttpSettingsBase {
  auth: HttpAuth | null;
  tls: TlsSettings | null;
}

/** One more POST on the same connection pool, bounded by the send's time (HEC's ack polls). */
export type FollowUp = (url: string, headers: Record<string, string>, body: string) => Promise<HttpAnswer>;

/**
 * What an HTTP destination adds to the shared sender: its own headers, URL and answer rules.
 * Everything is optional: plain HTTP uses none.
 */
export interface HttpRules<Settings extends HttpSettingsBase> {
  /** How much of an answer's body `classify` reads. Default: 16 KiB (a JSON error in full). */
  answerBytes?: number;
  /** The URL the request goes to (Elasticsearch: with filter_path). Default: the webhook's. */
  url?(url: string): string;
  /** Headers the destination sets itself (Splunk's channel), after the operator's. */
  headers?(settings: Settings): Record<string, string>;
  /** The generic classification refined by what this receiver's answers say. */
  classify?(answer: HttpAnswer, outcome: SendOutcome, request: SendRequest<Settings>): SendOutcome;
  /** After a successful answer, what it takes to confirm it (Splunk's indexer acknowledgement). */
  confirm?(
    answer: HttpAnswer,
    outcome: SendOutcome,
    context: {
      request: SendRequest<Settings>;
      headers: Record<string, string>;
      followUp: FollowUp;
      signal: AbortSignal;
    },
  ): Promise<SendOutcome>;
}

/**
 * HTTP(S) through undici. One Agent per connect timeout and TLS settings; each Agent keeps a
 * keep-alive connection pool per destination origin. Redirects are never followed. `timeoutMs`
 * bounds the whole send, from connecting to the last byte of the answer (and whatever `confirm`
 * does after it).
 */
export function createHttpSender<Settings extends HttpSettingsBase>(
  context: SenderContext,
  rules: HttpRules<Settings> = {},
): Sender<Settings> {
  const agents = new Map<string, Agent>();
  const answerBytes = rules.answerBytes ?? DEFAULT_ANSWER_BYTES;

  function agentFor(req: SendRequest<Settings>): Dispatcher {
    const key = `${req.connectTimeoutMs} ${tlsSettingsKey(req.settings.tls)}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: egressCheckedConnector(context.egress, req.connectTimeoutMs, req.settings.tls),
        connections: context.connectionsPerOrigin ?? 64,
        keepAliveTimeout: 30_000,
      });
      agents.set(key, agent);
    }
    return agent;
  }

  async function send(req: SendRequest<Settings>): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeLeft = () => Math.max(0, Math.ceil(req.timeoutMs - (performance.now() - started)));
    const dispatcher = agentFor(req);
    const headers = requestHeaders(req, rules.headers?.(req.settings));
    try {
      const first = { method: req.method, url: rules.url?.(req.url) ?? req.url, headers, body: req.body };
      const answer = await exchange(dispatcher, first, answerBytes, { timeoutMs: timeLeft() });
      const generic = classifyResponse(answer, elapsed(), req.url);
      const outcome = rules.classify?.(answer, generic, req) ?? generic;
      if (!outcome.success || !rules.confirm) return outcome;
      // One signal for what confirming takes, its pauses and its requests: when it aborts, every
      // part of it sees the same end (HEC names the ackId it waited for).
      const signal = AbortSignal.timeout(timeLeft());
      const followUp: FollowUp = (url, headers, body) =>
        exchange(dispatcher, { method: "POST", url, headers, body }, answerBytes, { signal });
      const confirmed = await rules.confirm(answer, outcome, { request: req, headers, followUp, signal });
      return { ...confirmed, durationMs: elapsed() };
    } catch (error) {
      return classifyError(error, req, elapsed());
    }
  }

  async function close() {
    // Closing comes after the engine recorded or handed back every delivery: a request still
    // open is one nobody waits for, so it is aborted rather than waited for (up to timeout_ms).
    await Promise.all([...agents.values()].map((agent) => agent.destroy()));
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
  tls: TlsSettings | null,
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

/** The request's headers with the credentials and the destination's own headers set. */
function requestHeaders(
  req: SendRequest<HttpSettingsBase>,
  own: Record<string, string> | undefined,
): Record<string, string> {
  let headers = req.headers;
  if (req.settings.auth) headers = withHeader(headers, "authorization", authorization(req.settings.auth));
  for (const [name, value] of Object.entries(own ?? {})) headers = withHeader(headers, name, value);
  return headers;
}

/** `headers` with `name` (lower case) set to `value`, replacing it in any letter case. */
export function withHeader(
  headers: Record<string, string>,
  name: string,
  value: string,
): Record<string, string> {
  const others = Object.entries(headers).filter(([key]) => key.toLowerCase() !== name);
  return { ...Object.fromEntries(others), [name]: value };
}
