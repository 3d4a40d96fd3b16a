import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeliveryEngine, type DeliveryEngine } from "../../src/delivery/engine";
import { openSenders } from "../../src/destinations/registry";
import { silentLogger } from "../../src/logger";
import { createDeliveryMetrics } from "../../src/metrics/delivery";
import { openStore, type Store } from "../../src/store/db";
import { ingestEvents } from "../../src/store/ingest";
import { createTestDatabase, storeKinds, type TestDatabase } from "../support/databases";
import { engineTestEvents, insertTestWebhook, testEngineSettings } from "../support/engine";
import { type Receiver, startReceiver } from "../support/receiver";
import { inProcessRenderer } from "../support/render";

const WORKER = "00000000-0000-4000-8000-00000000000c";

/** A poll far beyond any test's time: whatever is sent was claimed because something woke the claim. */
const engineSettings = { ...testEngineSettings(WORKER), leaseMs: 60_000, pollIntervalMs: 600_000 };

const events = (count: number, prefix: string) => engineTestEvents(count, prefix, "claim-wakes-test");

describe.each(storeKinds())("when the engine claims again on %s", (kind) => {
  let database: TestDatabase;
  let store: Store;
  let receiver: Receiver;
  let engine: DeliveryEngine;
  let registry: Registry;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: "memory://", poolSize: 10 });
    await store.migrate();
    receiver = await startReceiver();
    registry = new Registry();
    engine = createDeliveryEngine(
      store.db,
      { renderer: inProcessRenderer(), senders: openSenders(), now: () => new Date() },
      engineSettings,
      silentLogger,
      createDeliveryMetrics(registry),
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

  it("claims the rest of a backlog as its webhook's places free, without waiting for the poll", async () => {
    await webhook({ max_in_flight: 1 });
    await ingestEvents(store.db, events(10, "b")); // queued: the claim takes four rounds' worth
    engine.start();
    const arrived = await receiver.waitFor(10, 5000);
    expect(arrived).toHaveLength(10);
  });

  it("claims a FIFO webhook's next delivery once the one before is recorded", async () => {
    await webhook({ ordering: "fifo" });
    await ingestEvents(store.db, events(5, "f"));
    engine.start();
    const arrived = await receiver.waitFor(5, 5000);
    expect(arrived.map((request) => (JSON.parse(request.body) as { id: string }).id)).toEqual([
      "f0",
      "f1",
      "f2",
      "f3",
      "f4",
    ]);
    // One claim per delivery at least, each counted, those that found nothing too.
    const claims = (await registry.getSingleMetric("herald_claim_queries_total")?.get())?.values[0]?.value;
    expect(claims).toBeGreaterThanOrEqual(5);
  });
});
