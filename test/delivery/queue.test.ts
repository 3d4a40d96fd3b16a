import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeliveryEngine } from "../../src/delivery/engine";
import { openSenders } from "../../src/destinations/registry";
import { silentLogger } from "../../src/logger";
import { claimDueDeliveries } from "../../src/store/claim";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { insertWebhook } from "../../src/store/webhooks";
import { startWorker } from "../../src/store/workers";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { testClaimLimits, testEngineSettings } from "../support/engine";
import { eventually } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { inProcessRenderer } from "../support/render";

/** The worker every claim in these tests is made by, unless a test says otherwise. */
const WORKER = "00000000-0000-4000-8000-00000000000a";

const engineSettings = testEngineSettings(WORKER);

/** A claim by a process with nothing in flight. */
const limits = (limit: number, leaseMs: number, workerId = WORKER) =>
  testClaimLimits(limit, leaseMs, workerId);

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

  it("claims up to four times a webhook's max_in_flight ahead, fewer where its timeout would outlast the lease", async () => {
    const webhook = async (name: string, timeoutMs: number) => {
      const input = webhookInputSchema.parse({
        name,
        url: receiver.url,
        max_in_flight: 2,
        timeout_ms: timeoutMs,
      });
      return (await insertWebhook(store.db, inputToRow(input))).id;
    };
    const quick = await webhook("quick", 5000);
    // Two rounds of 30 s fit in the 90 s lease with room to spare; three would not.
    const slow = await webhook("slow", 30_000);
    await queue(20);
    const claimed = await claimDueDeliveries(store.db, { ...limits(100, 90_000), maxClaimAhead: 4 });
    const of = (id: string) => claimed.filter((job) => job.webhook.id === id).length;
    expect(of(quick)).toBe(8);
    expect(of(slow)).toBe(4);
  });

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
      const b = newEngine(secondStore, { ...engineSettings, leaseMs: 60_000, workerId: randomUUID() });
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
    // Four finished and were recorded; the slow one was handed back to the queue, due now. Its
    // attempt keeps its number and says why in the history, and uses up no retry.
    expect(await statuses()).toEqual({ delivered: 4, pending: 1 });
    expect(await handedBack()).toEqual([
      {
        attempt: 1,
        due: true,
        uncounted: 1,
        history: [expect.stringMatching(/^handed back unanswered: Herald was stopping/)],
      },
    ]);
  });

  /** The deliveries handed back: their attempt, whether due now, uncounted attempts and history. */
  async function handedBack() {
    const rows = await queryRows<{ id: string; attempt: number; due: boolean; uncounted: number }>(
      store.db,
      sql`select id, attempt, next_attempt_at <= now() as due, uncounted_attempts as uncounted
          from deliveries where claimed_by is null and status = 'pending' and attempt > 0 order by id`,
    );
    return Promise.all(
      rows.map(async ({ id, ...row }) => {
        const history = await queryRows<{ error: string }>(
          store.db,
          sql`select error from delivery_attempts where delivery_id = ${id} order by attempt`,
        );
        return { ...row, history: history.map((attempt) => attempt.error) };
      }),
    );
  }

  it("a restart hands back at once what the previous run claimed and never recorded", async () => {
    await queue(3);
    // The previous run claimed them (a long lease), and was killed before any answer.
    await claimDueDeliveries(store.db, limits(10, 600_000, randomUUID()));
    const worker = await startWorker(store, silentLogger);
    // The embedded store has one process; on PostgreSQL the gone worker is not registered at all.
    expect(await worker.reclaimFromGone()).toBe(3);
    expect(await handedBack()).toHaveLength(3);
    for (const row of await handedBack()) {
      expect(row).toMatchObject({ attempt: 1, due: true, uncounted: 1 });
      expect(row.history).toEqual([expect.stringMatching(/^handed back unanswered/)]);
    }
    // The next claim is attempt 2: never two attempts with one number.
    const again = await claimDueDeliveries(store.db, limits(10, 60_000, worker.id));
    expect(again.map((job) => job.attempt)).toEqual([2, 2, 2]);
    await worker.close();
  });

  it.skipIf(kind === "pglite")(
    "a worker whose process dies has its claims handed back by another at its next sweep",
    async () => {
      const doomedStore = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 2 });
      const doomed = await startWorker(doomedStore, silentLogger);
      const survivor = await startWorker(store, silentLogger);
      await queue(4);
      await claimDueDeliveries(store.db, limits(2, 600_000, doomed.id));
      await claimDueDeliveries(store.db, limits(2, 600_000, survivor.id));
      // Alive: its lock is held, so nothing of it is handed back.
      expect(await survivor.reclaimFromGone()).toBe(0);
      // Its process dies: its connections close, and PostgreSQL drops its lock; its row stays.
      await doomedStore.close();
      expect(await survivor.reclaimFromGone()).toBe(2);
      const rows = await handedBack();
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.history).toEqual([expect.stringMatching(/the Herald process that claimed it is gone/)]);
      }
      const [registered] = await queryRows<{ count: number }>(
        store.db,
        sql`select count(*)::int as count from workers`,
      );
      expect(registered?.count).toBe(1);
      // The survivor's own claims stay its own.
      expect(await survivor.reclaimFromGone()).toBe(0);
      await survivor.close();
    },
  );

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
