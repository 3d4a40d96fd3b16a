import { collectDefaultMetrics, type Registry } from "prom-client";
import type { EventCatalog } from "../events/catalog";
import type { Db, PoolUse } from "../store/db";
import { type AuthMetrics, createAuthMetrics } from "./auth";
import { createDeliveryMetrics, type DeliveryMetrics } from "./delivery";
import { createIngestMetrics, type IngestMetrics } from "./ingest";
import { registerPoolGauges } from "./pool";
import { registerQueueGauges } from "./queue";

/** A gateway's metrics: its own registry (never prom-client's global one) and what records into it. */
export interface GatewayMetrics {
  registry: Registry;
  delivery: DeliveryMetrics;
  ingest: IngestMetrics;
  auth: AuthMetrics;
}

export function createGatewayMetrics(
  registry: Registry,
  deps: {
    db: Db;
    poolUse: () => Promise<PoolUse>;
    catalog: EventCatalog;
    onError: (error: unknown) => void;
  },
): GatewayMetrics {
  collectDefaultMetrics({ register: registry });
  registerQueueGauges(registry, deps.db, deps.onError);
  registerPoolGauges(registry, deps.poolUse, deps.onError);
  return {
    registry,
    delivery: createDeliveryMetrics(registry),
    ingest: createIngestMetrics(registry, deps.catalog),
    auth: createAuthMetrics(registry),
  };
}
