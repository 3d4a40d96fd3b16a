import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimDueDeliveries } from "../../src/store/claim";
import { type Db, openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { type AttemptRecord, type DeliveryJob, recordAttempts } from "../../src/store/queue";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { engineTestEvents, insertTestWebhook } from "../support/engine";

const WORKER = "00000000-0000-4000-8000-00000000000b";

function delivered(job: DeliveryJob): AttemptRecord {
  return {
    deliveryId: job.deliveryId,
    deliveryCreatedAt: job.createdAt,
    webhookId: job.webhook.id,
    attempt: job.attempt,
    status: "delivered",
    nextAttemptAt: null,
    statusCode: 200,
    success: true,
    error: null,
    durationMs: 3,
    responseExcerpt: null,
    warnings: [],
    countsForWebhook: true,
    throttle: null,
    gone: null,
    request: null,
  };
}

/**
 * Sequential scans of the deliveries tables (every partition) counted and not yet reported: the
 * transaction's, and those of earlier ones on the same connection not reported yet.
 */
async function deliveriesScannedWhole(db: Db): Promise<number> {
  const [row] = await queryRows<{ scans: number }>(
    db,
    sql`select coalesce(sum(seq_scan), 0)::int as scans from pg_stat_xact_user_tables
        where relname like 'deliveries%'`,
  );
  return Number(row?.scans);
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

  it("finds each delivery by its key, without reading the whole table", async () => {
    await insertTestWebhook(store.db, "http://127.0.0.1:9/", { max_in_flight: 100 });
    await ingestEvents(store.db, engineTestEvents(3000, "plan", "recording-plan"));
    const jobs = await claimDueDeliveries(store.db, {
      limit: 3,
      leaseMs: 60_000,
      workerId: WORKER,
      requestsHeld: new Map(),
      maxClaimAhead: 1,
      eventsPerRequest: {},
      digestSenders: { formats: [], kinds: [] },
    });
    expect(jobs).toHaveLength(3);

    const scans = await store.db.transaction(async (tx) => {
      const before = await deliveriesScannedWhole(tx as unknown as Db);
      await recordAttempts(tx as unknown as Db, jobs.map(delivered), 0);
      return (await deliveriesScannedWhole(tx as unknown as Db)) - before;
    });
    expect(scans).toBe(0);
    const [row] = await queryRows<{ count: number }>(
      store.db,
      sql`select count(*)::int as count from deliveries d join delivery_attempts a on a.delivery_id = d.id
          where d.status = 'delivered'`,
    );
    expect(Number(row?.count)).toBe(3);
  });
});
