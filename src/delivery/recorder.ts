import { errorCodes } from "../errors";
import type { Db } from "../store/db";
import { type AttemptRecord, recordAttempts } from "../store/queue";
import { createOperatorEvents } from "./operator-events";

export interface Recorder {
  /** Resolves once the record is committed, together with whatever else finished meanwhile. */
  record(record: AttemptRecord): Promise<void>;
  /** Commits everything recorded so far, and emits its operator events. */
  flush(): Promise<void>;
  /**
   * After shutdown: results that still come in are dropped, and a failing write stops retrying.
   * Their deliveries were released to the queue (or their leases run out), so they are sent again.
   */
  close(): void;
}

export interface RecorderOptions {
  failureThreshold: number;
  /** The most records committed in one transaction. */
  maxBatch: number;
  onError: (error: unknown) => void;
  /** Emitting the operator events of a committed group failed (they are dropped). Default: onError. */
  onOperatorEventsError?: (error: unknown) => void;
  /** A group was committed: its size and how long the write took. */
  onWritten?: (size: number, seconds: number) => void;
}

interface Waiting {
  record: AttemptRecord;
  done: () => void;
}

/**
 * Collects attempt results and commits them in batches (group commit): while one transaction
 * is being written, the next results gather, and go together in the next one as soon as it
 * ends. One transaction for many deliveries is what lets a worker keep thousands of deliveries
 * a second. A failed write is tried again, so a result is never dropped while the process lives
 * (if it dies, the leases run out and the deliveries are sent again).
 */
export function createRecorder(db: Db, options: RecorderOptions): Recorder {
  const waiting: Waiting[] = [];
  let writing: Promise<void> | undefined;
  let closed = false;
  // What each committed group changed is told as operator events, after the commit and apart from it.
  const operatorEvents = createOperatorEvents(db, {
    failureThreshold: options.failureThreshold,
    onError: options.onOperatorEventsError ?? options.onError,
  });

  async function writeWaiting(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch);
      await writeWithRetry(batch);
    }
    writing = undefined;
  }

  async function writeWithRetry(batch: Waiting[]) {
    for (let delayMs = 100; !closed; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        const started = performance.now();
        const changes = await recordAttempts(
          db,
          batch.map((item) => item.record),
          options.failureThreshold,
        );
        operatorEvents.recorded(changes);
        options.onWritten?.(batch.length, (performance.now() - started) / 1000);
        for (const item of batch) item.done();
        return;
      } catch (error) {
        options.onError(error);
        // A data error (SQLSTATE class 22) fails the same way every time: give the batch up rather
        // than stall every delivery behind it; its deliveries are sent again when their leases end.
        if (isDataError(error)) break;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
    for (const item of batch) item.done();
  }

  async function flush(): Promise<void> {
    if (!writing && waiting.length > 0) writing = writeWaiting();
    await writing;
    await operatorEvents.idle();
  }

  function record(record: AttemptRecord): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise((done) => {
      waiting.push({ record, done });
      // Results that finish in the same tick go together; later ones wait for the write under way.
      if (!writing) writing = new Promise<void>((resolve) => setImmediate(resolve)).then(writeWaiting);
    });
  }

  return {
    record,
    flush,
    close: () => {
      closed = true;
    },
  };
}

function isDataError(error: unknown): boolean {
  return errorCodes(error).some((code) => code.startsWith("22"));
}
