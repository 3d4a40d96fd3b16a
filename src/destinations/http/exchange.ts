import type { Dispatcher } from "undici";
import { type HttpAnswer, utf8Prefix } from "./answers";

/** Past this much, an answer's body is not read to the end: the connection is dropped instead. */
const MAX_DRAINED_BODY_BYTES = 64 * 1024;

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** When an exchange gives up: after `timeoutMs`, or when `signal` aborts (with its reason). */
export type Deadline = { timeoutMs: number } | { signal: AbortSignal };

/**
 * One request and its answer through undici's `dispatch`, keeping the first `keepBytes` of the
 * answer's body as text (the rest drained, or the connection dropped past 64 KiB). Past the
 * deadline it rejects (a TimeoutError for `timeoutMs`) and drops the connection; a request still
 * waiting for a connection then is aborted when it gets one, never written, and rejects only
 * then, as undici's `request()` does: until then it keeps its place in its webhook's window, so
 * a receiver that hangs holds no more requests in undici's queue than the window allows.
 *
 * `request()` does the same with a Readable for the body, an async iterator to read it and an
 * AbortSignal for the time limit: two and a half times the CPU per small request (measured in a
 * bench of 20,000 requests), on the engine's thread, for every delivery.
 */
export function exchange(
  dispatcher: Dispatcher,
  { method, url, headers, body }: Exchange,
  keepBytes: number,
  deadline: Deadline,
): Promise<HttpAnswer> {
  const { origin, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stopWatching();
      outcome();
    };
    let expiry: { reason: Error } | undefined;
    const stopWatching = watch(deadline, (reason) => {
      expiry = { reason };
      if (!controller) return;
      settle(() => reject(reason));
      controller.abort(reason);
    });
    let statusCode = 0;
    let answerHeaders: HttpAnswer["headers"] = {};
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let readBytes = 0;
    const drainLimit = Math.max(MAX_DRAINED_BODY_BYTES, keepBytes);
    const answer = () => ({
      statusCode,
      headers: answerHeaders,
      body: utf8Prefix(Buffer.concat(kept), keepBytes),
    });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // The deadline passed while the request waited for a connection: onResponseError rejects.
        if (expiry) started.abort(expiry.reason);
      },
      onResponseStart(_, status, responseHeaders) {
        statusCode = status;
        answerHeaders = responseHeaders;
      },
      onResponseData(current, chunk) {
        readBytes += chunk.length;
        if (keptBytes < keepBytes) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
        if (readBytes > drainLimit) {
          settle(() => resolve(answer()));
          current.abort(new Error("the answer's body is longer than Herald reads"));
        }
      },
      onResponseEnd() {
        settle(() => resolve(answer()));
      },
      onResponseError(_, error) {
        settle(() => reject(error));
      },
    };
    try {
      dispatcher.dispatch({ origin, path: pathname + search, method, headers, body }, handler);
    } catch (error) {
      settle(() => reject(error));
    }
  });
}

/** Calls `expire` once the deadline passes; answers how to stop watching. */
function watch(deadline: Deadline, expire: (reason: Error) => void): () => void {
  if ("timeoutMs" in deadline) {
    const timer = setTimeout(
      () => expire(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
      deadline.timeoutMs,
    );
    return () => clearTimeout(timer);
  }
  const { signal } = deadline;
  const onAbort = () => expire(signal.reason as Error);
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
