/**
 * Steady load: 1,000 events/s for 60 s into one json webhook, the receiver in another process.
 * Every 10 ms a batch of rate ÷ 100 events is posted, each at its due time (first + k × 10 ms) and
 * without waiting for earlier answers, over one pool of 16 keep-alive connections to Herald.
 * Reports p50/p95/p99/max of post-to-receipt latency (from the post's sending, Date.now(), to the
 * receiver's first note of the event id, Date.now() too: ms resolution) and of ingest latency (from
 * sending to the whole 202 answer, performance.now()), over the events posted after a 2 s warm-up;
 * with the achieved rate, the posts not answered 202 and Herald's peak RSS.
 * Targets: post-to-receipt p99 ≤ 25 ms on PostgreSQL (≤ 50 ms on PGlite), ingest p99 ≤ 10 ms.
 * Runs alone too: `npx tsx bench/steady.ts`; BENCH_STORE=postgres|pglite (postgres),
 * BENCH_DATABASE_URL, BENCH_STEADY_RATE (events/s), BENCH_STEADY_SECONDS; BENCH_STEADY_NO_WEBHOOK=1
 * posts the same load with no webhook, for ingest's latency with nothing to deliver.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import {
  ADMIN_HEADERS,
  banEvent,
  eventId,
  percentile,
  type Store,
  startHerald,
  startReceiver,
} from "./herald";

const POST_EVERY_MS = 10;
const WARM_UP_POSTS = 2000 / POST_EVERY_MS;
/** Posts beyond these wait in the pool's queue, and that wait counts in their ingest latency. */
const CONNECTIONS = 16;
const ARRIVAL_TIMEOUT_MS = 120_000;

export interface Summary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SteadyResult {
  store: Store;
  /** Events posted, warm-up included. */
  events: number;
  seconds: number;
  offeredPerSecond: number;
  /** Events received ÷ seconds from the first post to the last receipt. */
  achievedPerSecond: number;
  /** Accepted events that had not arrived 120 s after the last post (their latency counts as infinite). */
  late: number;
  /** Post-to-receipt latency, ms. */
  delivery: Summary;
  /** Post-to-answer latency, ms. */
  ingest: Summary;
  /** Posts answered other than 202, or not at all. */
  non202: number;
  /** The latest a post left after its due time, ms: the bench's own lag, not Herald's. */
  maxSendLagMs: number;
  peakRssMiB: number;
}

interface Post {
  /** Date.now() when it was sent. */
  sentAt: number;
  ingestMs: number;
  accepted: boolean;
}

function summary(sortedMs: number[]): Summary {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(percentile(sortedMs, 50)),
    p95: round(percentile(sortedMs, 95)),
    p99: round(percentile(sortedMs, 99)),
    max: round(sortedMs.at(-1) ?? Number.NaN),
  };
}

async function post(pool: Pool, batch: number, size: number): Promise<Post> {
  const body = JSON.stringify(
    Array.from({ length: size }, (_, n) => banEvent(eventId(batch, n), `203.0.113.${n % 250}`)),
  );
  const sentAt = Date.now();
  const start = performance.now();
  try {
    const answer = await pool.request({
      path: "/api/v1/events",
      method: "POST",
      headers: ADMIN_HEADERS,
      body,
    });
    await answer.body.text();
    return { sentAt, ingestMs: performance.now() - start, accepted: answer.statusCode === 202 };
  } catch {
    return { sentAt, ingestMs: performance.now() - start, accepted: false };
  }
}

/** Posts `batches` batches of `size` by the clock; answers how each went, by batch number. */
async function postOnSchedule(
  pool: Pool,
  batches: number,
  size: number,
): Promise<{ posts: Post[]; maxSendLagMs: number }> {
  const posts: Promise<Post>[] = [];
  let maxSendLagMs = 0;
  const first = performance.now();
  for (let k = 0; k < batches; k++) {
    const due = first + k * POST_EVERY_MS;
    if (due > performance.now()) await sleep(due - performance.now());
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
    posts.push(post(pool, k, size));
  }
  return { posts: await Promise.all(posts), maxSendLagMs: Math.round(maxSendLagMs * 10) / 10 };
}

export async function benchSteady(
  store: Store,
  serverUrl: string | undefined,
  ratePerSecond = 1000,
  seconds = 60,
  withWebhook = true,
): Promise<SteadyResult> {
  const size = (ratePerSecond * POST_EVERY_MS) / 1000;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`${ratePerSecond}/s is not a whole batch per post`);
  const batches = (seconds * 1000) / POST_EVERY_MS;
  const receiver = await startReceiver();
  try {
    const herald = await startHerald(store, serverUrl);
    try {
      if (withWebhook)
        await herald.createWebhook({ name: "bench", url: `${receiver.url}/hook`, format: "json" });
      const pool = new Pool(herald.url, { connections: CONNECTIONS });
      const { posts, maxSendLagMs } = await postOnSchedule(pool, batches, size).finally(() => pool.close());

      const accepted = posts.filter((p) => p.accepted).length;
      const expected = withWebhook ? accepted * size : 0;
      const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
      // An engine that falls behind delivers the rest late: those count as not arrived.
      for (let count = 0; count < expected && Date.now() < deadline; count = await receiver.count()) {
        await sleep(100);
      }

      const receivedAt = await receiver.received();
      const delivery: number[] = [];
      const ingest: number[] = [];
      for (const [k, { sentAt, ingestMs, accepted }] of posts.entries()) {
        if (k < WARM_UP_POSTS || !accepted) continue;
        ingest.push(ingestMs);
        for (let n = 0; n < (withWebhook ? size : 0); n++) {
          const at = receivedAt[eventId(k, n)];
          delivery.push(at === undefined ? Number.POSITIVE_INFINITY : at - sentAt);
        }
      }
      if (process.env.BENCH_STEADY_TIMELINE) printTimeline(posts, receivedAt, size);
      const lastReceipt = Object.values(receivedAt).reduce((last, at) => Math.max(last, at), 0);
      const firstSent = posts[0]?.sentAt ?? lastReceipt;
      return {
        store,
        events: batches * size,
        seconds,
        offeredPerSecond: ratePerSecond,
        achievedPerSecond: Math.round(Object.keys(receivedAt).length / ((lastReceipt - firstSent) / 1000)),
        late: expected - Object.keys(receivedAt).length,
        delivery: summary(delivery.sort((a, b) => a - b)),
        ingest: summary(ingest.sort((a, b) => a - b)),
        non202: posts.length - accepted,
        maxSendLagMs,
        peakRssMiB: herald.peakRssMiB(),
      };
    } finally {
      await herald.stop();
    }
  } finally {
    await receiver.stop();
  }
}

/** BENCH_STEADY_TIMELINE=1: post-to-receipt p50/p99/max of each second's posts, to see when delay builds. */
function printTimeline(posts: Post[], receivedAt: Record<string, number>, size: number): void {
  const postsPerSecond = 1000 / POST_EVERY_MS;
  for (let first = 0; first < posts.length; first += postsPerSecond) {
    const latencies: number[] = [];
    for (let k = first; k < Math.min(first + postsPerSecond, posts.length); k++) {
      for (let n = 0; n < size; n++) {
        const at = receivedAt[eventId(k, n)];
        latencies.push(at === undefined ? Number.POSITIVE_INFINITY : at - (posts[k] as Post).sentAt);
      }
    }
    const { p50, p99, max } = summary(latencies.sort((a, b) => a - b));
    process.stdout.write(`second ${first / postsPerSecond}: p50 ${p50} p99 ${p99} max ${max} ms\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const store = process.env.BENCH_STORE ?? "postgres";
  if (store !== "postgres" && store !== "pglite") throw new Error("BENCH_STORE is postgres or pglite");
  const fromEnv = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const withWebhook = process.env.BENCH_STEADY_NO_WEBHOOK !== "1";
  const result = await benchSteady(
    store,
    process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    fromEnv("BENCH_STEADY_RATE"),
    fromEnv("BENCH_STEADY_SECONDS"),
    withWebhook,
  );
  process.stdout.write(
    `steady load on ${store}: ${result.events} events at ${result.offeredPerSecond}/s for ${result.seconds} s, ` +
      (withWebhook ? `achieved ${result.achievedPerSecond}/s, ` : "no webhook, ") +
      `${result.non202} posts not answered 202, ` +
      `bench's send lag ≤ ${result.maxSendLagMs} ms, Herald's peak RSS ${result.peakRssMiB} MiB\n` +
      "latency in ms, the first 2 s of posts left out:\n",
  );
  console.table(
    withWebhook ? { "post to receipt": result.delivery, ingest: result.ingest } : { ingest: result.ingest },
  );
}
