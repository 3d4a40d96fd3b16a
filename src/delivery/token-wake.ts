import type { DeliveryJob } from "../store/queue";
import { readFlow } from "../webhooks/flow";

/**
 * A rate-limited webhook's next token is free 1/per_second after the last one was spent: the
 * claim loop looks again then, not only at the next poll, or a rate above burst per poll could
 * never be reached.
 */
export function createTokenWake(wake: () => void) {
  let timer: NodeJS.Timeout | undefined;
  return {
    /** Wakes the loop when the fastest rate limit among the claimed jobs' webhooks has a token again. */
    afterClaim(jobs: DeliveryJob[]) {
      const webhooks = new Map(jobs.map((job) => [job.webhook.id, job.webhook]));
      const rates = [...webhooks.values()].map(
        (webhook) => readFlow(webhook.flow).rate_limit?.per_second ?? 0,
      );
      const fastest = Math.max(0, ...rates);
      if (fastest === 0 || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        wake();
      }, 1000 / fastest);
      timer.unref();
    },
    stop: () => clearTimeout(timer),
  };
}
