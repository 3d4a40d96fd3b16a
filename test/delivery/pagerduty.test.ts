import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { createPagerDutyStandIn, type PagerDutyStandIn } from "../support/pagerduty";
import { type Receiver, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";

const ROUTING_KEY = "R0123456789abcdefABCDEF012345678";

describe("PagerDuty Events API v2 through the gateway", () => {
  let gateway: TestGateway;
  let pagerDuty: PagerDutyStandIn;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway?.close());
  afterEach(() => receiver?.close());

  async function subscribeToPagerDuty() {
    pagerDuty = createPagerDutyStandIn();
    receiver = await startReceiver(pagerDuty.answer);
    return subscribe(gateway, {
      url: `${receiver.origin}/v2/enqueue`,
      format: "pagerduty",
      options: { routing_key: ROUTING_KEY },
      event_types: ["hit"],
    });
  }
  const postHit = (id: string) =>
    gateway.api("POST", "/api/v1/events", { ...rawFixture("wallarm-hit-sqli"), id });

  it("triggers one alert per event, accepted with 202, the event id as dedup_key", async () => {
    const webhook = await subscribeToPagerDuty();
    await postHit("pd-1");
    const [delivery] = await deliveriesIn(gateway, webhook.id, 1);
    expect(delivery).toMatchObject({ status: "delivered", status_code: 202, attempt: 1 });
    const sent = JSON.parse(receiver.requests[0]?.body ?? "");
    expect(sent).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "pd-1",
      payload: { summary: "SQL injection attempt on example.com", severity: "error", source: "wallarm" },
    });
    expect(JSON.stringify(webhook)).not.toContain(ROUTING_KEY);
  });

  it("keeps the routing key write-only, out of previews, and kept when the webhook is sent back as read", async () => {
    const webhook = await subscribeToPagerDuty();
    expect(webhook.options).toEqual({ has_routing_key: true });
    const saved = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { ...webhook, name: "renamed" });
    expect(saved.status).toBe(200);
    const preview = await gateway.api("POST", `/api/v1/webhooks/${webhook.id}/preview`);
    expect(preview.status).toBe(200);
    expect(JSON.parse(preview.body.body).routing_key).toBe("********");
    await postHit("pd-kept");
    await deliveriesIn(gateway, webhook.id, 1);
    expect(JSON.parse(receiver.requests[0]?.body ?? "").routing_key).toBe(ROUTING_KEY);
    const { body: formats } = await gateway.api("GET", "/api/v1/formats");
    const pagerduty = formats.data.find((format: { name: string }) => format.name === "pagerduty");
    expect(pagerduty.secret_options).toEqual(["routing_key"]);
  });

  it("makes a 400 a dead delivery that carries PagerDuty's message, never retried", async () => {
    const webhook = await subscribeToPagerDuty();
    receiver.answerWith(() => ({
      status: 400,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        status: "invalid event",
        message: "Event object is invalid",
        errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
      }),
    }));
    await postHit("pd-2");
    const [dead] = await deliveriesIn(gateway, webhook.id, 1);
    expect(dead).toMatchObject({ status: "dead", attempt: 1, status_code: 400 });
    expect(dead.error).toBe(
      "HTTP 400: Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters))",
    );
    expect(receiver.requests).toHaveLength(1);
  });

  it("retries a 429 until PagerDuty takes the event", async () => {
    const webhook = await subscribeToPagerDuty();
    pagerDuty.rateLimited = true;
    await postHit("pd-3");
    await receiver.waitFor(2);
    pagerDuty.rateLimited = false;
    const [delivered] = await deliveriesIn(gateway, webhook.id, 1, ["delivered"]);
    expect(delivered.attempt).toBeGreaterThan(1);
    expect(receiver.requests[0]?.body).toBe(receiver.requests.at(-1)?.body);
  });
});
