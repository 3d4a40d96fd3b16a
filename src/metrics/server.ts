import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { requestLog } from "../api/request-log";
import type { Logger } from "../logger";
import { scrape } from "./scrape";

export interface MetricsServer {
  /** http://host:port of the listener. */
  url: string;
  close(): Promise<void>;
}

/**
 * HERALD_METRICS_PORT: GET /metrics without a key, on its own listener (127.0.0.1 unless
 * HERALD_METRICS_HOST says otherwise), so that Prometheus needs no API key.
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  hostname: string,
  log: Logger,
): Promise<MetricsServer> {
  const app = new Hono();
  app.use(requestLog(log));
  app.get("/metrics", () => scrape(registry));
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port, hostname }, () => resolve(started));
    started.once("error", reject);
  });
  const { address, port: bound, family } = server.address() as AddressInfo;
  const reachable = address === "0.0.0.0" ? "127.0.0.1" : address === "::" ? "::1" : address;
  const host = family === "IPv6" ? `[${reachable}]` : reachable;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
