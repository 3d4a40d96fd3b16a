import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the heap grow past what survived its last full collection before it collects
 * again: `percent` over, or V8's own choice for 0 (or node's --heap-growing-percent, which a
 * percent above 0 overrides). V8 chooses up to four times the live size when collections
 * are quick, which they are for a gateway whose live data is small and whose garbage is many
 * short-lived requests: under the steady bench (docs/performance.md) the main thread's heap
 * reached 150 MB used (173 MB committed) over ~35 MB live between full collections, most of the
 * process's resident memory. At 50 % it reaches ~50 MB (85 MB committed): full collections come
 * every second or so instead of every eight, each as short. Flags are process-wide, so the
 * render workers' heaps follow it too.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
