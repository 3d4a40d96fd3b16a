import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { analyzeTablesWithoutStatistics, startStatisticsKeeper } from "../../src/store/statistics";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { engineTestEvents, insertTestWebhook } from "../support/engine";

describe.each(storeKinds())("statistics of a store on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 2 });
    await store.migrate();
    await insertTestWebhook(store.db, "http://127.0.0.1:9/");
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  /** The tables (and partitions) PostgreSQL holds column statistics of. */
  const tablesWithStatistics = async () =>
    (
      await queryRows<{ name: string }>(
        store.db,
        sql`select distinct tablename as name from pg_stats where schemaname = current_schema() order by 1`,
      )
    ).map((row) => row.name);

  it("gathers them for the tables that hold rows and have none, once", async () => {
    expect(await analyzeTablesWithoutStatistics(store.db)).toEqual([]);
    await ingestEvents(store.db, engineTestEvents(20, "stats", "statistics"));

    // The attempts' table is still empty: nothing to learn from it yet.
    expect(await analyzeTablesWithoutStatistics(store.db)).toEqual(["deliveries_default", "events"]);
    expect(await tablesWithStatistics()).toEqual(expect.arrayContaining(["deliveries_default", "events"]));
    expect(await analyzeTablesWithoutStatistics(store.db)).toEqual([]);
  });

  it("are gathered by the keeper for rows that arrive after it started", async () => {
    const keeper = startStatisticsKeeper(store.db, silentLogger, 20);
    try {
      await ingestEvents(store.db, engineTestEvents(20, "stats", "statistics"));
      await expect
        .poll(tablesWithStatistics, { timeout: 10_000 })
        .toEqual(expect.arrayContaining(["deliveries_default", "events"]));
    } finally {
      await keeper.stop();
    }
  });
});
