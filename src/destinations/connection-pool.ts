/** A send during the backoff after a failed open: it fails with the error that open had. */
export class ReconnectBackoffError extends Error {
  constructor(
    readonly lastError: unknown,
    readonly waitMs: number,
  ) {
    super("waiting before reconnecting");
  }
}

interface PoolEntry<C> {
  connection: C | null;
  opening: Promise<C> | null;
  failedOpens: number;
  /** performance.now() before which no new open is tried. */
  retryAt: number;
  lastError: unknown;
}

/**
 * One open connection per key, shared by every send to that key, opened on first use. After a
 * failed open, sends fail at once (with that open's error) until the backoff has passed; it
 * doubles with every failed open and resets when one succeeds.
 */
export function createConnectionPool<C>(config: {
  backoff: { initialMs: number; maxMs: number };
  isUsable(connection: C): boolean;
  close(connection: C): Promise<void>;
}) {
  const entries = new Map<string, PoolEntry<C>>();

  function acquire(key: string, open: (onClosed: (connection: C) => void) => Promise<C>): Promise<C> {
    let entry = entries.get(key);
    if (!entry) {
      entry = { connection: null, opening: null, failedOpens: 0, retryAt: 0, lastError: null };
      entries.set(key, entry);
    }
    if (entry.connection && config.isUsable(entry.connection)) return Promise.resolve(entry.connection);
    if (entry.opening) return entry.opening;
    const waitMs = Math.ceil(entry.retryAt - performance.now());
    if (waitMs > 0) return Promise.reject(new ReconnectBackoffError(entry.lastError, waitMs));

    const current = entry;
    const onClosed = (connection: C) => {
      if (entries.get(key) === current && current.connection === connection) entries.delete(key);
    };
    current.connection = null;
    current.opening = Promise.resolve()
      .then(() => open(onClosed))
      .then(
        (connection) => {
          Object.assign(current, { connection, opening: null, failedOpens: 0, retryAt: 0, lastError: null });
          return connection;
        },
        (error: unknown) => {
          current.failedOpens += 1;
          const delay = Math.min(
            config.backoff.maxMs,
            config.backoff.initialMs * 2 ** (current.failedOpens - 1),
          );
          Object.assign(current, { opening: null, retryAt: performance.now() + delay, lastError: error });
          throw error;
        },
      );
    return current.opening;
  }

  async function closeAll(): Promise<void> {
    const all = [...entries.values()];
    entries.clear();
    const connections = await Promise.all(
      all.map((entry) => entry.opening?.catch(() => null) ?? entry.connection),
    );
    await Promise.all(connections.map((connection) => connection && config.close(connection)));
  }

  return { acquire, closeAll };
}
