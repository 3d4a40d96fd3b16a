import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeliveryEngine, type DeliveryEngine } from "../../src/delivery/engine";
import { openSenders } from "../../src/destinations/registry";
import type { HeraldEvent } from "../../src/events/event";
import { silentLogger } from "../../src/logger";
import { openStore, queryRows, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { engineTestEvents, insertTestWebhook, testEngineSettings } from "../support/engine";
import { eventually } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { inProcessRenderer } from "../support/render";

const WORKER = "00000000-0000-4000-8000-00000000000b";

const engineSettings = { ...testEngineSettings(WORKER), leaseMs: 60_000 };

const events = (count: number, prefix: string) => engineTestEvents(count, prefix, "straight-test");

describe.each(storeKinds())("new deliveries sent straight from ingest on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;
  let receiver: Receiver;
  let engine: DeliveryEngine;
  /** Events rendered so far, by id. */
  let rendered: string[];

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 10 });
    await store.migrate();
    receiver = await startReceiver();
    rendered = [];
    const renderer = inProcessRenderer();
    engine = createDeliveryEngine(
      store.db,
      {
        renderer: {
          render: (webhook, batch, now, suppressed) => {
            rendered.push(...batch.map((event) => event.id));
            return renderer.render(webhook, batch, now, suppressed);
          },
        },
        senders: openSenders(),
        now: () => new Date(),
      },
      engineSettings,
      silentLogger,
    );
  });
  afterEach(async () => {
    await engine.stop(1000);
    await store.close();
    await receiver.close();
    await database.drop();
  });

  const webhook = (settings: Record<string, unknown> = {}) =>
    insertTestWebhook(store.db, receiver.url, settings);

  async function deliveries() {
    return queryRows<{ status: string; attempt: number; claimed_by: string | null }>(
      store.db,
      sql`select status, attempt, claimed_by from deliveries order by created_at, event_key`,
    );
  }

  // The engine is not started in these tests: no claim ever runs, so what arrives went straight.

  it("sends a new event to a webhook with a free place without a claim, and records it delivered", async () => {
    await webhook();
    const [result] = await ingestEvents(store.db, events(1, "a"), engine.straight);
    expect(result).toMatchObject({ duplicate: false, deliveriesQueued: 1, sentStraight: 1 });
    await receiver.waitFor(1);
    await eventually(async () => {
      const [row] = await deliveries();
      return row?.status === "delivered" ? row : undefined;
    });
  });

  it("takes only the webhook's free places: the rest wait in the queue, unclaimed, for a claim", async () => {
    receiver.answerWith(() => new Promise(() => {})); // holds every request
    await webhook({ max_in_flight: 2 });
    const results = await ingestEvents(store.db, events(5, "b"), engine.straight);
    expect(results.map((result) => result.sentStraight)).toEqual([1, 1, 0, 0, 0]);
    await receiver.waitFor(2);
    const stored = await deliveries();
    expect(stored.map((row) => [row.attempt, row.claimed_by])).toEqual([
      [1, WORKER],
      [1, WORKER],
      [0, null],
      [0, null],
      [0, null],
    ]);
  });

  it("gives the places back when the ingest fails, and when an event is a duplicate", async () => {
    receiver.answerWith(() => new Promise(() => {}));
    await webhook({ max_in_flight: 2 });
    await ingestEvents(store.db, events(1, "c"), engine.straight); // takes one place, and keeps it
    const broken = [{ ...(events(1, "x")[0] as HeraldEvent), time: "not a time" }];
    await expect(ingestEvents(store.db, broken, engine.straight)).rejects.toThrow();
    const again = await ingestEvents(store.db, events(1, "c"), engine.straight);
    expect(again[0]).toMatchObject({ duplicate: true, sentStraight: 0 });
    const next = await ingestEvents(store.db, events(2, "d"), engine.straight);
    expect(next.map((result) => result.sentStraight)).toEqual([1, 0]);
    await receiver.waitFor(2);
  });

  it.each([
    ["a rate limit", { rate_limit: { per_second: 100 } }],
    ["FIFO order", { ordering: "fifo" }],
    ["dedup", { dedup: { key: "{{data.i}}", window_s: 60 } }],
    ["a lossy queue", { lossy: true, max_queue: 10 }],
    ["a paused state", { state: "paused" }],
  ])("leaves a webhook with %s to the claim", async (_, settings) => {
    await webhook(settings);
    const [result] = await ingestEvents(store.db, events(1, "e"), engine.straight);
    expect(result).toMatchObject({ deliveriesQueued: 1, sentStraight: 0 });
    expect((await deliveries())[0]).toMatchObject({ attempt: 0, claimed_by: null });
  });

  it("sees a webhook changed since the last ingest, also by another process", async () => {
    const first = await webhook();
    await ingestEvents(store.db, events(1, "f"), engine.straight);
    await store.db.execute(sql`update webhooks set event_types = '["other"]' where id = ${first}`);
    expect((await ingestEvents(store.db, events(1, "g"), engine.straight))[0]?.deliveriesQueued).toBe(0);
    await webhook();
    expect((await ingestEvents(store.db, events(1, "h"), engine.straight))[0]?.deliveriesQueued).toBe(1);
  });

  it("renders a request while it waits for its place at the receiver", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    receiver.answerWith(async () => {
      await held;
      return { status: 200 };
    });
    await webhook({ max_in_flight: 1 });
    await ingestEvents(store.db, events(3, "r"));
    engine.start();
    await receiver.waitFor(1);
    await eventually(async () => (rendered.length === 3 ? rendered : undefined));
    expect(receiver.requests).toHaveLength(1);
    release();
    await receiver.waitFor(3);
  });
});
