import { Counter, type Registry } from "prom-client";

export type AuthFailureReason = "missing_key" | "unknown_key";

/** Failed authentications, and requests refused unchecked because their address failed too often. */
export interface AuthMetrics {
  failed(reason: AuthFailureReason): void;
  throttled(): void;
}

export function createAuthMetrics(registry: Registry): AuthMetrics {
  const failures = new Counter({
    name: "herald_auth_failures_total",
    help: "Requests refused with 401, by reason: missing_key (no Bearer key) or unknown_key",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const throttled = new Counter({
    name: "herald_auth_throttled_total",
    help: "Requests refused with 429 before their key was checked: their client address failed to authenticate too often",
    registers: [registry],
  });
  // Both reasons from the start, so a scrape shows 0 rather than no series.
  failures.inc({ reason: "missing_key" }, 0);
  failures.inc({ reason: "unknown_key" }, 0);
  return {
    failed: (reason) => failures.inc({ reason }),
    throttled: () => throttled.inc(),
  };
}
