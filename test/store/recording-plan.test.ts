import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decideAttempt } from "../../src/delivery/decide";
import { claimDueDeliveries } from "../../src/store/claim";
import { type Db, openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { type DeliveryJob, recordAttempts } from "../../src/store/queue";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { engineTestEvents, insertTestWebhook, testClaimLimits, testEngineSettings } from "../support/engine";

const WORKER = "00000000-0000-4000-8000-00000000000b";

/** The engine's record of a delivery its receiver took. */
const delivered = (job: DeliveryJob) =>
  decideAttempt(
    job,
    {
      success: true,
      retryable: false,
      statusCode: 200,
      error: null,
      retryAfterMs: null,
      responseExcerpt: null,
      durationMs: 3,
      warnings: [],
    },
    new Date(),
    testEngineSettings(WORKER).retryPolicy,
  );

/**
 * Sequential and index scans of the deliveries tables (every partition) counted and not yet
 * reported: the transaction's, and those of earlier ones on the same connection not reported yet.
 */
async function deliveriesScans(db: Db): Promise<{ whole: number; indexed: number }> {
  const [row] = await queryRows<{ whole: number; indexed: number }>(
    db,
    sql`select coalesce(sum(seq_scan), 0)::int as whole, coalesce(sum(idx_scan), 0)::int as indexed
        from pg_stat_xact_user_tables where relname like 'deliveries%'`,
  );
  return { whole: Number(row?.whole), indexed: Number(row?.indexed) };
}

// A store that has never gathered statistics (PGlite never does; a new day's partition has none
// yet) made the planner join a recording's rows to the whole deliveries table: each recording read
// every delivery there was, twice, and the delivery rate fell as the table grew.
describe.each(storeKinds())("recording attempts on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 2 });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  const claimThree = () => claimDueDeliveries(store.db, testClaimLimits(3, 60_000, WORKER));
  const deliveredWithAttempt = async () => {
    const [row] = await queryRows<{ count: number }>(
      store.db,
      sql`select count(*)::int as count from deliveries d join delivery_attempts a on a.delivery_id = d.id
          where d.status = 'delivered'`,
    );
    return Number(row?.count);
  };

  it.runIf(kind === "postgres")(
    "finds its deliveries on a server whose dates are not written ISO",
    async () => {
      await store.db.execute(sql`do $$ begin
      execute format('alter database %I set datestyle = %L', current_database(), 'SQL, DMY'); end $$`);
      await store.close();
      store = openStore({ databaseUrl: database.databaseUrl, dataDir: "unused", poolSize: 2 });
      await insertTestWebhook(store.db, "http://127.0.0.1:9/");
      await ingestEvents(store.db, engineTestEvents(3, "dmy", "recording-plan"));
      const jobs = await claimThree();
      expect(jobs).toHaveLength(3);
      await recordAttempts(store.db, jobs.map(delivered), 0);
      expect(await deliveredWithAttempt()).toBe(3);
    },
  );

  it("finds each delivery by its key, without reading the whole table", async () => {
    await insertTestWebhook(store.db, "http://127.0.0.1:9/", { max_in_flight: 100 });
    await ingestEvents(store.db, engineTestEvents(3000, "plan", "recording-plan"));
    const jobs = await claimThree();
    expect(jobs).toHaveLength(3);

    const scans = await store.db.transaction(async (tx) => {
      const before = await deliveriesScans(tx as unknown as Db);
      await recordAttempts(tx as unknown as Db, jobs.map(delivered), 0);
      const after = await deliveriesScans(tx as unknown as Db);
      return { whole: after.whole - before.whole, indexed: after.indexed - before.indexed };
    });
    // Counted at all (the figures are live), and by the key's index only.
    expect(scans.indexed).toBeGreaterThan(0);
    expect(scans.whole).toBe(0);
    expect(await deliveredWithAttempt()).toBe(3);
  });
});
