import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Registry } from "prom-client";
import { createApp } from "./app";
import { type Config, ConfigError } from "./config";
import { applyConfigAtStart, readConfigAtStart } from "./config-file/at-start";
import { startBacklogCheck } from "./delivery/backlog";
import { createDeliveryEngine, type DeliveryEngine } from "./delivery/engine";
import { openSenders } from "./destinations/registry";
import { describeError } from "./errors";
import { DEFAULT_EVENT_CATALOG } from "./events/catalog";
import { keyFieldTable } from "./formats/key-fields";
import { FORMATS } from "./formats/registry";
import type { Logger } from "./logger";
import { createGatewayMetrics } from "./metrics";
import { type MetricsServer, startMetricsServer } from "./metrics/server";
import { createRenderPool } from "./rendering/pool";
import { openStore, type Store } from "./store/db";
import { createPartitionsAheadOrWait, partitionSpanDays } from "./store/partitions";
import { startRetention } from "./store/retention";
import { startStatisticsKeeper } from "./store/statistics";
import { startWorker } from "./store/workers";
import { createTemplateEngine, type TemplateEngine } from "./templates/handlebars";

export interface Gateway {
  /** Where to reach the API from this machine. */
  url: string;
  /** The address and port the server is bound to, e.g. 0.0.0.0:8080. */
  boundAddress: string;
  /** Where GET /metrics answers without a key, when HERALD_METRICS_PORT is set. */
  metricsUrl: string | undefined;
  /** This gateway's own prom-client registry. */
  metricsRegistry: Registry;
  store: Store;
  engine: DeliveryEngine;
  /** Stops taking requests, lets deliveries in flight finish (or releases them), closes the store. */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** The render workers' module (RenderPoolSettings.workerUrl): the test suites run a bundle's. */
  renderWorkerUrl?: URL;
}

/** Everything `herald serve` runs, in one call: the store, the delivery engine and the HTTP API. */
export async function startGateway(
  config: Config,
  log: Logger,
  now: () => Date = () => new Date(),
  options: GatewayOptions = {},
): Promise<Gateway> {
  const templates = createTemplateEngine(FORMATS, config.HERALD_TEMPLATES_DIR);
  checkDefaultTemplates(templates);
  const configFile = readConfigAtStart(config, process.env);
  const store = openStore({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.HERALD_DATA_DIR,
    poolSize: config.HERALD_DB_POOL_SIZE,
    progress: (message) => log.info(message),
  });
  const span = partitionSpanDays(store.kind, config.HERALD_RETENTION_DAYS);
  try {
    await store.migrate();
    // Today's partitions before the first event; maintenance (startRetention) keeps days ahead.
    if (span !== null)
      await createPartitionsAheadOrWait(store.db, span, log.child({ component: "retention" }));
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }

  const catalog = { ...DEFAULT_EVENT_CATALOG, ...config.HERALD_EVENT_TYPES, ...configFile?.top.event_types };
  const metrics = createGatewayMetrics(new Registry(), {
    db: store.db,
    poolUse: () => store.poolUse(),
    catalog,
    onError: (error) => log.error("metrics: could not read the database", { error: describeError(error) }),
  });
  const renderer = createRenderPool({
    workers: config.HERALD_RENDER_WORKERS,
    timeoutMs: config.HERALD_RENDER_TIMEOUT_MS,
    maxBytesPerEvent: config.HERALD_MAX_RENDER_BYTES,
    templatesDir: config.HERALD_TEMPLATES_DIR,
    catalog,
    keyFields: keyFieldTable(config.HERALD_FIELD_ALIASES),
    workerUrl: options.renderWorkerUrl,
  });
  if (configFile) {
    const allowNoAdmin = config.HERALD_ADMIN_TOKEN !== undefined;
    await applyConfigAtStart(configFile, { db: store.db, renderer, now, allowNoAdmin }, log).catch(
      async (error) => {
        await Promise.all([renderer.close(), store.close().catch(() => {})]);
        throw error;
      },
    );
  }
  const senders = openSenders({
    egress: { deny: config.HERALD_EGRESS_DENY, allow: config.HERALD_EGRESS_ALLOW },
  });
  const worker = await startWorker(store, log.child({ component: "workers" }));
  const handedBack = await worker.reclaimFromGone();
  if (handedBack > 0)
    log.info("handed back the claims a previous run left unanswered", { deliveries: handedBack });
  const engine = createDeliveryEngine(
    store.db,
    { renderer, senders, now },
    {
      workerId: worker.id,
      concurrency: config.HERALD_DELIVERY_CONCURRENCY,
      claimBatch: config.HERALD_CLAIM_BATCH,
      pollIntervalMs: config.HERALD_POLL_INTERVAL_MS,
      leaseMs: config.HERALD_LEASE_MS,
      failureThreshold: config.HERALD_FAILURE_THRESHOLD,
      maxDeliveryAgeMs: config.HERALD_MAX_DELIVERY_AGE_S * 1000,
      retryPolicy: {
        scheduleSeconds: config.HERALD_RETRY_SCHEDULE,
        retryAfterMaxSeconds: config.HERALD_RETRY_AFTER_MAX_S,
        jitter: 0.2,
      },
    },
    log.child({ component: "delivery" }),
    metrics.delivery,
  );
  const httpLog = log.child({ component: "http" });
  const app = createApp(
    { db: store.db, config, templates, renderer, engine, catalog, metrics, now },
    httpLog,
  );

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(started),
    );
  });
  let metricsServer: MetricsServer | undefined;
  if (config.HERALD_METRICS_PORT !== undefined) {
    try {
      metricsServer = await startMetricsServer(
        metrics.registry,
        config.HERALD_METRICS_PORT,
        config.HERALD_METRICS_HOST,
        httpLog,
      );
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([senders.closeAll(), renderer.close()]);
      await store.close();
      throw new ConfigError(`HERALD_METRICS_PORT: cannot listen: ${(error as Error).message}`);
    }
  }
  engine.start();
  const sweep = setInterval(() => {
    worker
      .reclaimFromGone()
      .then((count) => count > 0 && engine.wake())
      .catch((error) => log.error("could not look for gone workers", { error: describeError(error) }));
  }, config.HERALD_WORKER_SWEEP_MS);
  sweep.unref();
  const backlogCheck = startBacklogCheck(store.db, config, log.child({ component: "backlog" }), now);
  const retention = startRetention(
    store.db,
    { days: config.HERALD_RETENTION_DAYS, everyMs: config.HERALD_RETENTION_EVERY_S * 1000, span },
    log.child({ component: "retention" }),
  );
  const statistics = startStatisticsKeeper(store.db, log.child({ component: "statistics" }));
  const { address, port, family } = server.address() as AddressInfo;
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;

  return {
    url: `http://${host}:${port}`,
    boundAddress: family === "IPv6" ? `[${address}]:${port}` : `${address}:${port}`,
    metricsUrl: metricsServer?.url,
    metricsRegistry: metrics.registry,
    store,
    engine,
    async stop() {
      clearInterval(sweep);
      backlogCheck.stop();
      retention.stop();
      // Stop claiming at once; requests under way (a test delivery) finish meanwhile.
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        metricsServer?.close(),
        engine.stop(config.HERALD_SHUTDOWN_GRACE_MS),
        statistics.stop(),
      ]);
      await Promise.all([senders.closeAll(), renderer.close(), worker.close()]);
      await store.close();
    },
  };
}

/** A broken override in HERALD_TEMPLATES_DIR stops the start, rather than every delivery of its format. */
function checkDefaultTemplates(templates: TemplateEngine) {
  for (const format of FORMATS) {
    try {
      templates.compile(templates.defaultSource(format.name));
    } catch (error) {
      throw new ConfigError(`HERALD_TEMPLATES_DIR: ${format.name}.hbs: ${(error as Error).message}`);
    }
  }
}
