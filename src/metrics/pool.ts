import { Gauge, type Registry } from "prom-client";
import type { PoolUse } from "../store/db";
import { sharedRead } from "./scrape";

/**
 * herald_db_pool_max and herald_db_pool_connections{state}: the database pool's size and its
 * open connections, active or idle, read from the server (pg_stat_activity) when scraped. The
 * embedded store has one connection and no such figures: only its max is reported.
 */
export function registerPoolGauges(
  registry: Registry,
  poolUse: () => Promise<PoolUse>,
  onError: (error: unknown) => void,
) {
  const use = sharedRead<PoolUse | undefined>(poolUse, undefined, onError);
  new Gauge({
    name: "herald_db_pool_max",
    help: "Connections the database pool may open (1 for the embedded store)",
    registers: [registry],
    async collect() {
      const now = await use();
      if (now) this.set(now.max);
    },
  });
  new Gauge({
    name: "herald_db_pool_connections",
    help: "Open database connections of this process by state (active, idle); PostgreSQL only",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const now = await use();
      this.reset();
      if (now?.active == null || now.idle == null) return;
      this.set({ state: "active" }, now.active);
      this.set({ state: "idle" }, now.idle);
    },
  });
}
