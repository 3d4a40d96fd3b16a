/**
 * What the end-to-end benchmarks share: a Herald process on a fresh store, the receiver process
 * (bench/receiver.ts), the auto_ban events they post and the percentiles they report.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { firstLine, peakRssMiB, startProcess, stopProcess, waitUntilReady } from "./process";

export type Store = "pglite" | "postgres";

const TOKEN = "bench-admin-token-0123456789";

/** The headers of a JSON call to Herald's API as its admin. */
export const ADMIN_HEADERS = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

export interface Herald {
  /** Its base URL, for a client of one's own (with ADMIN_HEADERS). */
  url: string;
  /** Its PostgreSQL database, when it runs on one. */
  databaseUrl?: string;
  /** A call to Herald's API as its admin. */
  call(method: string, path: string, body?: unknown): Promise<Response>;
  /** Creates a webhook and answers its id. */
  createWebhook(settings: Record<string, unknown>): Promise<string>;
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/** A database of this bench process's own, so that two benches on one server keep apart. */
const benchDatabase = () => `herald_bench_${process.pid}`;

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

async function freshPostgresDatabase(serverUrl: string): Promise<string> {
  await onServer(serverUrl, `drop database if exists ${benchDatabase()} with (force)`);
  await onServer(serverUrl, `create database ${benchDatabase()}`);
  const url = new URL(serverUrl);
  url.pathname = `/${benchDatabase()}`;
  return url.toString();
}

/**
 * Herald in its own process, on PGlite in a new data directory or on a new PostgreSQL database;
 * `env` adds to its settings.
 */
export async function startHerald(
  store: Store,
  serverUrl?: string,
  env: Record<string, string> = {},
): Promise<Herald> {
  const dataDir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const databaseUrl = store === "postgres" && serverUrl ? await freshPostgresDatabase(serverUrl) : undefined;
  // As `npm start` runs it: bundled (src/launch.mjs).
  const child = startProcess("src/launch.mjs", ["serve"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    HERALD_ADMIN_TOKEN: TOKEN,
    HERALD_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, HERALD_DB_POOL_SIZE: "8" } : {}),
    ...env,
  });
  const stop = async () => {
    await stopProcess(child);
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl && serverUrl) await onServer(serverUrl, `drop database ${benchDatabase()} with (force)`);
  };
  const base = `http://127.0.0.1:${port}`;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: ADMIN_HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  try {
    await waitUntilReady(`${base}/readyz`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: base,
    databaseUrl,
    call,
    async createWebhook(settings) {
      const response = await call("POST", "/api/v1/webhooks", settings);
      if (response.status !== 201) throw new Error(`webhook: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    },
    peakRssMiB: () => Math.round(peakRssMiB(child.pid as number)),
    stop,
  };
}

export interface Receiver {
  ports: Record<"http" | "tcp" | "udp", number>;
  /** Its HTTP listener's base URL. */
  url: string;
  /** How many different event ids arrived. */
  count(): Promise<number>;
  /** When each event id first arrived (ms since the epoch). */
  received(): Promise<Record<string, number>>;
  /** Messages per HTTP path, and what the Slack stand-in answered. */
  messages(): Promise<ReceiverMessages>;
  stop(): Promise<void>;
}

export interface ReceiverMessages {
  byPath: Record<string, number>;
  slack: { ok: number; throttled: number; rejected: number };
}

/** The receiver (bench/receiver.ts) in its own process. */
export async function startReceiver(): Promise<Receiver> {
  const child = startProcess("bench/receiver.ts", []);
  const ports = JSON.parse(await firstLine(child)) as Receiver["ports"];
  const url = `http://127.0.0.1:${ports.http}`;
  const get = (path: string) => fetch(`${url}${path}`);
  return {
    ports,
    url,
    count: async () => Number(await (await get("/count")).text()),
    received: async () => (await (await get("/received")).json()) as Record<string, number>,
    messages: async () => (await (await get("/messages")).json()) as ReceiverMessages,
    stop: () => stopProcess(child),
  };
}

/** An auto_ban event of website-defender for a client IP, with the id the receiver looks for. */
export function banEvent(id: string, clientIp: string) {
  return {
    id,
    type: "auto_ban",
    source: "website-defender",
    severity: "high",
    title: `${clientIp} auto-banned for 1h`,
    data: { client_ip: clientIp, reason: "excessive 4xx responses", banned_for: "1h" },
  };
}

/** The event id the receiver recognises (bench/receiver.ts): `bench-<batch>-<n>`. */
export const eventId = (batch: number, n: number) => `bench-${batch}-${n}`;

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** Post-to-receipt latency percentiles and events/s from `started` to the last receipt. */
export function receiptFigures(
  receivedAt: Record<string, number>,
  postedAt: Map<string, number>,
  started: number,
): { received: number; eventsPerSecond: number; p50Ms: number; p99Ms: number } {
  const receipts = Object.entries(receivedAt);
  const last = Math.max(...receipts.map(([, at]) => at));
  const latencies = receipts.map(([id, at]) => at - (postedAt.get(id) ?? started)).sort((a, b) => a - b);
  return {
    received: receipts.length,
    eventsPerSecond: receipts.length === 0 ? 0 : Math.round(receipts.length / ((last - started) / 1000)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
