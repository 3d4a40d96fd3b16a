import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryStatus } from "../../src/store/schema";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { type StoredDeliveryFields, storeDeliveries, storeEvent } from "../support/history";

const HOUR = 3_600_000;

describe.each(storeKinds())("a webhook's delivery statistics on %s", (kind) => {
  let gateway: TestGateway;
  let id: string;
  let other: string;
  const now = Date.now();
  /** A time `hours` before the test started (well inside its hour, so it falls in that hour's bucket). */
  const ago = (hours: number) => new Date(now - hours * HOUR);

  beforeAll(async () => {
    gateway = await startTestGateway(kind);
    const create = async (name: string) =>
      (await gateway.api("POST", "/api/v1/webhooks", { name, url: "http://127.0.0.1:9/", is_active: false }))
        .body.id;
    id = await create("SOC");
    other = await create("other");
    const db = gateway.store.db;
    const event = await storeEvent(db, { id: "e" });
    const rows: StoredDeliveryFields[] = [];
    const add = (
      status: DeliveryStatus,
      hoursAgo: number,
      durationMs: number | null,
      more: Partial<StoredDeliveryFields> = {},
    ) => rows.push({ webhookId: id, eventKey: event, status, createdAt: ago(hoursAgo), durationMs, ...more });
    // 100 delivered two hours ago taking 1..100 ms: p50 50, p95 95, p99 99.
    for (let ms = 1; ms <= 100; ms++) add("delivered", 2, ms);
    add("dead", 5, null);
    add("discarded", 5, null);
    add("dead", 5, null);
    add("pending", 0.5, null);
    add("retrying", 3, null);
    // Outside the window, a test delivery, another webhook's: none counts in the window.
    add("dead", 30, 5000);
    add("dead", 1, 9000, { isTest: true });
    add("dead", 1, 9000, { webhookId: other });
    // A waiting delivery from long ago: in the queue, whatever the window.
    add("pending", 48, null);
    await storeDeliveries(db, rows);
  });
  afterAll(() => gateway?.close());

  it("counts the window's deliveries by state, with the success rate and latency percentiles", async () => {
    const { status, body } = await gateway.api("GET", `/api/v1/webhooks/${id}/stats?window=24h`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      webhook_id: id,
      window: "24h",
      counts: { delivered: 100, dead: 2, discarded: 1, pending: 1, retrying: 1 },
      success_rate: 100 / 103,
      latency_ms: { p50: 50, p95: 95, p99: 99 },
    });
    expect(new Date(body.until).getTime() - new Date(body.since).getTime()).toBe(24 * HOUR);
  });

  it("gives the queue now: pending and retrying, and the oldest one's age", async () => {
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${id}/stats`);
    expect(body.queue).toMatchObject({ depth: 3, pending: 2, retrying: 1 });
    expect(body.queue.oldest_age_s).toBeGreaterThanOrEqual(48 * 3600);
    expect(body.queue.oldest_age_s).toBeLessThan(49 * 3600);
  });

  it("puts each delivery in the hour it was created, every hour of the window present", async () => {
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${id}/stats?window=1d`);
    expect(body.hourly.length).toBe(25);
    const hourOf = (hoursAgo: number) =>
      new Date(Math.floor(ago(hoursAgo).getTime() / HOUR) * HOUR).toISOString();
    const bucket = (hoursAgo: number) => body.hourly.find((each: any) => each.hour === hourOf(hoursAgo));
    expect(bucket(2)).toMatchObject({ delivered: 100, dead: 0 });
    expect(bucket(5)).toMatchObject({ dead: 2, discarded: 1 });
    const total = body.hourly.reduce(
      (sum: number, each: any) =>
        sum + each.delivered + each.dead + each.discarded + each.pending + each.retrying,
      0,
    );
    expect(total).toBe(105);
  });

  it("widens with the window, and has nothing to say about a quiet webhook", async () => {
    const week = (await gateway.api("GET", `/api/v1/webhooks/${id}/stats?window=7d`)).body;
    expect(week.counts).toMatchObject({ dead: 3, pending: 2 });
    expect(week.hourly).toHaveLength(7 * 24 + 1);
    const quiet = await gateway.api("POST", "/api/v1/webhooks", {
      name: "quiet",
      url: "http://127.0.0.1:9/",
    });
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${quiet.body.id}/stats`);
    expect(body).toMatchObject({
      success_rate: null,
      latency_ms: null,
      queue: { depth: 0, oldest_age_s: null },
    });
  });

  it("refuses a window outside 1h to 7d naming it, and answers 404 for an unknown webhook", async () => {
    for (const window of ["0h", "8d", "169h", "24", "a day"]) {
      const { status, body } = await gateway.api("GET", `/api/v1/webhooks/${id}/stats?window=${window}`);
      expect(status, window).toBe(422);
      expect(body.issues).toEqual([expect.objectContaining({ path: "window" })]);
    }
    expect((await gateway.api("GET", `/api/v1/webhooks/${crypto.randomUUID()}/stats`)).status).toBe(404);
  });
});
