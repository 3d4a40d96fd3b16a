/**
 * Something happened (work arrived, a place freed): a count of firings that a loop waits on.
 * The loop reads `fired` before it starts a claim and waits for a firing after that reading, so a
 * firing while the claim ran is not lost: the wait returns at once instead of sleeping until the
 * next firing or the poll.
 */
export interface Signal {
  /** Firings so far. */
  readonly fired: number;
  fire(): void;
  /** Resolves once fired more than `seen` times, or after `timeoutMs` (if given). */
  after(seen: number, timeoutMs?: number): Promise<void>;
}

export function createSignal(): Signal {
  let fired = 0;
  const waiting = new Set<() => void>();
  return {
    get fired() {
      return fired;
    },
    fire() {
      fired += 1;
      for (const wake of [...waiting]) wake();
    },
    after(seen, timeoutMs) {
      if (fired > seen) return Promise.resolve();
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const wake = () => {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve();
        };
        waiting.add(wake);
        if (timeoutMs !== undefined) timer = setTimeout(wake, timeoutMs);
      });
    },
  };
}
