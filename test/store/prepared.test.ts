import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorCodes } from "../../src/errors";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { EXECUTIONS_PER_PLAN, MAX_PREPARED_STATEMENTS } from "../../src/store/pglite-prepared";
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

// PGlite's own `query` parses and plans every statement at each execution: the embedded store
// prepares them itself (store/pglite-prepared.ts).
describe("statements on PGlite", () => {
  let store: Store;

  beforeEach(async () => {
    store = openStore({ dataDir: "memory://", poolSize: 1 });
    await store.migrate();
  });
  afterEach(() => store.close());

  const prepared = async (db = store.db) =>
    await queryRows<{ name: string; statement: string }>(
      db,
      sql`select name, statement from pg_prepared_statements order by name`,
    );
  const named = async (text: string, db = store.db) =>
    (await prepared(db)).filter((row) => row.statement.includes(text)).map((row) => row.name);

  it("are prepared, with their parameters, and prepared once", async () => {
    for (const n of [1, 2, 3]) {
      const [row] = await queryRows<{ count: number }>(
        store.db,
        sql`select count(*)::int as count from deliveries where attempt > ${n}`,
      );
      expect(row?.count).toBe(0);
    }
    expect(await named("from deliveries where attempt > $1")).toHaveLength(1);
  });

  it("are prepared inside a transaction too, and answer there", async () => {
    const inside = await store.db.transaction(async (tx) => {
      const db = tx as unknown as typeof store.db;
      const [row] = await queryRows<{ sum: number }>(db, sql`select ${2}::int + ${3}::int as sum`);
      return { sum: row?.sum, names: await named("$1::int + $2::int", db) };
    });
    expect(inside).toEqual({ sum: 5, names: [expect.stringMatching(/^herald_/)] });
  });

  it("a statement that fails keeps PostgreSQL's error code, and the store goes on", async () => {
    const insert = (id: string) =>
      queryRows(
        store.db,
        sql`insert into events (id, source, type, time, severity, title, subject, data)
        values (${id}, 'prepared-test', 't', now(), 'high', 't', null, '{}')`,
      );
    await insert("once");
    const failure = await insert("once").catch((error: unknown) => error);
    expect(errorCodes(failure)).toContain("23505");
    await insert("twice");
    const [row] = await queryRows<{ count: number }>(
      store.db,
      sql`select count(*)::int as count from events where source = ${"prepared-test"}`,
    );
    expect(row?.count).toBe(2);
  });

  it("a statement on a store that closed fails with PGlite's own words", async () => {
    const closed = openStore({ dataDir: "memory://", poolSize: 1 });
    await closed.migrate();
    await closed.close();
    const failure = (await queryRows(closed.db, sql`select ${1}::int as one`).catch(
      (error) => error,
    )) as Error;
    expect(`${failure.message} ${(failure.cause as Error | undefined)?.message}`).toMatch(/PGlite is closed/);
  });

  it(`is planned afresh after ${EXECUTIONS_PER_PLAN} executions, for the tables as they are then`, async () => {
    const run = () => queryRows(store.db, sql`select ${1}::int as planned_afresh`);
    await run();
    const [first] = await named("as planned_afresh");
    for (let n = 1; n < EXECUTIONS_PER_PLAN; n++) await run();
    await run();
    const names = await named("as planned_afresh");
    expect(names).toHaveLength(1);
    expect(names[0]).not.toBe(first);
  });

  it(`keeps at most ${MAX_PREPARED_STATEMENTS} statements prepared`, async () => {
    for (let n = 0; n <= MAX_PREPARED_STATEMENTS; n++) {
      await queryRows(store.db, sql`select ${n}::int as ${sql.raw(`bounded_${n}`)}`);
    }
    expect((await named("as bounded_")).length).toBeLessThanOrEqual(MAX_PREPARED_STATEMENTS);
    expect(await named(`as bounded_${MAX_PREPARED_STATEMENTS}`)).toHaveLength(1);
  });
});
