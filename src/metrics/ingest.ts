import { Counter, type Registry } from "prom-client";
import type { EventCatalog } from "../events/catalog";

/** Stored events (duplicates left out), by type and source. */
export interface IngestMetrics {
  ingested(events: readonly { type: string; source: string }[]): void;
}

export const OTHER = "other";

/**
 * Bounded labels: a type outside the catalog counts as `other`, and so does every source after
 * the first `maxSources` distinct ones this process has seen.
 */
export function createIngestMetrics(
  registry: Registry,
  catalog: EventCatalog,
  maxSources = 100,
): IngestMetrics {
  const counter = new Counter({
    name: "herald_events_ingested_total",
    help: "Events stored (duplicates left out), by type (catalog types, else other) and source (the first 100, else other)",
    labelNames: ["type", "source"] as const,
    registers: [registry],
  });
  const sources = new Set<string>();
  const sourceLabel = (source: string) => {
    if (sources.has(source)) return source;
    if (sources.size >= maxSources) return OTHER;
    sources.add(source);
    return source;
  };
  return {
    ingested(events) {
      // Count per label pair first: one increment per pair, not per event.
      const counts = new Map<string, { type: string; source: string; n: number }>();
      for (const event of events) {
        const type = Object.hasOwn(catalog, event.type) ? event.type : OTHER;
        const source = sourceLabel(event.source);
        const key = `${type}\u0000${source}`;
        const entry = counts.get(key);
        if (entry) entry.n += 1;
        else counts.set(key, { type, source, n: 1 });
      }
      for (const { type, source, n } of counts.values()) counter.inc({ type, source }, n);
    },
  };
}
