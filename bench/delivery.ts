/**
 * End to end: 20,000 events posted in batches of 1,000 to a Herald process, one json webhook,
 * a receiver in a third process answering 200, one request per event. Reports events/s from the
 * first post to the last receipt, post-to-receipt latency and Herald's peak RSS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { firstLine, peakRssMiB, startProcess, stopProcess, waitUntilReady } from "./process";

const TOKEN = "bench-admin-token-0123456789";
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const BATCH = 1000;
/** Batches posted at once, as several producers would. */
const PRODUCERS = 4;

export interface DeliveryResult {
  store: string;
  events: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

async function freshPostgresDatabase(serverUrl: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe("drop database if exists herald_bench with (force)");
  await admin.unsafe("create database herald_bench");
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = "/herald_bench";
  return url.toString();
}

export async function benchDelivery(
  store: "pglite" | "postgres",
  serverUrl?: string,
): Promise<DeliveryResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const receiver = startProcess("bench/receiver.ts", ["0"]);
  const receiverUrl = `http://127.0.0.1:${await firstLine(receiver)}`;
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const herald = startProcess("src/main.ts", ["serve"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    HERALD_ADMIN_TOKEN: TOKEN,
    HERALD_DATA_DIR: dataDir,
    ...(process.env.BENCH_ENV ? JSON.parse(process.env.BENCH_ENV) : {}),
    ...(store === "postgres" && serverUrl
      ? { DATABASE_URL: await freshPostgresDatabase(serverUrl), HERALD_DB_POOL_SIZE: "8" }
      : {}),
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(`${base}/readyz`);
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await call("POST", "/api/v1/webhooks", { name: "bench", url: `${receiverUrl}/hook`, retry_count: 10 });

    const postedAt = new Map<string, number>();
    const batches = Array.from({ length: EVENTS / BATCH }, (_, b) =>
      Array.from({ length: BATCH }, (_, i) => ({
        id: `bench-${b}-${i}`,
        type: "auto_ban",
        source: "website-defender",
        severity: "high",
        title: `203.0.113.${i % 255} auto-banned for 1h`,
        data: { client_ip: `203.0.113.${i % 255}`, reason: "excessive 4xx responses", banned_for: "1h" },
      })),
    );
    const started = Date.now();
    let next = 0;
    async function producer() {
      for (let batch = batches[next++]; batch; batch = batches[next++]) {
        const sentAt = Date.now();
        const response = await call("POST", "/api/v1/events", batch);
        if (response.status !== 202)
          throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
        for (const event of batch) postedAt.set(event.id, sentAt);
      }
    }
    await Promise.all(Array.from({ length: PRODUCERS }, producer));

    for (;;) {
      const count = Number(await (await fetch(`${receiverUrl}/count`)).text());
      if (count >= EVENTS) break;
      if (Date.now() - started > 300_000) throw new Error(`only ${count} of ${EVENTS} arrived in 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const receivedAt = (await (await fetch(`${receiverUrl}/received`)).json()) as Record<string, number>;
    const receipts = Object.entries(receivedAt);
    const last = Math.max(...receipts.map(([, at]) => at));
    const latencies = receipts.map(([id, at]) => at - (postedAt.get(id) ?? started)).sort((a, b) => a - b);
    return {
      store,
      events: EVENTS,
      eventsPerSecond: Math.round(EVENTS / ((last - started) / 1000)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      peakRssMiB: Math.round(peakRssMiB(herald.pid as number)),
    };
  } finally {
    await stopProcess(herald);
    await stopProcess(receiver);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
