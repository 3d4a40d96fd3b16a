import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decideAttempt } from "../../src/delivery/decide";
import { claimDueDeliveries } from "../../src/store/claim";
import { type Db, openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { type DeliveryJob, recordAttempts } from "../../src/store/queue";
import { analyzeTablesLackingStatistics } from "../../src/store/statistics";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import {
  engineTestEvents,
  insertTestWebhook,
  keepAutovacuumAway,
  storeDeliveredDeliveries,
  testClaimLimits,
  testEngineSettings,
} from "../support/engine";

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
 * Sequential and index scans of the tables named `table` or `table_…` (every partition) counted and
 * not yet reported: the transaction's, and those of earlier ones on the same connection not reported yet.
 */
async function scansOf(db: Db, table: "deliveries" | "events"): Promise<Scans> {
  const [row] = await queryRows<{ whole: number; indexed: number }>(
    db,
    sql`select coalesce(sum(seq_scan), 0)::int as whole, coalesce(sum(idx_scan), 0)::int as indexed
        from pg_stat_xact_user_tables where relname = ${table} or relname like ${`${table}\\_%`}`,
  );
  return { whole: Number(row?.whole), indexed: Number(row?.indexed) };
}

type Scans = { whole: number; indexed: number };

/** The scans of the deliveries and of the events that `statement` made, in a transaction of its own. */
async function scansDuring(db: Db, statement: (tx: Db) => Promise<unknown>) {
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Db;
    const before = { deliveries: await scansOf(tx, "deliveries"), events: await scansOf(tx, "events") };
    await statement(tx);
    const made = async (table: "deliveries" | "events"): Promise<Scans> => {
      const after = await scansOf(tx, table);
      return { whole: after.whole - before[table].whole, indexed: after.indexed - before[table].indexed };
    };
    return { deliveries: await made("deliveries"), events: await made("events") };
  });
}

// The statements a delivery goes through find their rows by index, however large the tables and
// whatever statistics the store has: a plan that reads a whole table slows as the table grows.
describe.each(storeKinds())("the hot statements on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 2 });
    await store.migrate();
    await keepAutovacuumAway(store.db);
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

  // A store without statistics (PGlite gathers none of its own; a new partition has none until
  // autovacuum's first analyze) made the planner join a recording's rows to the whole deliveries
  // table: each recording read every delivery there was, twice.
  it("finds each delivery by its key, without reading the whole table", async () => {
    await insertTestWebhook(store.db, "http://127.0.0.1:9/", { max_in_flight: 100 });
    await ingestEvents(store.db, engineTestEvents(3000, "plan", "recording-plan"));
    const jobs = await claimThree();
    expect(jobs).toHaveLength(3);

    const { deliveries: scans } = await scansDuring(store.db, (tx) =>
      recordAttempts(tx, jobs.map(delivered), 0),
    );
    // Counted at all (the figures are live), and by the key's index only.
    expect(scans.indexed).toBeGreaterThan(0);
    expect(scans.whole).toBe(0);
    expect(await deliveredWithAttempt()).toBe(3);
  });

  // Without statistics the planner took a delivery's id to match 0.5 % of the table, and fifty
  // records to be worth a scan of every delivery; Herald gathers a table's first statistics itself.
  it("finds fifty deliveries among 20,000 by their key once the store has statistics", async () => {
    const webhookId = await insertTestWebhook(store.db, "http://127.0.0.1:9/", { max_in_flight: 100 });
    await storeDeliveredDeliveries(store.db, webhookId, 20_000, "delivered-");
    await ingestEvents(store.db, engineTestEvents(50, "plan", "recording-plan"));
    const jobs = await claimDueDeliveries(store.db, testClaimLimits(50, 60_000, WORKER));
    expect(jobs).toHaveLength(50);
    expect(await analyzeTablesLackingStatistics(store.db)).toContain("deliveries_default");

    const { deliveries: scans } = await scansDuring(store.db, (tx) =>
      recordAttempts(tx, jobs.map(delivered), 0),
    );
    expect(scans.indexed).toBeGreaterThan(0);
    expect(scans.whole).toBe(0);
  });

  // Statistics gathered during a burst, while nearly every delivery was queued, made the planner
  // read the deliveries table from its start for each webhook's first due delivery. (In a store
  // this small, the events are looked up by key with a join too: that part does not fail without
  // the lateral lookup; the burst's plans did, with 20,000 events.)
  it("looks up the due deliveries and their events by index, whatever the statistics say", async () => {
    await insertTestWebhook(store.db, "http://127.0.0.1:9/", { max_in_flight: 100 });
    await ingestEvents(store.db, engineTestEvents(3000, "plan", "claim-plan"));
    await store.db.execute(sql`analyze deliveries`);
    await store.db.execute(sql`update deliveries set status = 'delivered'
      where id not in (select id from deliveries order by created_at desc, event_key desc limit 3)`);
    const limits = { ...testClaimLimits(500, 60_000, WORKER), maxClaimAhead: 4 };

    const scans = await scansDuring(store.db, async (tx) => {
      expect(await claimDueDeliveries(tx, limits)).toHaveLength(3);
    });
    expect(scans.deliveries.whole).toBe(0);
    expect(scans.deliveries.indexed).toBeGreaterThan(0);
    expect(scans.events.whole).toBe(0);
    expect(scans.events.indexed).toBeGreaterThan(0);
  });
});
