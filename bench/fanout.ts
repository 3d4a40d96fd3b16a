/**
 * Fan-out: 2,000 events, each to 100 json webhooks (200,000 deliveries), posted in batches of 100
 * by 4 producers at once, the receiver in another process. Webhook n sends to /hook/<n>, and the
 * receiver's count of requests per path (GET /messages) tells when every webhook has every event:
 * its count of event ids would be complete after the first webhook. Reports deliveries/s from the
 * first post to the poll (every 100 ms) that found them all, Herald's peak RSS, and post-to-receipt
 * p50/p99 of each event's first delivery only (the receiver notes the first of its 100).
 * Runs alone too: `npx tsx bench/fanout.ts`; BENCH_STORE=postgres|pglite (postgres),
 * BENCH_DATABASE_URL, BENCH_FANOUT_WEBHOOKS, BENCH_FANOUT_EVENTS.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import {
  banEvent,
  eventId,
  type Herald,
  type Receiver,
  receiptFigures,
  type Store,
  startHerald,
  startReceiver,
} from "./herald";

const BATCH = 100;
/** Batches posted at once, as several producers would. */
const PRODUCERS = 4;
const TIMEOUT_MS = 600_000;

export interface FanoutResult {
  store: Store;
  webhooks: number;
  events: number;
  /** Requests the receiver took at the webhooks' paths. */
  deliveries: number;
  /** From the first post until every webhook had every event. */
  seconds: number;
  deliveriesPerSecond: number;
  /** Post to an event's first delivery, of its `webhooks`. */
  firstReceiptP50Ms: number;
  firstReceiptP99Ms: number;
  peakRssMiB: number;
}

/** Posts the events in batches; answers when each event was posted. */
async function postEvents(herald: Herald, events: number): Promise<Map<string, number>> {
  const postedAt = new Map<string, number>();
  const batches = Array.from({ length: Math.ceil(events / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, events - b * BATCH) }, (_, i) =>
      banEvent(eventId(b, i), `203.0.113.${i % 250}`),
    ),
  );
  let next = 0;
  async function producer() {
    for (let batch = batches[next++]; batch; batch = batches[next++]) {
      const sentAt = Date.now();
      const response = await herald.call("POST", "/api/v1/events", batch);
      if (response.status !== 202)
        throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
      for (const event of batch) postedAt.set(event.id, sentAt);
    }
  }
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  return postedAt;
}

/** Polls until every webhook's path has taken `events` requests; answers the requests at them all. */
async function waitForDeliveries(
  receiver: Receiver,
  webhooks: number,
  events: number,
  started: number,
): Promise<number> {
  const paths = Array.from({ length: webhooks }, (_, n) => `/hook/${n}`);
  for (;;) {
    const { byPath } = await receiver.messages();
    const counts = paths.map((path) => byPath[path] ?? 0);
    if (counts.every((count) => count >= events)) return counts.reduce((sum, count) => sum + count, 0);
    if (Date.now() - started > TIMEOUT_MS) {
      const delivered = counts.reduce((sum, count) => sum + count, 0);
      throw new Error(`only ${delivered} of ${webhooks * events} deliveries arrived in 600 s`);
    }
    await sleep(100);
  }
}

export async function benchFanout(
  store: Store,
  serverUrl: string | undefined,
  webhooks = 100,
  events = 2000,
): Promise<FanoutResult> {
  const receiver = await startReceiver();
  try {
    const herald = await startHerald(store, serverUrl);
    try {
      for (let n = 0; n < webhooks; n++) {
        await herald.createWebhook({ name: `fanout-${n}`, url: `${receiver.url}/hook/${n}`, format: "json" });
      }
      const started = Date.now();
      const postedAt = await postEvents(herald, events);
      const deliveries = await waitForDeliveries(receiver, webhooks, events, started);
      const seconds = (Date.now() - started) / 1000;
      const { p50Ms, p99Ms } = receiptFigures(await receiver.received(), postedAt, started);
      return {
        store,
        webhooks,
        events,
        deliveries,
        seconds: Math.round(seconds * 10) / 10,
        deliveriesPerSecond: Math.round(deliveries / seconds),
        firstReceiptP50Ms: p50Ms,
        firstReceiptP99Ms: p99Ms,
        peakRssMiB: herald.peakRssMiB(),
      };
    } finally {
      await herald.stop();
    }
  } finally {
    await receiver.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const store = process.env.BENCH_STORE ?? "postgres";
  if (store !== "postgres" && store !== "pglite") throw new Error("BENCH_STORE is postgres or pglite");
  const fromEnv = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const result = await benchFanout(
    store,
    process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    fromEnv("BENCH_FANOUT_WEBHOOKS"),
    fromEnv("BENCH_FANOUT_EVENTS"),
  );
  console.table(result);
}
