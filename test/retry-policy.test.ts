import { describe, expect, it } from "vitest";
import { nextStep } from "../src/delivery/retry-policy";

const policy = { scheduleSeconds: [5, 30, 120], retryAfterMaxSeconds: 3600, jitter: 0.2 };
const failed = (retryAfterMs: number | null = null) => ({ success: false, retryable: true, retryAfterMs });

describe("the retry policy", () => {
  it("follows the schedule with ±20 % jitter, repeating the last step", () => {
    expect(nextStep(failed(), 1, 10, policy, () => 0.5)).toEqual({ status: "retrying", delayMs: 5000 });
    expect(nextStep(failed(), 2, 10, policy, () => 0)).toEqual({ status: "retrying", delayMs: 24_000 });
    expect(nextStep(failed(), 3, 10, policy, () => 1)).toEqual({ status: "retrying", delayMs: 144_000 });
    expect(nextStep(failed(), 9, 10, policy, () => 0.5)).toEqual({ status: "retrying", delayMs: 120_000 });
  });

  it("gives up after retry_count retries, and at once on a permanent failure", () => {
    expect(nextStep(failed(), 4, 3, policy).status).toBe("dead");
    expect(nextStep({ success: false, retryable: false, retryAfterMs: null }, 1, 3, policy).status).toBe(
      "dead",
    );
    expect(nextStep({ success: true, retryable: false, retryAfterMs: null }, 1, 3, policy).status).toBe(
      "delivered",
    );
  });

  it("waits at least as long as Retry-After says, up to the bound, never less than the schedule", () => {
    expect(nextStep(failed(60_000), 1, 3, policy, () => 0.5)).toEqual({
      status: "retrying",
      delayMs: 60_000,
    });
    expect(nextStep(failed(0), 1, 3, policy, () => 0.5)).toEqual({ status: "retrying", delayMs: 5000 });
    expect(nextStep(failed(86_400_000), 1, 3, policy, () => 0.5)).toEqual({
      status: "retrying",
      delayMs: 3_600_000,
    });
  });
});
