import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config";

const HEAP_GROWTH = join(import.meta.dirname, "..", "src", "heap-growth.ts");

/**
 * The most heap a fresh Node process uses while it keeps the last 150 of a stream of batches
 * alive (~40 MB), the rest garbage that lives long enough to reach the old generation: a
 * gateway's requests in flight, in miniature.
 */
function peakHeapUsedMb(percent: number): number {
  const script = `
    import { limitHeapGrowth } from ${JSON.stringify(HEAP_GROWTH)};
    limitHeapGrowth(${percent});
    const kept = [];
    let peak = 0;
    for (let round = 0; round < 2000; round++) {
      kept.push(Array.from({ length: 2000 }, (_, i) => ({ i, text: "event " + round + "/" + i })));
      if (kept.length > 150) kept.shift();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    process.stdout.write(String(Math.round(peak / 1e6)));`;
  const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  return Number(output);
}

describe("HERALD_HEAP_GROWTH_PERCENT", () => {
  it("is 50 unless set, 0 to 300, and a bad value names the setting", () => {
    expect(loadConfig({}).HERALD_HEAP_GROWTH_PERCENT).toBe(50);
    expect(loadConfig({ HERALD_HEAP_GROWTH_PERCENT: "0" }).HERALD_HEAP_GROWTH_PERCENT).toBe(0);
    expect(() => loadConfig({ HERALD_HEAP_GROWTH_PERCENT: "301" })).toThrow(/HERALD_HEAP_GROWTH_PERCENT/);
    expect(() => loadConfig({ HERALD_HEAP_GROWTH_PERCENT: "-1" })).toThrow(ConfigError);
  });

  it("keeps the heap closer to its live data the lower it is", () => {
    // Against the top of V8's own range rather than V8's choice, which depends on the machine.
    const at50 = peakHeapUsedMb(50);
    const at300 = peakHeapUsedMb(300);
    expect(at50).toBeGreaterThan(30);
    expect(at50).toBeLessThan(at300 * 0.7);
  });
});
