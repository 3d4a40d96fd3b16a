import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
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

  /** Ingests an event (one delivery to the webhook), then sets its delivery's state and age. */
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
    const age = sql`now() - ${ageDays} * interval '1 day'`;
    await store.db.execute(sql`update events set created_at = ${age} where id = ${id}`);
    await store.db.execute(sql`
      update deliveries d set status = ${status}, created_at = ${age}, updated_at = ${age}
      from events e where e.key = d.event_key and e.id = ${id}`);
    await store.db.execute(sql`
      insert into delivery_attempts (delivery_id, attempt, success, duration_ms)
      select d.id, n, ${status === "delivered"}, 5
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

    expect(await pruneFinished(store.db, 30)).toEqual({ deliveries: 3, events: 4 });
    // A queued delivery keeps its event however old: it still has to be sent.
    expect(await ids("deliveries")).toEqual(["old-pending", "old-retrying", "young-delivered"]);
    expect(await ids("events")).toEqual(["old-pending", "old-retrying", "young-delivered"]);
    const [attempts] = await queryRows<{ count: number }>(
      store.db,
      sql`select count(*)::int as count from delivery_attempts`,
    );
    expect(attempts?.count).toBe(3);
    // A second run finds nothing more.
    expect(await pruneFinished(store.db, 30)).toEqual({ deliveries: 0, events: 0 });
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
    expect(pruned).toEqual({ deliveries: 4500, events: 4500 });
    expect(pauses).toBe(4);
  });
});
