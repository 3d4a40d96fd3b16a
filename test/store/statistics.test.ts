import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger";
import { type Db, openStore, queryRows, type Store } from "../../src/store/db";
import { analyzeTablesLackingStatistics, startStatisticsKeeper } from "../../src/store/statistics";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { insertTestWebhook, keepAutovacuumAway, storeDeliveredDeliveries } from "../support/engine";

const BOTH = ["deliveries_default", "events"];

describe.each(storeKinds())("the statistics Herald gathers on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;
  let webhookId: string;
  let stored = 0;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 2 });
    await store.migrate();
    await keepAutovacuumAway(store.db);
    webhookId = await insertTestWebhook(store.db, "http://127.0.0.1:9/");
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  /** `count` more delivered deliveries and their events, on `db` (a transaction's, say). */
  const storeMore = (count: number, db: Db = store.db) => {
    stored += count;
    return storeDeliveredDeliveries(db, webhookId, count, `s${stored}-`);
  };

  /** The tables (and partitions) PostgreSQL holds column statistics of. */
  const tablesWithStatistics = async () =>
    (
      await queryRows<{ name: string }>(
        store.db,
        sql`select distinct tablename as name from pg_stats where schemaname = current_schema() order by 1`,
      )
    ).map((row) => row.name);

  it("are gathered once a table holds a few thousand rows, once", async () => {
    await storeMore(100);
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual([]);
    await storeMore(5000);

    // The attempts' table is still empty: nothing to learn from it yet.
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual(BOTH);
    expect(await tablesWithStatistics()).toEqual(expect.arrayContaining(BOTH));
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual([]);
  });

  it("are gathered again once a table has grown tenfold", async () => {
    await storeMore(5000);
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual(BOTH);
    await storeMore(20_000);
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual([]);
    await storeMore(30_000);
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual(BOTH);
  });

  it("are tried again once more rows arrive, after an analyze that found none committed", async () => {
    const rolledBack = new Error("rolled back");
    await expect(
      store.db.transaction(async (tx) => {
        await storeMore(5000, tx as unknown as Db);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual(BOTH);
    expect(await tablesWithStatistics()).toEqual([]);
    // Nothing new on those pages: not analyzed again at every check.
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual([]);

    await storeMore(5000);
    expect(await analyzeTablesLackingStatistics(store.db)).toEqual(BOTH);
    expect(await tablesWithStatistics()).toEqual(expect.arrayContaining(BOTH));
  });

  it.runIf(kind === "postgres")(
    "skip a table another connection holds locked, until it is free",
    async () => {
      await storeMore(5000);
      const other = postgres(database.databaseUrl as string, { max: 1, onnotice: () => {} });
      try {
        await other.begin(async (locking) => {
          await locking`lock table deliveries_default in share update exclusive mode`;
          expect(await analyzeTablesLackingStatistics(store.db)).toEqual(["events"]);
        });
        expect(await analyzeTablesLackingStatistics(store.db)).toEqual(["deliveries_default"]);
      } finally {
        await other.end();
      }
    },
  );

  it("are gathered by the keeper for rows that arrive after it started", async () => {
    const keeper = startStatisticsKeeper(store.db, silentLogger, 20);
    try {
      // In two statements: a check that ran while the first was uncommitted found no rows, and
      // looks again once the table has grown past the pages it counted.
      await storeMore(5000);
      await storeMore(1000);
      await expect.poll(tablesWithStatistics, { timeout: 10_000 }).toEqual(expect.arrayContaining(BOTH));
    } finally {
      await keeper.stop();
    }
  });
});
