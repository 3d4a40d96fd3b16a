/**
 * npx tsx bench/retention.ts: pruning past the retention while Herald delivers, on a PostgreSQL
 * server (BENCH_DATABASE_URL, default the local one).
 *
 * A Herald process (bench/herald.ts) on a fresh database, which holds 1,000,000 finished
 * deliveries 60 to 68 days old, each with its event and one attempt (BENCH_PRUNE_ROWS scales
 * it), in the partitions Herald would have made for a 30-day retention. A json webhook meanwhile
 * gets a steady stream of events (50 every 200 ms). After 15 s, the two steps of pruneFinished
 * run from the bench's own connection to the same database, as Herald's retention would
 * (Herald's own is off): the spans past the retention are dropped, then the million events go
 * by batches. Printed: how long each step took, and the live webhook's rate, latency and longest
 * pause for the events posted before, during each step, and after.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { openStore } from "../src/store/db";
import { createPartitions, dropFinishedSpans } from "../src/store/partitions";
import { pruneFinished } from "../src/store/retention";
import { banEvent, eventId, percentile, startHerald, startReceiver } from "./herald";

const SERVER = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(process.env.BENCH_PRUNE_ROWS ?? 1_000_000);
/** Events posted every 200 ms: about 230 a second, which the engine keeps up with. */
const STREAM_BATCH = 50;
/** The UTC day `ago` days before today, as `YYYY-MM-DD`. */
const dayAgo = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
const say = (text: string) => process.stdout.write(`${text}\n`);

/**
 * The live webhook's figures for the events posted between `from` and `to`: deliveries per
 * second, post-to-receipt latency percentiles, and the longest pause between two receipts.
 */
function window(received: Record<string, number>, postedAt: Map<string, number>, from: number, to: number) {
  const inside = [...postedAt].filter(([, at]) => at >= from && at < to);
  const latencies = inside
    .map(([id, at]) => (received[id] ?? Number.POSITIVE_INFINITY) - at)
    .sort((a, b) => a - b);
  const receipts = inside.map(([id]) => received[id] as number).sort((a, b) => a - b);
  let longestPause = 0;
  for (let i = 1; i < receipts.length; i++) {
    longestPause = Math.max(longestPause, (receipts[i] as number) - (receipts[i - 1] as number));
  }
  return `${Math.round(inside.length / ((to - from) / 1000))}/s, latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, longest pause ${longestPause} ms`;
}

const receiver = await startReceiver();

async function waitForAll(count: number) {
  const started = Date.now();
  while ((await receiver.count()) < count) {
    if (Date.now() - started > 120_000) throw new Error("the live webhook did not get every event in 120 s");
    await sleep(100);
  }
}
const herald = await startHerald("postgres", SERVER, {
  HERALD_RETENTION_DAYS: "0",
  HERALD_LOG_LEVEL: "warn",
});
const store = openStore({ databaseUrl: herald.databaseUrl as string, dataDir: "unused", poolSize: 4 });
let streaming = true;
try {
  const db = store.db;
  const oldHook = await herald.createWebhook({ name: "old", url: `${receiver.url}/old`, format: "json" });
  await herald.call("POST", `/api/v1/webhooks/${oldHook}/pause`);
  const started = performance.now();
  // Herald's spans for a 30-day retention (8 days each), from 68 days ago to today; the oldest
  // holds the million.
  const spans = [68, 60, 52, 44, 36, 28, 20, 12, 4].map((ago) => ({
    from: dayAgo(ago),
    to: dayAgo(Math.max(ago - 8, 0)),
  }));
  for (const span of spans) await createPartitions(db, span);
  const old = spans[0] as { from: string; to: string };
  await db.execute(sql`
    insert into events (id, source, type, time, severity, title, data, created_at)
    select 'old-' || n, 'website-defender', 'auto_ban', t, 'high', 'ban', '{}'::json, t
    from generate_series(1, ${ROWS}) n,
         lateral (select ${old.from}::timestamptz + (n % 8) * interval '1 day' + interval '1 hour' as t) at`);
  await db.execute(sql`
    insert into deliveries (webhook_id, event_key, status, attempt, created_at, updated_at)
    select ${oldHook}::uuid, e.key, 'delivered', 1, e.created_at, e.created_at from events e`);
  await db.execute(sql`
    insert into delivery_attempts (delivery_id, delivery_created_at, webhook_id, attempt, success, duration_ms, created_at)
    select id, created_at, webhook_id, 1, true, 12, created_at from deliveries`);
  await db.execute(sql`analyze`);
  say(
    `built ${ROWS.toLocaleString("en")} old events, deliveries and attempts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  await herald.createWebhook({ name: "live", url: `${receiver.url}/live`, format: "json" });
  const postedAt = new Map<string, number>();
  const stream = (async () => {
    for (let batch = 0; streaming; batch++) {
      const events = Array.from({ length: STREAM_BATCH }, (_, n) =>
        banEvent(eventId(batch, n), `203.0.113.${n % 250}`),
      );
      const sentAt = Date.now();
      const response = await herald.call("POST", "/api/v1/events", events);
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      for (const event of events) postedAt.set(event.id, sentAt);
      await sleep(200);
    }
  })();
  await sleep(15_000);

  // The two steps of pruneFinished, timed apart: the spans' partitions, then what goes by batches.
  const dropStarted = Date.now();
  const dropped = await dropFinishedSpans(db, new Date(Date.now() - 30 * 86_400_000));
  const batchesStarted = Date.now();
  const pruned = await pruneFinished(db, 30);
  const batchesEnded = Date.now();
  await sleep(10_000);
  streaming = false;
  await stream;
  await waitForAll(postedAt.size);
  const received = await receiver.received();
  const live = (from: number, to: number) => window(received, postedAt, from, to);
  say(
    `dropped ${dropped.dropped.length} spans, the oldest ${old.from} to ${old.to} (${dropped.deliveries.toLocaleString("en")} deliveries with their attempts) in ${((batchesStarted - dropStarted) / 1000).toFixed(1)} s; then pruned ${pruned.events.toLocaleString("en")} events (and ${pruned.deliveries.toLocaleString("en")} deliveries) by batches in ${((batchesEnded - batchesStarted) / 1000).toFixed(1)} s`,
  );
  say(
    `the live webhook, for the events posted in the 10 s before: ${live(dropStarted - 10_000, dropStarted)}`,
  );
  say(
    `  while the spans were dropped: ${live(dropStarted - 1000, batchesStarted + 1000)} (a second either side)`,
  );
  say(`  while the batches ran: ${live(batchesStarted, batchesEnded)}`);
  say(`  in the 10 s after: ${live(batchesEnded, batchesEnded + 10_000)}`);
} finally {
  streaming = false;
  await store.close();
  await herald.stop();
  await receiver.stop();
}
