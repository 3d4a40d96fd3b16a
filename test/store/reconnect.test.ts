import { describe, expect, it } from "vitest";
import { reconnectDelayS } from "../../src/store/db";

describe("a pooled PostgreSQL connection that failed", () => {
  it("tries again soon, and within a second however many failures the pool has counted", () => {
    expect(reconnectDelayS(0)).toBe(0.1);
    expect(reconnectDelayS(2)).toBe(0.4);
    for (const failures of [4, 10, 50, 1000]) expect(reconnectDelayS(failures)).toBe(1);
  });
});
