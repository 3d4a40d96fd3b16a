import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import {
  createPartitions,
  createPartitionsAhead,
  createPartitionsAheadOrWait,
  DAYS_AHEAD,
  partitionName,
  partitionSpans,
  type Span,
  spanDays,
} from "../../src/store/partitions";
import { pruneFinished } from "../../src/store/retention";
import { insertWebhook } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";

describe.each(storeKinds())("retention on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 4 });
    await store.migrate();
    const input = webhookInputSchema.parse({ name: "r", url: "http://127.0.0.1:9/" });
    await insertWebhook(store.db, inputToRow(input));
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  /** Ingests an event (one delivery to the webhook), then sets its delivery's state and age in days. */
  async function eventWith(id: string, status: string, ageDays: number, attempts = 1) {
    await ingestEvents(store.db, [
      {
        id,
        type: "hit",
        source: "retention-test",
        time: new Date().toISOString(),
        severity: "high",
        title: id,
        subject: null,
        data: {},
      },
    ]);
    // Counted from today's midnight (UTC), as the spans' days are: from now(), 40.5 days ago
    // would fall on a different day in the afternoon than in the morning.
    const age = sql`date_trunc('day', now() at time zone 'utc') at time zone 'utc' - ${ageDays} * interval '1 day'`;
    await store.db.execute(sql`update events set created_at = ${age} where id = ${id}`);
    await store.db.execute(sql`
      update deliveries d set status = ${status}, created_at = ${age}, updated_at = ${age}
      from events e where e.key = d.event_key and e.id = ${id}`);
    await store.db.execute(sql`
      insert into delivery_attempts (delivery_id, delivery_created_at, webhook_id, attempt, success, duration_ms)
      select d.id, d.created_at, d.webhook_id, n, ${status === "delivered"}, 5
      from deliveries d join events e on e.key = d.event_key, generate_series(1, ${attempts}) n
      where e.id = ${id}`);
  }

  const ids = async (table: "events" | "deliveries") =>
    (
      await queryRows<{ id: string }>(
        store.db,
        table === "events"
          ? sql`select id from events order by id`
          : sql`select e.id from deliveries d join events e on e.key = d.event_key order by e.id`,
      )
    ).map((row) => row.id);

  it("deletes finished deliveries, their attempts and their events past the retention, and keeps the rest", async () => {
    await eventWith("old-delivered", "delivered", 40, 2);
    await eventWith("old-dead", "dead", 40, 4);
    await eventWith("old-discarded", "discarded", 31);
    await eventWith("old-pending", "pending", 40);
    await eventWith("old-retrying", "retrying", 45);
    await eventWith("young-delivered", "delivered", 10);
    await ingestEvents(store.db, [
      {
        id: "old-unmatched",
        type: "hit",
        source: "retention-test",
        time: new Date().toISOString(),
        severity: "high",
        title: "x",
        subject: null,
        data: {},
      },
    ]);
    await store.db.execute(
      sql`delete from deliveries d using events e where e.key = d.event_key and e.id = 'old-unmatched'`,
    );
    await store.db.execute(
      sql`update events set created_at = now() - interval '50 days' where id = 'old-unmatched'`,
    );

    expect(await pruneFinished(store.db, 30)).toEqual({ deliveries: 3, events: 4, spans: [] });
    // A queued delivery keeps its event however old: it still has to be sent.
    expect(await ids("deliveries")).toEqual(["old-pending", "old-retrying", "young-delivered"]);
    expect(await ids("events")).toEqual(["old-pending", "old-retrying", "young-delivered"]);
    const [attempts] = await queryRows<{ count: number }>(
      store.db,
      sql`select count(*)::int as count from delivery_attempts`,
    );
    expect(attempts?.count).toBe(3);
    // A second run finds nothing more.
    expect(await pruneFinished(store.db, 30)).toEqual({ deliveries: 0, events: 0, spans: [] });
  });

  it("works through more than one batch, letting other work run between batches", async () => {
    const events = Array.from({ length: 4500 }, (_, i) => ({
      id: `bulk-${i}`,
      type: "hit",
      source: "retention-test",
      time: new Date().toISOString(),
      severity: "high" as const,
      title: "t",
      subject: null,
      data: {},
    }));
    await ingestEvents(store.db, events);
    await store.db.execute(
      sql`update deliveries set status = 'delivered', created_at = now() - interval '60 days', updated_at = now() - interval '60 days'`,
    );
    await store.db.execute(sql`update events set created_at = now() - interval '60 days'`);
    let pauses = 0;
    const pruned = await pruneFinished(store.db, 30, async () => {
      pauses += 1;
    });
    expect(pruned).toEqual({ deliveries: 4500, events: 4500, spans: [] });
    expect(pauses).toBe(4);
  });

  /** The UTC day `ago` days before the database's today (negative: after), as partitions name it. */
  async function dayAgo(ago: number): Promise<string> {
    const [row] = await queryRows<{ day: string }>(
      store.db,
      sql`select ((now() at time zone 'utc')::date - ${ago}::int)::text as day`,
    );
    return row?.day as string;
  }

  /** The partitions Herald would have made for days `fromAgo` to `toAgo` ago, had it run then. */
  async function partitionsOfDaysAgo(fromAgo: number, toAgo: number): Promise<Span> {
    const span = { from: await dayAgo(fromAgo), to: await dayAgo(toAgo) };
    await createPartitions(store.db, span);
    return span;
  }

  const rowsIn = async (table: string) =>
    (await queryRows<{ count: number }>(store.db, sql.raw(`select count(*)::int as count from ${table}`)))[0]
      ?.count;

  it("makes a span a quarter of the retention, a month when everything is kept", () => {
    expect([30, 7, 1, 90, 0].map(spanDays)).toEqual([8, 2, 1, 23, 30]);
  });

  it("creates partitions a span wide, from today to three days ahead, once; ingest writes into today's", async () => {
    const today = await dayAgo(0);
    const created = await createPartitionsAhead(store.db, 2);
    expect(DAYS_AHEAD).toBe(3);
    expect(created).toEqual([
      { from: today, to: await dayAgo(-2) },
      { from: await dayAgo(-2), to: await dayAgo(-4) },
    ]);
    expect(await createPartitionsAhead(store.db, 2)).toEqual([]);
    expect(await partitionSpans(store.db)).toEqual(created);
    await eventWith("today", "delivered", 0);
    expect(await rowsIn(partitionName("deliveries", created[0] as Span))).toBe(1);
    expect(await rowsIn(partitionName("delivery_attempts", created[0] as Span))).toBe(1);
    expect(await rowsIn("deliveries_default")).toBe(0);
  });

  it("leaves a day the default partition holds rows of (an upgraded store's) to the default", async () => {
    await eventWith("before-partitioning", "delivered", 0);
    expect(await rowsIn("deliveries_default")).toBe(1);
    const created = await createPartitionsAhead(store.db, 1);
    expect(created.map((span) => span.from)).toEqual([await dayAgo(-1), await dayAgo(-2), await dayAgo(-3)]);
    await eventWith("still-today", "delivered", 0);
    expect(await rowsIn("deliveries_default")).toBe(2);
  });

  it("drops a past span whose deliveries all finished, and keeps a span that still has work or news", async () => {
    const retried = await partitionsOfDaysAgo(44, 42);
    const queued = await partitionsOfDaysAgo(42, 40);
    const finished = await partitionsOfDaysAgo(40, 38);
    // Past the cutoff in part only: its old deliveries stay until the whole span is.
    const straddling = await partitionsOfDaysAgo(38, 28);
    await eventWith("finished-a", "delivered", 39.5, 2);
    await eventWith("finished-b", "dead", 38.5, 3);
    await eventWith("queued-finished", "delivered", 41.5);
    await eventWith("queued", "retrying", 40.5);
    await eventWith("retried", "delivered", 43.5);
    await store.db.execute(sql`
      update deliveries d set updated_at = now() - interval '2 days'
      from events e where e.key = d.event_key and e.id = 'retried'`);
    await eventWith("straddling", "delivered", 35);
    expect(await rowsIn(partitionName("deliveries", finished))).toBe(2);

    const pruned = await pruneFinished(store.db, 30);
    expect(pruned).toEqual({ deliveries: 3, events: 3, spans: [finished] });
    expect(await partitionSpans(store.db)).toEqual([retried, queued, straddling]);
    // The kept span lost its finished delivery by batch; its queued one, the retried span's and
    // the straddling span's stay.
    expect(await ids("deliveries")).toEqual(["queued", "retried", "straddling"]);
    expect(await rowsIn("delivery_attempts")).toBe(3);
  });

  it.runIf(kind === "postgres")(
    "waits at most half a second for a busy table: the span's rows go by batch instead, the empty span at the next run",
    async () => {
      const span = await partitionsOfDaysAgo(40, 39);
      await eventWith("finished", "delivered", 39.5);
      // A long read elsewhere: dropping a partition needs the whole table.
      const other = postgres(database.databaseUrl as string, { max: 1, onnotice: () => {} });
      try {
        const reading = other.begin(async (tx) => {
          await tx`select count(*) from deliveries`;
          await tx`select pg_sleep(3)`;
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await pruneFinished(store.db, 30)).toMatchObject({ spans: [], deliveries: 1 });
        await reading;
      } finally {
        await other.end();
      }
      expect(await pruneFinished(store.db, 30)).toMatchObject({ spans: [span], deliveries: 0 });
    },
  );

  it.runIf(kind === "postgres")(
    "gives up creating partitions after half a second when a table stays locked, and creates them at the next run",
    async () => {
      // Ingest holding events while the partition wants them for its foreign key: waiting longer
      // could close a lock cycle, in which ingest would be the one to fail.
      const other = postgres(database.databaseUrl as string, { max: 1, onnotice: () => {} });
      const warnings: string[] = [];
      const log = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
      try {
        const holding = other.begin(async (tx) => {
          await tx`lock table events in row exclusive mode`;
          await tx`select pg_sleep(2)`;
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        await createPartitionsAheadOrWait(store.db, 8, log);
        expect(warnings).toEqual([
          "could not create the partitions ahead: a table stayed locked; trying again at the next run",
        ]);
        expect(await partitionSpans(store.db)).toEqual([]);
        await holding;
      } finally {
        await other.end();
      }
      await createPartitionsAheadOrWait(store.db, 8, log);
      expect(await partitionSpans(store.db)).toHaveLength(1);
    },
  );

  it.runIf(kind === "postgres")(
    "two processes pruning at once drop a span once, and neither fails",
    async () => {
      const spans = [await partitionsOfDaysAgo(44, 42), await partitionsOfDaysAgo(42, 40)];
      await eventWith("a", "delivered", 43);
      await eventWith("b", "delivered", 41);
      const second = openStore({ databaseUrl: database.databaseUrl, dataDir: "unused", poolSize: 2 });
      try {
        const runs = await Promise.all([pruneFinished(store.db, 30), pruneFinished(second.db, 30)]);
        expect(runs.flatMap((run) => run.spans).sort((x, y) => x.from.localeCompare(y.from))).toEqual(spans);
        expect(runs[0].deliveries + runs[1].deliveries).toBe(2);
        expect(await partitionSpans(store.db)).toEqual([]);
      } finally {
        await second.close();
      }
    },
  );
});
