import { Agent, type Dispatcher, request } from "undici";
import type { Transport, TransportRequest } from "./registry";
import { failure, RESPONSE_EXCERPT_BYTES, type SendOutcome } from "./transport";

/** Past this much, an answer's body is not read to the end: the connection is dropped instead. */
const MAX_DRAINED_BODY_BYTES = 64 * 1024;

const PERMANENT_ERROR_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_INVALID_URL",
]);

/**
 * HTTP(S) through undici. One Agent per connect timeout; each Agent keeps a keep-alive
 * connection pool per destination origin. Redirects are never followed. `timeoutMs` bounds the
 * whole request, from connecting to the last byte of the answer.
 */
export function createHttpTransport(options: { connectionsPerOrigin?: number } = {}): Transport {
  const agents = new Map<number, Agent>();

  function agentFor(connectTimeoutMs: number): Dispatcher {
    let agent = agents.get(connectTimeoutMs);
    if (!agent) {
      agent = new Agent({
        connect: { timeout: connectTimeoutMs },
        connections: options.connectionsPerOrigin ?? 64,
        keepAliveTimeout: 30_000,
      });
      agents.set(connectTimeoutMs, agent);
    }
    return agent;
  }

  async function send(req: TransportRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        dispatcher: agentFor(req.connectTimeoutMs),
        signal: AbortSignal.timeout(req.timeoutMs),
      });
      const excerpt = await readExcerpt(response.body);
      return classifyResponse(response.statusCode, response.headers, excerpt, elapsed());
    } catch (error) {
      return classifyError(error, req, elapsed());
    }
  }

  async function close() {
    await Promise.all([...agents.values()].map((agent) => agent.close()));
    agents.clear();
  }

  return { send, close };
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
  const permanent = code !== undefined && PERMANENT_ERROR_CODES.has(code);
  return failure(code ? `${code}: ${message}` : message, !permanent, durationMs);
}
