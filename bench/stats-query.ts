/**
 * npx tsx bench/stats-query.ts: the history queries of the console on a million deliveries, on a
 * PostgreSQL server (BENCH_DATABASE_URL, default the local one), in a database of its own that is
 * dropped afterwards (BENCH_KEEP=1 keeps it).
 *
 * The store: 10 webhooks, 500,000 events over 30 days, 1,000,000 deliveries: 400,000 to one busy
 * webhook within the last 24 hours, 600,000 spread over the other nine and the 30 days. The
 * indexes src/store/schema.ts declares beyond the migrations are created here by hand, as a
 * migration would (BENCH_WITHOUT_NEW_INDEXES=1 leaves them out, to compare).
 */
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openStore } from "../src/store/db";
import { findEvents, listEventPage } from "../src/store/event-history";
import { listDeliveryPage } from "../src/store/history";
import { webhookStats } from "../src/store/webhook-stats";

const SERVER = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NAME = `herald_bench_stats_${process.pid}`;
const RUNS = 7;

/** The indexes schema.ts declares that the migrations in drizzle/ do not create yet. */
const NEW_INDEXES = [
  "create index events_received_idx on events (created_at, key)",
  "create index events_id_idx on events (id)",
  "create index deliveries_created_idx on deliveries (created_at, id)",
];

const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${NAME}`);
const url = new URL(SERVER);
url.pathname = `/${NAME}`;
const store = openStore({ databaseUrl: url.toString(), dataDir: "unused", poolSize: 2 });
const say = (text: string) => process.stdout.write(`${text}\n`);

async function timed<T>(
  what: string,
  run: () => Promise<T>,
): Promise<{ what: string; median: number; max: number }> {
  await run(); // warm the cache and the plan
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { what, median: Number(times[RUNS >> 1]?.toFixed(1)), max: Number(times[RUNS - 1]?.toFixed(1)) };
}

try {
  await store.migrate();
  const db = store.db;
  let start = performance.now();
  await db.execute(sql`
    insert into webhooks (name, url, event_types, events_policy, min_severity, format, options, method,
                          headers, destination, timeout_ms, connect_timeout_ms, retry_count, is_active)
    select 'hook-' || n, 'http://127.0.0.1:9/', '["*"]', 'include', 'info', 'json', '{}', 'POST', '{}',
           '{"kind":"http"}', 5000, 3000, 3, true
    from generate_series(0, 9) n`);
  await db.execute(sql`
    insert into events (id, source, type, time, severity, title, data, created_at)
    select 'ev-' || n, 'source-' || (n % 5),
           (array['auto_ban','brute_force','hit','vulnerability','auth.failed','scan_detected','system','critical_finding','monitor_alert','report_ready'])[1 + n % 10],
           t, 'high', 'event ' || n, '{"client_ip":"192.0.2.1"}', t
    from (select n, now() - (n / 500000.0) * interval '30 days' as t from generate_series(1, 500000) n) e`);
  // Statuses: 94 % delivered, 3 % dead, 1 % discarded, 1.5 % retrying, 0.5 % pending.
  await db.execute(sql`
    with hooks as (select array_agg(id order by name) as ids from webhooks)
    insert into deliveries (webhook_id, event_key, status, attempt, duration_ms, status_code, success, created_at, updated_at, next_attempt_at)
    select case when n <= 400000 then ids[1] else ids[2 + n % 9] end,
           1 + (n::bigint * 7919) % 500000,
           case when r < 0.94 then 'delivered' when r < 0.97 then 'dead' when r < 0.98 then 'discarded'
                when r < 0.995 then 'retrying' else 'pending' end,
           1, (20 - 150 * ln(1 - random()))::int, 200, true, t, t, t
    from (select n, random() as r,
                 now() - random() * case when n <= 400000 then interval '24 hours' else interval '30 days' end as t
          from generate_series(1, 1000000) n) d, hooks`);
  say(
    `filled: 10 webhooks, 500,000 events, 1,000,000 deliveries in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  start = performance.now();
  if (!process.env.BENCH_WITHOUT_NEW_INDEXES)
    for (const statement of NEW_INDEXES) await db.execute(sql.raw(statement));
  await db.execute(sql`analyze`);
  say(`indexes and analyze in ${((performance.now() - start) / 1000).toFixed(1)} s`);

  const rows = (await db.execute(sql`select id from webhooks order by name`)) as unknown as { id: string }[];
  const [busy, quiet] = rows.map((row) => row.id) as [string, string];
  const now = new Date();
  const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
  const firstPage = await listDeliveryPage(db, {}, undefined, 100);
  const results = [
    await timed("stats, busy webhook, 24h (400,000 in the window)", () =>
      webhookStats(db, busy, ago(24), now),
    ),
    await timed("stats, busy webhook, 7d", () => webhookStats(db, busy, ago(168), now)),
    await timed("stats, quiet webhook, 24h (~2,200 in the window)", () =>
      webhookStats(db, quiet, ago(24), now),
    ),
    await timed("stats, quiet webhook, 7d", () => webhookStats(db, quiet, ago(168), now)),
    await timed("deliveries, first page of 100", () => listDeliveryPage(db, {}, undefined, 100)),
    await timed("deliveries, second page (cursor)", () => listDeliveryPage(db, {}, firstPage.next, 100)),
    await timed("deliveries, status dead", () =>
      listDeliveryPage(db, { statuses: ["dead"] }, undefined, 100),
    ),
    await timed("deliveries, type report_ready", () =>
      listDeliveryPage(db, { eventType: "report_ready" }, undefined, 100),
    ),
    await timed("deliveries, quiet webhook, dead, 7 days ago", () =>
      listDeliveryPage(db, { webhookId: quiet, statuses: ["dead"], until: ago(168) }, undefined, 100),
    ),
    await timed("events, first page of 100", () => listEventPage(db, {}, undefined, 100)),
    await timed("events, type and source", () =>
      listEventPage(db, { type: "hit", source: "source-2" }, undefined, 100),
    ),
    await timed("event by id", () => findEvents(db, "ev-250000", undefined, 10)),
  ];
  console.table(results);
} finally {
  await store.close();
  if (!process.env.BENCH_KEEP) await admin.unsafe(`drop database if exists ${NAME} with (force)`);
  await admin.end();
}
