/**
 * npx tsx bench/retention.ts: pruning a million finished deliveries (and their events and
 * attempts) past the retention, on a PostgreSQL server (BENCH_DATABASE_URL, default the local one)
 * in a database of its own, dropped afterwards; and how long ingest takes while it runs.
 *
 * The store: one webhook, 1,000,000 events 60 days old, each with one delivered delivery and one
 * attempt (BENCH_PRUNE_ROWS scales it). While pruneFinished runs, batches of 1,000 events are
 * ingested one after another; their times are compared with the same batches before pruning.
 */
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openStore } from "../src/store/db";
import { ingestEvents } from "../src/store/ingest";
import { pruneFinished } from "../src/store/retention";

const SERVER = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(process.env.BENCH_PRUNE_ROWS ?? 1_000_000);
const NAME = `herald_bench_retention_${process.pid}`;
const say = (text: string) => process.stdout.write(`${text}\n`);

const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${NAME}`);
const url = new URL(SERVER);
url.pathname = `/${NAME}`;
const store = openStore({ databaseUrl: url.toString(), dataDir: "unused", poolSize: 4 });

let batchNumber = 0;
/** Ingests one batch of 1,000 fresh events and answers its time in ms. */
async function ingestBatch(): Promise<number> {
  const batch = batchNumber++;
  const events = Array.from({ length: 1000 }, (_, n) => ({
    id: `live-${batch}-${n}`,
    type: "auto_ban",
    source: "website-defender",
    time: new Date().toISOString(),
    severity: "high" as const,
    title: "ban",
    subject: null,
    data: { client_ip: `203.0.113.${n % 250}` },
  }));
  const started = performance.now();
  await ingestEvents(store.db, events);
  return performance.now() - started;
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[times.length >> 1] ?? Number.NaN;

try {
  await store.migrate();
  const db = store.db;
  let started = performance.now();
  await db.execute(sql`
    insert into webhooks (name, url, event_types, events_policy, min_severity, format, options, method,
                          headers, destination, timeout_ms, connect_timeout_ms, retry_count, is_active, paused)
    values ('hook', 'http://127.0.0.1:9/', '["*"]', 'include', 'info', 'json', '{}', 'POST', '{}',
            '{"kind":"http"}', 5000, 3000, 3, true, true)`);
  await db.execute(sql`
    insert into events (id, source, type, time, severity, title, data, created_at)
    select 'old-' || n, 'website-defender', 'auto_ban', now() - interval '60 days', 'high', 'ban',
           '{}'::json, now() - interval '60 days'
    from generate_series(1, ${ROWS}) n`);
  await db.execute(sql`
    insert into deliveries (webhook_id, event_key, status, attempt, created_at, updated_at)
    select w.id, e.key, 'delivered', 1, e.created_at, e.created_at from events e, webhooks w`);
  await db.execute(sql`
    insert into delivery_attempts (delivery_id, attempt, success, duration_ms, created_at)
    select id, 1, true, 12, created_at from deliveries`);
  await db.execute(sql`analyze`);
  say(
    `built ${ROWS.toLocaleString("en")} old events, deliveries and attempts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const before: number[] = [];
  for (let i = 0; i < 10; i++) before.push(await ingestBatch());

  const during: number[] = [];
  let pruning = true;
  started = performance.now();
  const prune = pruneFinished(db, 30).finally(() => {
    pruning = false;
  });
  while (pruning) during.push(await ingestBatch());
  const pruned = await prune;
  const pruneSeconds = (performance.now() - started) / 1000;

  say(
    `pruned ${pruned.deliveries.toLocaleString("en")} deliveries (with their attempts) and ${pruned.events.toLocaleString("en")} events in ${pruneSeconds.toFixed(1)} s`,
  );
  say(
    `ingest of 1,000 events: median ${median(before).toFixed(0)} ms before pruning, ${median(during).toFixed(0)} ms during it (${during.length} batches, slowest ${Math.max(...during).toFixed(0)} ms)`,
  );
} finally {
  await store.close();
  await admin.unsafe(`drop database ${NAME} with (force)`);
  await admin.end();
}
