import { failure, RESPONSE_EXCERPT_BYTES, type SendOutcome } from "../destination";
import { EGRESS_DENIED } from "../egress";
import { isPermanentTlsError } from "../tls";
import { goneReason } from "./gone";
import { readJsonAnswer } from "./json-answer";

/** What a receiver answered: the status, headers and the start of the body. */
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, up to the bytes the destination reads (RESPONSE_EXCERPT_BYTES unless it needs more). */
  body: string;
}

/** The first `bytes` of `buffer` as text, without a character cut in half at the end. */
export function utf8Prefix(buffer: Buffer, bytes: number): string {
  const text = buffer.subarray(0, bytes).toString("utf8");
  return buffer.length > bytes ? text.replace(/\uFFFD$/, "") : text;
}

function header(headers: HttpAnswer["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Any HTTP receiver's answer: 2xx delivered; redirects not followed; 408, 429 and 5xx worth
 * another attempt; other 4xx permanent. A JSON error body's message (PagerDuty's, Discord's, most
 * APIs') joins the error, and its `retry_after` counts as well as a Retry-After header. An answer
 * saying the destination is gone (`gone.ts`, which may need the request's `url`) says so in `gone`.
 */
export function classifyResponse(answer: HttpAnswer, durationMs: number, url = ""): SendOutcome {
  const { statusCode, headers } = answer;
  const excerpt = utf8Prefix(Buffer.from(answer.body, "utf8"), RESPONSE_EXCERPT_BYTES);
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
  const said = readJsonAnswer(answer.body);
  const retryAfter = [parseRetryAfter(header(headers, "retry-after"), Date.now()), said.retryAfterMs];
  const known = retryAfter.filter((ms): ms is number => ms !== null);
  const retryAfterMs = known.length > 0 ? Math.max(...known) : null;
  const gone = goneReason(answer, url);
  return {
    ...base,
    ...(gone ? { gone } : {}),
    success: false,
    retryable,
    error: said.message ? `HTTP ${statusCode}: ${said.message}` : `HTTP ${statusCode}`,
    retryAfterMs,
    throttled: statusCode === 429 || (statusCode === 503 && retryAfterMs !== null),
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

/** A send that got no answer: timeouts and resets are worth retrying, refused settings are not. */
export function classifyError(
  error: unknown,
  timeouts: { timeoutMs: number; connectTimeoutMs: number },
  durationMs: number,
): SendOutcome {
  const err = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError") {
    return failure(`timed out after ${timeouts.timeoutMs} ms`, true, durationMs);
  }
  const code = err.code ?? err.cause?.code;
  const message = err.cause?.message ?? err.message;
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return failure(`connect timed out after ${timeouts.connectTimeoutMs} ms`, true, durationMs);
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
