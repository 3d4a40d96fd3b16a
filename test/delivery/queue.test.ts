import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeliveryEngine } from "../../src/delivery/engine";
import { openSenders } from "../../src/destinations/registry";
import { silentLogger } from "../../src/logger";
import { claimDueDeliveries } from "../../src/store/claim";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { insertWebhook } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { eventually } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { inProcessRenderer } from "../support/render";

const engineSettings = {
  concurrency: 50,
  claimBatch: 20,
  pollIntervalMs: 20,
  leaseMs: 1000,
  failureThreshold: 0,
  maxDeliveryAgeMs: 0,
  retryPolicy: { scheduleSeconds: [0.05], retryAfterMaxSeconds: 1, jitter: 0 },
};

/** A claim by a process with nothing in flight. */
function limits(limit: number, leaseMs: number) {
  return { limit, leaseMs, requestsInFlight: new Map(), eventsPerRequest: {} };
}

describe.each(storeKinds())("the delivery queue on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;
  let receiver: Receiver;
  let webhookId: string;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 10 });
    await store.migrate();
    receiver = await startReceiver();
    const input = webhookInputSchema.parse({ name: "r", url: receiver.url });
    webhookId = (await insertWebhook(store.db, inputToRow(input))).id;
  });
  afterEach(async () => {
    await store.close();
    await receiver.close();
    await database.drop();
  });

  function newEngine(engineStore: Store, settings = engineSettings) {
    const senders = openSenders();
    const engine = createDeliveryEngine(
      engineStore.db,
      { renderer: inProcessRenderer(), senders, now: () => new Date() },
      settings,
      silentLogger,
    );
    return { engine, senders };
  }

  async function queue(count: number, prefix = "e") {
    const events = Array.from({ length: count }, (_, i) => ({
      id: `${prefix}${i}`,
      type: "hit",
      source: "queue-test",
      time: new Date().toISOString(),
      severity: "high" as const,
      title: "t",
      subject: null,
      data: { i },
    }));
    await ingestEvents(store.db, events);
  }

  async function statuses() {
    const rows = await queryRows<{ status: string; count: number }>(
      store.db,
      sql`select status, count(*)::int as count from deliveries group by status`,
    );
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  it("a claimed delivery is not claimed again while its lease runs", async () => {
    await queue(3);
    const first = await claimDueDeliveries(store.db, limits(10, 60_000));
    expect(first).toHaveLength(3);
    expect(await claimDueDeliveries(store.db, limits(10, 60_000))).toHaveLength(0);
  });

  it("a delivery whose worker died is due again when its lease runs out", async () => {
    await queue(1);
    const [claimed] = await claimDueDeliveries(store.db, limits(10, 200));
    expect(claimed?.attempt).toBe(1);
    // The worker "crashes": it never records anything. After the lease, another worker gets it.
    const reclaimed = await eventually(async () => {
      const [job] = await claimDueDeliveries(store.db, limits(10, 60_000));
      return job;
    });
    expect(reclaimed).toMatchObject({ deliveryId: claimed?.deliveryId, attempt: 2 });
  });

  // One PGlite database belongs to one process: this runs against PostgreSQL only.
  it.skipIf(kind === "pglite")(
    "two engines on one database deliver every event exactly once between them",
    async () => {
      const secondStore = openStore({
        databaseUrl: database.databaseUrl,
        dataDir: "memory://",
        poolSize: 10,
      });
      // Leases far longer than the test: a lease running out would (rightly) mean a second send.
      const a = newEngine(store, { ...engineSettings, leaseMs: 60_000 });
      const b = newEngine(secondStore, { ...engineSettings, leaseMs: 60_000 });
      await queue(300);
      a.engine.start();
      b.engine.start();
      await receiver.waitFor(300, 20_000);
      await eventually(async () => ((await statuses()).delivered === 300 ? true : undefined));
      await Promise.all([a.engine.stop(1000), b.engine.stop(1000)]);
      await Promise.all([a.senders.closeAll(), b.senders.closeAll()]);
      await secondStore.close();
      const ids = receiver.requests.map((request) => request.headers["webhook-id"]);
      expect(new Set(ids).size).toBe(300);
      expect(receiver.requests).toHaveLength(300);
    },
  );

  it("on shutdown, lets deliveries in flight finish and releases those that do not in time", async () => {
    receiver.answerWith(async (request) => {
      const slow = JSON.parse(request.body).data.i === 0;
      await new Promise((resolve) => setTimeout(resolve, slow ? 3000 : 0));
      return { status: 200, body: "ok" };
    });
    const { engine, senders } = newEngine(store);
    await queue(5);
    engine.start();
    await receiver.waitFor(5);
    await engine.stop(500);
    await senders.closeAll();
    // Four finished and were recorded; the slow one was handed back to the queue, due now, its attempt uncounted.
    expect(await statuses()).toEqual({ delivered: 4, pending: 1 });
    const [released] = await queryRows<{ attempt: number; due: boolean }>(
      store.db,
      sql`select attempt, next_attempt_at <= now() as due from deliveries where status = 'pending'`,
    );
    expect(released).toEqual({ attempt: 0, due: true });
  });

  it("holds queued deliveries of a webhook switched off, and sends them once it is active again", async () => {
    await queue(2);
    await store.db.execute(sql`update webhooks set is_active = false where id = ${webhookId}`);
    const { engine, senders } = newEngine(store);
    engine.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.requests).toHaveLength(0);
    await store.db.execute(sql`update webhooks set is_active = true where id = ${webhookId}`);
    await receiver.waitFor(2);
    await engine.stop(1000);
    await senders.closeAll();
  });

  it("discards a delivery older than the maximum age instead of sending it", async () => {
    await queue(1);
    await store.db.execute(sql`update deliveries set created_at = now() - interval '2 hours'`);
    const { engine, senders } = newEngine(store, { ...engineSettings, maxDeliveryAgeMs: 3600_000 });
    engine.start();
    await eventually(async () => ((await statuses()).discarded === 1 ? true : undefined));
    await engine.stop(1000);
    await senders.closeAll();
    expect(receiver.requests).toHaveLength(0);
    const [row] = await queryRows<{ error: string }>(store.db, sql`select error from deliveries`);
    expect(row?.error).toMatch(/not delivered within 3600 s/);
  });
});
