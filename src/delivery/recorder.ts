import type { Db } from "../store/db";
import { type AttemptRecord, recordAttempts } from "../store/deliveries";

export interface Recorder {
  /** Resolves once the record is committed, together with whatever else finished meanwhile. */
  record(record: AttemptRecord): Promise<void>;
  /** Commits everything recorded so far. */
  flush(): Promise<void>;
}

export interface RecorderOptions {
  failureThreshold: number;
  /** A batch is written when it holds this many records, or `maxDelayMs` after its first one. */
  maxBatch: number;
  maxDelayMs: number;
  onError: (error: unknown) => void;
}

interface Waiting {
  record: AttemptRecord;
  done: () => void;
}

/**
 * Collects attempt results and commits them in batches: one transaction for many deliveries is
 * what lets a worker keep thousands of deliveries a second on one database connection. Writes
 * run one at a time; a failed write is tried again, so a result is never dropped while the
 * process lives (if it dies, the leases run out and the deliveries are sent again).
 */
export function createRecorder(db: Db, options: RecorderOptions): Recorder {
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function schedule() {
    if (waiting.length >= options.maxBatch) {
      void flush();
    } else if (!timer) {
      timer = setTimeout(() => void flush(), options.maxDelayMs);
    }
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return writing;
    writing = writing.then(() => writeWithRetry(batch));
    return writing;
  }

  async function writeWithRetry(batch: Waiting[]) {
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        await recordAttempts(
          db,
          batch.map((item) => item.record),
          options.failureThreshold,
        );
        for (const item of batch) item.done();
        return;
      } catch (error) {
        options.onError(error);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  function record(record: AttemptRecord): Promise<void> {
    return new Promise((done) => {
      waiting.push({ record, done });
      schedule();
    });
  }

  return { record, flush };
}
