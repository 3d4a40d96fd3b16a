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

/**
 * One request and its answer through undici's `dispatch`, keeping the first `keepBytes` of the
 * answer's body as text (the rest drained, or the connection dropped past 64 KiB). Rejects with
 * a TimeoutError once `timeoutMs` has passed, whether the request was waiting for a connection,
 * being sent or being answered.
 *
 * `request()` does the same with a Readable for the body, an async iterator to read it and an
 * AbortSignal for the time limit: two and a half times the CPU per small request (measured in a
 * bench of 20,000 requests), on the engine's thread, for every delivery.
 */
export function exchange(
  dispatcher: Dispatcher,
  { method, url, headers, body }: Exchange,
  keepBytes: number,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const { origin, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(() => {
      const error = new DOMException("The operation was aborted due to timeout", "TimeoutError");
      settle(() => reject(error));
      controller?.abort(error);
    }, timeoutMs);
    let statusCode = 0;
    let answerHeaders: HttpAnswer["headers"] = {};
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let readBytes = 0;
    const drainLimit = Math.max(MAX_DRAINED_BODY_BYTES, keepBytes);
    const answer = () => ({
      statusCode,
      headers: answerHeaders,
      body: utf8Prefix(kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept), keepBytes),
    });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // The time ran out while the request waited for a connection.
        if (settled) started.abort(new DOMException("The operation was aborted", "AbortError"));
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
