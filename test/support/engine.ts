/** Engine settings for suites that drive a delivery engine themselves: quick polls and retries. */
export function testEngineSettings(workerId: string) {
  return {
    workerId,
    concurrency: 50,
    claimBatch: 20,
    pollIntervalMs: 20,
    leaseMs: 1000,
    failureThreshold: 0,
    maxDeliveryAgeMs: 0,
    retryPolicy: { scheduleSeconds: [0.05], retryAfterMaxSeconds: 1, jitter: 0 },
  };
}
