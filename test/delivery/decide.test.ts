import { describe, expect, it } from "vitest";
import { decideAttempt, retryTogether } from "../../src/delivery/decide";
import { classifyResponse } from "../../src/destinations/http/answers";
import type { DeliveryJob } from "../../src/store/queue";

const policy = { scheduleSeconds: [5, 30, 120], retryAfterMaxSeconds: 60, jitter: 0 };
const now = new Date("2026-11-27T10:00:00Z");

function job(attempt: number, uncountedAttempts: number): DeliveryJob {
  return {
    deliveryId: "d",
    attempt,
    uncountedAttempts,
    createdAt: now,
    isTest: false,
    suppressedBefore: 0,
    groupKey: null,
    event: {} as DeliveryJob["event"],
    webhook: { id: "w", retryCount: 3, flow: {} } as DeliveryJob["webhook"],
  };
}

/** What an HTTP receiver's answer makes of an attempt, Retry-After in milliseconds. */
const answered = (statusCode: number, retryAfterMs: number | null) =>
  classifyResponse(
    {
      statusCode,
      headers: retryAfterMs === null ? {} : { "retry-after": String(retryAfterMs / 1000) },
      body: "",
    },
    10,
  );

describe("what becomes of a delivery after an attempt", () => {
  it("a stream of 429s never makes a delivery dead, however many retries the webhook allows", () => {
    for (let attempt = 1; attempt <= 30; attempt++) {
      const record = decideAttempt(job(attempt, attempt - 1), answered(429, 2000), now, policy);
      expect(record).toMatchObject({ status: "retrying", countsForWebhook: false });
      expect(record.throttle?.until).toEqual(new Date(now.getTime() + 2000));
    }
  });

  it("after 429s, a hard failure still gets the webhook's retries", () => {
    // Attempt 10, of which 8 were throttled: the second real failure, with 3 retries allowed.
    const record = decideAttempt(job(10, 8), answered(500, null), now, policy);
    expect(record).toMatchObject({ status: "retrying", countsForWebhook: true, throttle: null });
    expect(decideAttempt(job(12, 8), answered(500, null), now, policy).status).toBe("dead");
  });

  it("a 429 without Retry-After waits along the retry schedule, longer with each 429 in a row", () => {
    const waits = [0, 1, 2].map((throttled) => {
      const record = decideAttempt(job(throttled + 1, throttled), answered(429, null), now, policy);
      return (record.throttle?.until.getTime() ?? 0) - now.getTime();
    });
    expect(waits).toEqual([5000, 30_000, 60_000]); // the last capped at retryAfterMaxSeconds
  });

  it("a 503 holds the webhook only when it says for how long", () => {
    expect(decideAttempt(job(1, 0), answered(503, 3000), now, policy).throttle).not.toBeNull();
    const plain = decideAttempt(job(1, 0), answered(503, null), now, policy);
    expect(plain).toMatchObject({ status: "retrying", countsForWebhook: true, throttle: null });
  });

  it("Retry-After is honoured up to HERALD_RETRY_AFTER_MAX_S", () => {
    const record = decideAttempt(job(1, 0), answered(429, 3_600_000), now, policy);
    expect(record.nextAttemptAt).toEqual(new Date(now.getTime() + 60_000));
  });

  it("the deliveries of one request are retried together: the jitter is drawn once", () => {
    const jittery = { ...policy, jitter: 0.5 };
    const decided = Array.from({ length: 50 }, () =>
      decideAttempt(job(1, 0), answered(500, null), now, jittery),
    );
    expect(new Set(decided.map((record) => record.nextAttemptAt?.getTime())).size).toBeGreaterThan(1);
    const together = retryTogether(decided);
    expect(new Set(together.map((record) => record.nextAttemptAt?.getTime()))).toEqual(
      new Set([decided[0]?.nextAttemptAt?.getTime()]),
    );
  });
});
