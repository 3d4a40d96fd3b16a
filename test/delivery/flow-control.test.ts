import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bans } from "../support/bans";
import { storeKinds } from "../support/databases";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import type { RecordedRequest } from "../support/receiver";
import { deliveriesIn, deliveriesOf, postEvents, receiverPool, subscribe } from "../support/subscriptions";

const numberOf = (request: RecordedRequest) => JSON.parse(request.body).data.n as number;

describe.each(storeKinds())("flow control on %s", (kind) => {
  let gateway: TestGateway;
  const receivers = receiverPool();
  const receiver = receivers.start;
  const post = (events: unknown[]) => postEvents(gateway, events);

  beforeEach(async () => {
    gateway = await startTestGateway(kind, { HERALD_DELIVERY_CONCURRENCY: "32" });
  });
  afterEach(async () => {
    await gateway.close();
    await receivers.closeAll();
  });

  it("a receiver that hangs holds only its webhook's max_in_flight; another webhook is delivered meanwhile", async () => {
    const hanging = await receiver(() => new Promise(() => {}));
    const healthy = await receiver();
    const stuck = await subscribe(gateway, {
      name: "hangs",
      url: hanging.url,
      max_in_flight: 4,
      timeout_ms: 30_000,
    });
    const fine = await subscribe(gateway, { name: "fine", url: healthy.url });
    await post(bans(300));
    // All 300 arrive while the hanging receiver still holds its requests (it answers after 30 s at the soonest).
    await healthy.waitFor(300, 25_000);
    await hanging.waitFor(4);
    expect(hanging.requests).toHaveLength(4);
    await deliveriesIn(gateway, fine.id, 300, ["delivered"]);
    // Four more are claimed to go the moment a place frees; the rest wait in the queue.
    const claimed = (await deliveriesOf(gateway, stuck.id)).filter((delivery) => delivery.attempt > 0);
    expect(claimed).toHaveLength(8);
  });

  it("a 429 with Retry-After holds every delivery of the webhook until then, and is not a failure", async () => {
    const arrivals: number[] = [];
    const throttling = await receiver(() => {
      arrivals.push(Date.now());
      return arrivals.length === 1 ? { status: 429, headers: { "retry-after": "2" } } : { status: 200 };
    });
    const webhook = await subscribe(gateway, { url: throttling.url, max_in_flight: 1 });
    await post(bans(5));
    await throttling.waitFor(1);
    const held = await eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
      return body.flow_status.throttled_until ? body : undefined;
    });
    expect(held.flow_status.throttle_reason).toContain("429");
    expect(held.flow_status.throttled_for_s).toBeGreaterThan(0);
    await throttling.waitFor(6, 15_000);
    const [first, ...after] = arrivals as [number, ...number[]];
    // Every later request, the throttled one's retry included, came after the 2 s asked for.
    for (const time of after) expect(time - first).toBeGreaterThanOrEqual(1900);
    const deliveries = await deliveriesIn(gateway, webhook.id, 5, ["delivered"]);
    expect(deliveries.every((delivery) => delivery.status === "delivered")).toBe(true);
    // The one claimed ahead and waiting to be sent went back to the queue unsent: one attempt each,
    // but the throttled delivery's two.
    expect(deliveries.map((delivery) => delivery.attempt).sort()).toEqual([1, 1, 1, 1, 2]);
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(body.failure_count).toBe(0);
  });

  it("after a 429 hold, one request probes alone; once it succeeds, max_in_flight go at once again", async () => {
    let inFlight = 0;
    /** How many other requests were in flight as each one arrived, in order of arrival. */
    const othersInFlight: number[] = [];
    const throttling = await receiver(async () => {
      othersInFlight.push(inFlight);
      if (othersInFlight.length === 1) return { status: 429, headers: { "retry-after": "1" } };
      inFlight++;
      await new Promise((resolve) => setTimeout(resolve, 150));
      inFlight--;
      return { status: 200 };
    });
    // One request in flight at first, so that the 429 comes before the others are sent.
    const webhook = await subscribe(gateway, { url: throttling.url, max_in_flight: 1 });
    await post(bans(1));
    await throttling.waitFor(1);
    await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { max_in_flight: 8 });
    await post(bans(30, { from: 1 }));
    await throttling.waitFor(32, 20_000);
    // The first request after the hold went alone; the ones after its success went together.
    expect(othersInFlight[1]).toBe(0);
    expect(othersInFlight[2]).toBe(0);
    expect(Math.max(...othersInFlight.slice(3))).toBeGreaterThan(1);
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(body.flow_status.throttle_probing).toBe(false);
  });

  it("a paused webhook queues and sends nothing; resumed, it sends everything, and says who did each", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, state: "paused" });
    expect(webhook).toMatchObject({ state: "paused", is_active: true, state_changed_by: "bootstrap" });
    await post(bans(20));
    await eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
      return body.flow_status.queued.pending === 20 ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(target.requests).toHaveLength(0);

    const { body: key } = await gateway.api("POST", "/api/v1/keys", { name: "on-call", role: "admin" });
    const resumed = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { state: "active" }, key.key);
    expect(resumed.body).toMatchObject({ state: "active", state_changed_by: "on-call" });
    await target.waitFor(20);
    await deliveriesIn(gateway, webhook.id, 20, ["delivered"]);
  });

  it("is_active mirrors the state both ways", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, is_active: false });
    expect(webhook).toMatchObject({ state: "disabled", is_active: false });
    const paused = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { state: "paused" });
    expect(paused.body).toMatchObject({ state: "paused", is_active: true });
    const active = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { is_active: true });
    expect(active.body).toMatchObject({ state: "active", is_active: true });
    const contradiction = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, {
      state: "active",
      is_active: false,
    });
    expect(contradiction.status).toBe(422);
    expect(contradiction.body.issues).toContainEqual(
      expect.objectContaining({ path: "is_active", message: "contradicts state active" }),
    );
  });

  it("a lossy webhook keeps the newest max_queue deliveries and records the rest as discarded", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, lossy: true, max_queue: 100 });
    await post(bans(1000));
    const deliveries = await deliveriesIn(gateway, webhook.id, 1000, ["delivered", "discarded"]);
    const discarded = deliveries.filter((delivery) => delivery.status === "discarded");
    expect(discarded).toHaveLength(900);
    expect(discarded[0].error).toContain("max_queue 100");
    await target.waitFor(100);
    expect(target.requests.map(numberOf).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => 900 + i),
    );
  });

  it("a FIFO webhook sends in arrival order, one at a time, and a failing head holds the rest", async () => {
    let failedOnce = false;
    const target = await receiver((request) => {
      if (numberOf(request) === 2 && !failedOnce) {
        failedOnce = true;
        return { status: 500 };
      }
      return { status: 200 };
    });
    const webhook = await subscribe(gateway, { url: target.url, ordering: "fifo" });
    await post(bans(10));
    await target.waitFor(11);
    expect(target.requests.map(numberOf)).toEqual([0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9]);
    await deliveriesIn(gateway, webhook.id, 10, ["delivered"]);
  });

  it("a rate limit spaces deliveries: the burst at once, then per_second", async () => {
    const arrivals: number[] = [];
    const target = await receiver(() => {
      arrivals.push(Date.now());
      return { status: 200 };
    });
    const webhook = await subscribe(gateway, { url: target.url, rate_limit: { per_second: 10, burst: 2 } });
    const posted = Date.now();
    await post(bans(22));
    await target.waitFor(22);
    // Two at once, then one every 100 ms: the last is sent 2 s after the first, which is sent after
    // the post. Measured from the post: a first request opens its connection, and on a busy
    // machine arrives late, bunched with the next ones.
    expect((arrivals[21] as number) - posted).toBeGreaterThanOrEqual(1950);
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(body.rate_limit).toEqual({ per_second: 10, burst: 2 });
    expect(body.flow_status.rate_tokens).toBeGreaterThanOrEqual(0);
  });

  it("discard_after_s discards what waited longer than the webhook allows", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, state: "paused", discard_after_s: 1 });
    await post(bans(3));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { state: "active" });
    const deliveries = await deliveriesIn(gateway, webhook.id, 3, ["discarded"]);
    expect(deliveries[0].error).toContain("within 1 s");
    expect(target.requests).toHaveLength(0);
  });

  it("refuses flow settings that make no sense, naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ max_in_flight: 0 }, "max_in_flight"],
      [{ max_queue: 10 }, "max_queue"],
      [{ state: "sleeping" }, "state"],
      [{ rate_limit: { per_second: 0 } }, "rate_limit.per_second"],
      [{ ordering: "lifo" }, "ordering"],
    ];
    for (const [fields, path] of cases) {
      const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
        name: "bad",
        url: "https://example.com/",
        ...fields,
      });
      expect(status, JSON.stringify(fields)).toBe(422);
      expect(body.issues.map((detail: { path: string }) => detail.path)).toContain(path);
    }
  });

  it("lists a webhook's throttled attempt in its history", async () => {
    let answered = 0;
    const target = await receiver(() =>
      answered++ === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 },
    );
    const webhook = await subscribe(gateway, { url: target.url });
    await post(bans(1));
    const [delivery] = await deliveriesIn(gateway, webhook.id, 1, ["delivered"]);
    const { body } = await gateway.api("GET", `/api/v1/deliveries/${delivery.id}`);
    expect(body.attempts.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([429, 200]);
    expect(await deliveriesOf(gateway, webhook.id)).toHaveLength(1);
  });
});
