import type { SendOutcome } from "../destinations/destination";

export interface RetryPolicy {
  /** Seconds before retry 1, 2, …; the last one repeats. */
  scheduleSeconds: number[];
  /** The longest Retry-After honoured, in seconds. */
  retryAfterMaxSeconds: number;
  /** ±fraction of jitter, so that many failed deliveries do not all come back at once. */
  jitter: number;
}

export type NextStep = { status: "delivered" } | { status: "dead" } | { status: "retrying"; delayMs: number };

/**
 * What happens after attempt number `attempt` (1 for the first) of a webhook allowing
 * `retryCount` retries: delivered, retried later, or dead.
 */
export function nextStep(
  outcome: Pick<SendOutcome, "success" | "retryable" | "retryAfterMs">,
  attempt: number,
  retryCount: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  if (outcome.success) return { status: "delivered" };
  if (!outcome.retryable) return { status: "dead" };
  if (attempt > retryCount) return { status: "dead" };
  const schedule = policy.scheduleSeconds;
  const base = (schedule[Math.min(attempt - 1, schedule.length - 1)] ?? 0) * 1000;
  const scheduled = Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
  if (outcome.retryAfterMs === null) return { status: "retrying", delayMs: scheduled };
  // Retry-After is honoured as "not before": a longer wait than the schedule's, up to the bound.
  const retryAfter = Math.min(outcome.retryAfterMs, policy.retryAfterMaxSeconds * 1000);
  return { status: "retrying", delayMs: Math.max(scheduled, retryAfter) };
}
