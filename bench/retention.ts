/**
 * npx tsx bench/retention.ts: pruning past the retention while Herald delivers, on a PostgreSQL
 * server (BENCH_DATABASE_URL, default the local one).
 *
 * A Herald process (bench/herald.ts) on a fresh database, which holds 1,000,000 finished
 * deliveries 60 and 59 days old (half each day, in those days' partitions as Herald would have
 * made them), each with its event and one attempt; BENCH_PRUNE_ROWS scales it. A json webhook
 * meanwhile delivers a stream of events offered faster than it can send them (200 every 200 ms),
 * so its rate is the engine's. After 15 s, pruneFinished runs from the bench's own connection to
 * the same database, as Herald's retention would (Herald's own is off): it drops the two days'
 * partitions, then deletes the million events in batches. Printed: how long each took, and the
 * deliveries per second and the longest pause between two receipts, in the 10 s before and
 * while it ran.
 */
import { sql } from "drizzle-orm";
import { openStore, queryRows } from "../src/store/db";
import { createDayPartitions } from "../src/store/partitions";
import { pruneFinished } from "../src/store/retention";
import { banEvent, eventId, startHerald, startReceiver } from "./herald";

const SERVER = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(process.env.BENCH_PRUNE_ROWS ?? 1_000_000);
const STREAM_BATCH = 200;
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deliveries per second between `from` and `to`, and the longest pause between two receipts. */
function window(receipts: number[], from: number, to: number) {
  const inside = receipts.filter((at) => at >= from && at < to);
  let longestPause = 0;
  for (let i = 1; i < inside.length; i++) {
    longestPause = Math.max(longestPause, (inside[i] as number) - (inside[i - 1] as number));
  }
  return { perSecond: Math.round(inside.length / ((to - from) / 1000)), longestPauseMs: longestPause };
}

const receiver = await startReceiver();
const herald = await startHerald("postgres", SERVER, { HERALD_RETENTION_DAYS: "0" });
const store = openStore({ databaseUrl: herald.databaseUrl as string, dataDir: "unused", poolSize: 4 });
let streaming = true;
try {
  const db = store.db;
  const oldHook = await herald.createWebhook({ name: "old", url: `${receiver.url}/old`, format: "json" });
  await herald.call("POST", `/api/v1/webhooks/${oldHook}/pause`);
  let started = performance.now();
  const days = await queryRows<{ day: string }>(
    db,
    sql`select ((now() - interval '60 days' + n * interval '1 day') at time zone 'utc')::date::text as day
        from generate_series(0, 1) n`,
  );
  for (const { day } of days) await createDayPartitions(db, day);
  await db.execute(sql`
    insert into events (id, source, type, time, severity, title, data, created_at)
    select 'old-' || n, 'website-defender', 'auto_ban', t, 'high', 'ban', '{}'::json, t
    from generate_series(1, ${ROWS}) n,
         lateral (select now() - interval '60 days' + (n % 2) * interval '1 day' as t) at`);
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
  const stream = (async () => {
    for (let batch = 0; streaming; batch++) {
      const events = Array.from({ length: STREAM_BATCH }, (_, n) =>
        banEvent(eventId(batch, n), `203.0.113.${n % 250}`),
      );
      const response = await herald.call("POST", "/api/v1/events", events);
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      await sleep(200);
    }
  })();
  await sleep(15_000);

  const pruneStarted = Date.now();
  started = performance.now();
  const pruned = await pruneFinished(db, 30);
  const pruneEnded = Date.now();
  say(
    `pruned ${pruned.deliveries.toLocaleString("en")} deliveries (with their attempts; days dropped: ${pruned.days.join(", ")}) and ${pruned.events.toLocaleString("en")} events in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  streaming = false;
  await stream;
  const receipts = Object.values(await receiver.received()).sort((a, b) => a - b);
  const before = window(receipts, pruneStarted - 10_000, pruneStarted);
  const during = window(receipts, pruneStarted, pruneEnded);
  say(
    `the live webhook's deliveries: ${before.perSecond}/s in the 10 s before (longest pause ${before.longestPauseMs} ms), ${during.perSecond}/s while pruning (longest pause ${during.longestPauseMs} ms)`,
  );
} finally {
  streaming = false;
  await store.close();
  await herald.stop();
  await receiver.stop();
}
