/**
 * What every transport returns for one send. Transports classify; the delivery engine decides
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
  /** The start of what the receiver answered, bounded. */
  responseExcerpt: string | null;
  durationMs: number;
  /** What the transport had to change to send (cut a datagram, …). */
  warnings: string[];
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
