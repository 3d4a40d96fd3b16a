/**
 * End to end: 20,000 events posted in batches of 1,000 to a Herald process, one webhook, a
 * receiver in a third process, one request (or syslog message) per event. Reports events/s from
 * the first post to the last receipt, post-to-receipt latency and Herald's peak RSS.
 */
import { banEvent, eventId, receiptFigures, type Store, startHerald, startReceiver } from "./herald";

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

export async function benchDelivery(
  store: Store,
  destination: Destination,
  serverUrl?: string,
): Promise<DeliveryResult> {
  const receiver = await startReceiver();
  const { format, listener, path } = DESTINATIONS[destination];
  try {
    const herald = await startHerald(store, serverUrl);
    try {
      await herald.createWebhook({
        name: "bench",
        url: `${listener}://127.0.0.1:${receiver.ports[listener]}${path}`,
        format,
        retry_count: 10,
        ...(destination === "splunk_hec" ? { auth: { type: "splunk", token: "bench" } } : {}),
      });

      const postedAt = new Map<string, number>();
      const batches = Array.from({ length: EVENTS / BATCH }, (_, b) =>
        Array.from({ length: BATCH }, (_, i) => banEvent(eventId(b, i), `203.0.113.${i % 255}`)),
      );
      const started = Date.now();
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

      // Wait for every event; over UDP, until nothing more arrives for two seconds.
      for (let count = 0, unchangedSince = Date.now(); count < EVENTS; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = await receiver.count();
        if (now !== count) [count, unchangedSince] = [now, Date.now()];
        if (listener === "udp" && count > 0 && Date.now() - unchangedSince > 2000) break;
        if (Date.now() - started > 300_000) throw new Error(`only ${count} of ${EVENTS} arrived in 300 s`);
      }
      const figures = receiptFigures(await receiver.received(), postedAt, started);
      return { store, destination, events: EVENTS, ...figures, peakRssMiB: herald.peakRssMiB() };
    } finally {
      await herald.stop();
    }
  } finally {
    await receiver.stop();
  }
}
