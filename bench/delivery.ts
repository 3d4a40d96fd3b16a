/**
 * End to end: 20,000 events posted in batches of 1,000 to a Herald process, one webhook, a
 * receiver in a third process, one request (or syslog message) per event. Reports events/s from
 * the first post to the last receipt, post-to-receipt latency and Herald's peak RSS.
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

/** What the one webhook is: the format and the receiver's listener it sends to. */
export const DESTINATIONS = {
  json: { format: "json", listener: "http", path: "/hook" },
  splunk_hec: { format: "splunk_hec", listener: "http", path: "/services/collector/event" },
  syslog_tcp: { format: "syslog", listener: "tcp", path: "" },
  syslog_udp: { format: "syslog", listener: "udp", path: "" },
} as const;
export type Destination = keyof typeof DESTINATIONS;

export interface DeliveryResult {
  store: string;
  destination: Destination;
  /** Events that reached the receiver (UDP may lose some). */
  received: number;
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
  destination: Destination,
  serverUrl?: string,
): Promise<DeliveryResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const receiver = startProcess("bench/receiver.ts", []);
  const ports = JSON.parse(await firstLine(receiver)) as Record<"http" | "tcp" | "udp", number>;
  const receiverUrl = `http://127.0.0.1:${ports.http}`;
  const { format, listener, path } = DESTINATIONS[destination];
  const port = 18_000 + Math.floor(Math.random() * 1000);
  const herald = startProcess("src/main.ts", ["serve"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    HERALD_ADMIN_TOKEN: TOKEN,
    HERALD_DATA_DIR: dataDir,
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
    const webhook = await call("POST", "/api/v1/webhooks", {
      name: "bench",
      url: `${listener}://127.0.0.1:${ports[listener]}${path}`,
      format,
      retry_count: 10,
      ...(destination === "splunk_hec" ? { auth: { type: "splunk", token: "bench" } } : {}),
    });
    if (webhook.status !== 201) throw new Error(`webhook: ${webhook.status} ${await webhook.text()}`);

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

    // Wait for every event; over UDP, until nothing more arrives for two seconds.
    for (let count = 0, unchangedSince = Date.now(); count < EVENTS; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = Number(await (await fetch(`${receiverUrl}/count`)).text());
      if (now !== count) [count, unchangedSince] = [now, Date.now()];
      if (listener === "udp" && count > 0 && Date.now() - unchangedSince > 2000) break;
      if (Date.now() - started > 300_000) throw new Error(`only ${count} of ${EVENTS} arrived in 300 s`);
    }
    const receivedAt = (await (await fetch(`${receiverUrl}/received`)).json()) as Record<string, number>;
    const receipts = Object.entries(receivedAt);
    const last = Math.max(...receipts.map(([, at]) => at));
    const latencies = receipts.map(([id, at]) => at - (postedAt.get(id) ?? started)).sort((a, b) => a - b);
    return {
      store,
      destination,
      received: receipts.length,
      events: EVENTS,
      eventsPerSecond: Math.round(receipts.length / ((last - started) / 1000)),
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
