import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";

// Every statement on PostgreSQL is prepared once per connection (store/prepared.ts): planning a
// statement over the partitioned tables at every execution cost a third of the delivery rate.
describe.runIf(storeKinds().includes("postgres"))("statements on PostgreSQL", () => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase("postgres");
    // One connection: what it prepared is what the next query sees in pg_prepared_statements.
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "unused", poolSize: 1 });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  const prepared = async (db = store.db) =>
    (await queryRows<{ statement: string }>(db, sql`select statement from pg_prepared_statements`)).map(
      (row) => row.statement,
    );

  it("are prepared, with their parameters, and prepared once", async () => {
    for (const n of [1, 2, 3]) {
      await queryRows(store.db, sql`select count(*) from deliveries where attempt > ${n}`);
    }
    const statements = await prepared();
    expect(
      statements.filter((statement) => statement.includes("from deliveries where attempt > $1")),
    ).toHaveLength(1);
  });

  it("are prepared inside a transaction too", async () => {
    const inside = await store.db.transaction(async (tx) => {
      await tx.execute(sql`select count(*) from delivery_attempts where attempt > ${1}`);
      return prepared(tx as unknown as typeof store.db);
    });
    expect(inside.some((statement) => statement.includes("from delivery_attempts where attempt > $1"))).toBe(
      true,
    );
  });
});
