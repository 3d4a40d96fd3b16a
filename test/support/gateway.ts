import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { inject } from "vitest";
import { type Config, loadConfig } from "../../src/config";
import { type Gateway, startGateway } from "../../src/gateway";
import { createLogger, silentLogger } from "../../src/logger";
import { createTestDatabase, type StoreKind } from "./databases";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestGateway extends Gateway {
  /** Calls the API as `key` (the bootstrap admin token by default) and returns status and JSON body. */
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: T }>;
  config: Config;
  /** Stops the gateway and drops its database. */
  close(): Promise<void>;
}

/**
 * Settings that make retries and polling fast enough for tests, and one render worker: the
 * suites start gateways by the hundred. The test of the render pool's lanes (hostile-rendering)
 * runs the default two.
 */
const FAST = {
  HERALD_RETRY_SCHEDULE: "0.05,0.1,0.1",
  HERALD_POLL_INTERVAL_MS: "20",
  HERALD_SHUTDOWN_GRACE_MS: "2000",
  HERALD_RENDER_WORKERS: "1",
};

/** Built once for the run (test/support/bundle-global.ts): it starts faster than the sources through tsx. */
const BUNDLED_RENDER_WORKER = pathToFileURL(join(inject("heraldBundle"), "worker-boot.mjs"));

export interface TestGatewayOptions {
  /** Where the gateway's log lines go (JSON, at HERALD_LOG_LEVEL), one string each; none when not given. */
  logLines?: string[];
  /** The gateway's clock (the engine signs and dates by it; the store's own clock stays real). */
  now?: () => Date;
}

export async function startTestGateway(
  kind: StoreKind,
  env: Record<string, string> = {},
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    HERALD_DATA_DIR: "memory://",
    HERALD_ADMIN_TOKEN: ADMIN_TOKEN,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...FAST,
    ...env,
  });
  const { logLines } = options;
  const log = logLines
    ? createLogger(config.HERALD_LOG_LEVEL, { write: (line: string) => void logLines.push(line) })
    : silentLogger;
  const gateway = await startGateway(config, log, options.now, { renderWorkerUrl: BUNDLED_RENDER_WORKER });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await gateway.stop();
  };
  return {
    ...gateway,
    config,
    async api(method, path, body, key = ADMIN_TOKEN) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    stop,
    async close() {
      await stop();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
