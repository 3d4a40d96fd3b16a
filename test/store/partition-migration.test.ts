import { rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, queryRows } from "../../src/store/db";
import { insertWebhook } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { type MigratingDb, migrationsUpTo, openMigratingDb } from "../support/migrations";

// A store from before partitioning (migration 0009): two webhooks, deliveries and their attempts.
// The partitioning migration must carry every row over, give each attempt its delivery's
// created_at and webhook, and go on numbering attempts after the highest.
describe.each(storeKinds())("the partitioning migration (%s)", (kind) => {
  let database: TestDatabase;
  let store: MigratingDb;
  let folder: string;
  const rows = <Row>(query: ReturnType<typeof sql>) => queryRows<Row>(store.db, query);

  beforeAll(async () => {
    database = await createTestDatabase(kind, { empty: true });
    store = await openMigratingDb(kind, database);
    folder = migrationsUpTo("0009_secret_rotation");
    await store.migrate(folder);
    // The webhooks table is the same before and after: today's code writes it as 0009 had it.
    for (const name of ["a", "b"]) {
      await insertWebhook(
        store.db,
        inputToRow(webhookInputSchema.parse({ name, url: `http://127.0.0.1:9/${name}` })),
      );
    }
    await store.db.execute(sql`
      insert into events (id, source, type, time, severity, title, data)
      select 'e' || n, 'migration-test', 'hit', now(), 'high', 't', '{}' from generate_series(1, 3) n`);
    await store.db.execute(sql`
      insert into deliveries (id, webhook_id, event_key, status, attempt, created_at)
      select ('00000000-0000-4000-9000-00000000000' || e.key)::uuid,
             (select id from webhooks where name = case when e.key = 3 then 'b' else 'a' end),
             e.key, case when e.key = 1 then 'delivered' else 'retrying' end, 2,
             now() - e.key * interval '1 day'
      from events e`);
    await store.db.execute(sql`
      insert into delivery_attempts (delivery_id, attempt, success, duration_ms)
      select d.id, n, n = 2 and d.status = 'delivered', 10 from deliveries d, generate_series(1, 2) n`);
    await store.migrate(MIGRATIONS_DIR);
  });

  afterAll(async () => {
    await store?.close();
    await database?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("carries every delivery over, into the default partition, as it was", async () => {
    const carried = await rows<{ id: string; status: string; partition: string; age: number }>(
      sql`select id, status, tableoid::regclass::text as partition,
                 round(extract(epoch from now() - created_at) / 86400)::int as age
          from deliveries order by id`,
    );
    expect(carried).toEqual([
      {
        id: "00000000-0000-4000-9000-000000000001",
        status: "delivered",
        partition: "deliveries_default",
        age: 1,
      },
      {
        id: "00000000-0000-4000-9000-000000000002",
        status: "retrying",
        partition: "deliveries_default",
        age: 2,
      },
      {
        id: "00000000-0000-4000-9000-000000000003",
        status: "retrying",
        partition: "deliveries_default",
        age: 3,
      },
    ]);
  });

  it("gives every attempt its delivery's created_at and webhook, and numbers new attempts after them", async () => {
    const mismatched = await rows<{ count: number }>(
      sql`select count(*)::int as count from delivery_attempts a join deliveries d on d.id = a.delivery_id
          where a.delivery_created_at <> d.created_at or a.webhook_id <> d.webhook_id`,
    );
    expect(mismatched).toEqual([{ count: 0 }]);
    const [before] = await rows<{ count: number; max: number }>(
      sql`select count(*)::int as count, max(id)::int as max from delivery_attempts`,
    );
    expect(before?.count).toBe(6);
    const [added] = await rows<{ id: number }>(sql`
      insert into delivery_attempts (delivery_id, delivery_created_at, webhook_id, attempt, success, duration_ms)
      select id, created_at, webhook_id, 3, true, 5 from deliveries where status = 'retrying' limit 1
      returning id::int`);
    expect(added?.id).toBe((before?.max as number) + 1);
  });

  it("takes a webhook's attempts with it when the webhook is deleted", async () => {
    await store.db.execute(sql`delete from webhooks where name = 'b'`);
    const left = await rows<{ webhook: string; count: number }>(
      sql`select w.name as webhook, count(*)::int as count from delivery_attempts a
          join webhooks w on w.id = a.webhook_id group by w.name`,
    );
    expect(left).toEqual([{ webhook: "a", count: 5 }]);
    expect(
      await rows(
        sql`select 1 from delivery_attempts where webhook_id = '00000000-0000-4000-8000-000000000002'`,
      ),
    ).toEqual([]);
  });
});
