import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failingLevel } from "../../src/delivery/operator-events";
import { DEFAULT_EVENT_CATALOG, HERALD_SOURCE, OPERATOR_EVENT_EXAMPLES } from "../../src/events/catalog";
import type { HeraldEvent } from "../../src/events/event";
import { findFormat } from "../../src/formats/registry";
import { queryRows } from "../../src/store/db";
import { slackIncomingWebhook } from "../support/console-story";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { renderWith } from "../support/render";
import { deliveriesIn, deliveriesOf, subscribe } from "../support/subscriptions";

const OPERATOR_TYPES = Object.keys(OPERATOR_EVENT_EXAMPLES);

/** Each test's webhooks go with it: a closed receiver would otherwise fail, and be told about, in the next. */
async function deleteWebhooks(gateway: TestGateway) {
  const { body } = await gateway.api("GET", "/api/v1/webhooks?limit=100");
  for (const webhook of body.data) await gateway.api("DELETE", `/api/v1/webhooks/${webhook.id}`);
}

function exampleEvent(type: string): HeraldEvent {
  const data = OPERATOR_EVENT_EXAMPLES[type] as Record<string, unknown>;
  return {
    id: `example/${type}`,
    type,
    source: HERALD_SOURCE,
    time: "2026-11-23T12:00:00.000Z",
    severity: "high",
    title: `Webhook "${data.webhook_name}": ${type}`,
    subject: String(data.webhook_name),
    data,
  };
}

describe("operator events in the catalog and the default templates", () => {
  it("lists every operator event type with a description naming its data", () => {
    for (const type of OPERATOR_TYPES)
      expect(DEFAULT_EVENT_CATALOG[type]).toContain("webhook_id, webhook_name");
  });

  it.each(OPERATOR_TYPES)("renders %s in Slack and Teams with its title, webhook and data", (type) => {
    const event = exampleEvent(type);
    for (const name of ["slack", "teams"]) {
      const { body } = renderWith(findFormat(name) as never, event);
      const text = JSON.stringify(JSON.parse(body));
      expect(text).toContain(event.title.replaceAll('"', '\\"'));
      for (const value of Object.values(event.data).filter((v) => typeof v !== "object"))
        expect(text).toContain(String(value));
    }
  });

  it("warns at 50, 75 and 90 % of a threshold, never at or past it", () => {
    expect([50, 75, 90].map((percent) => failingLevel(10, percent))).toEqual([5, 8, 9]);
    expect([50, 75, 90].map((percent) => failingLevel(4, percent))).toEqual([2, 3, null]);
    expect(failingLevel(0, 50)).toBeNull();
  });
});

describe.each(storeKinds())("operator events on %s", (kind) => {
  let gateway: TestGateway;
  let ops: Receiver;
  let target: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway(kind, { HERALD_FAILURE_THRESHOLD: "10" });
  });
  afterAll(() => gateway?.close());
  afterEach(async () => {
    await deleteWebhooks(gateway);
    await ops?.close();
    await target?.close();
  });

  /** A Slack webhook subscribed to herald.*, as an operator sets one up. */
  async function subscribeOperator(fields: Record<string, unknown> = {}) {
    ops = await startReceiver(slackIncomingWebhook);
    return subscribe(gateway, {
      name: "ops",
      url: ops.url,
      format: "slack",
      event_types: ["herald.*"],
      ...fields,
    });
  }
  const operatorEventsAbout = async (webhookId: string) =>
    queryRows<{ type: string; data: Record<string, any> }>(
      gateway.store.db,
      sql`select type, data from events where source = ${HERALD_SOURCE} and data->>'webhook_id' = ${webhookId}
          order by key`,
    );

  it("tells an operator a webhook is failing at 50, 75 and 90 %, then disabled, then recovered — and never tells the webhook itself", async () => {
    const operator = await subscribeOperator();
    target = await startReceiver(() => ({ status: 500 }));
    // The failing webhook subscribes to herald.* too: it must not hear about itself.
    const failing = await subscribe(gateway, {
      name: "siem",
      url: target.url,
      event_types: ["hit", "herald.*"],
      retry_count: 10,
    });
    await gateway.api("POST", "/api/v1/events", { ...rawFixture("wallarm-hit-sqli"), id: "ops-1" });
    await eventually(async () =>
      (await gateway.api("GET", `/api/v1/webhooks/${failing.id}`)).body.is_active ? undefined : true,
    );
    const expected = [
      "herald.webhook.failing",
      "herald.webhook.failing",
      "herald.webhook.failing",
      "herald.webhook.disabled",
    ];
    const told = await eventually(async () => {
      const delivered = await deliveriesIn(gateway, operator.id, 4, ["delivered"]);
      return delivered.length >= 4 ? delivered : undefined;
    });
    expect(told.map((delivery) => delivery.event_type).reverse()).toEqual(expected);
    const events = await operatorEventsAbout(failing.id);
    expect(events.map((event) => event.data.percent ?? null)).toEqual([50, 75, 90, null]);
    expect(events[0]?.data).toMatchObject({
      webhook_name: "siem",
      failure_count: 5,
      failure_threshold: 10,
      last_error: "HTTP 500",
    });
    expect(events[3]?.data.reason).toMatch(/^deactivated after 10 consecutive failed attempts/);
    const slackTexts = ops.requests.map((request) => JSON.parse(request.body).text as string);
    expect(slackTexts.join("\n")).toContain('Webhook "siem" is failing');

    // Back on, the receiver fixed: the held delivery goes out and the operator hears it recovered.
    target.answerWith(() => ({ status: 200 }));
    expect((await gateway.api("PUT", `/api/v1/webhooks/${failing.id}`, { is_active: true })).status).toBe(
      200,
    );
    await deliveriesIn(gateway, failing.id, 1, ["delivered"]);
    const recovered = await eventually(async () => {
      const delivered = await deliveriesIn(gateway, operator.id, 5, ["delivered"]);
      return delivered.find((delivery) => delivery.event_type === "herald.webhook.recovered");
    });
    expect(recovered).toBeDefined();
    // Everything the failing webhook got was its own subscription's event, never one about itself.
    expect(new Set((await deliveriesOf(gateway, failing.id)).map((delivery) => delivery.event_type))).toEqual(
      new Set(["hit"]),
    );
  });

  it("tells an operator when a receiver's answer disables a webhook at once, and the delivery is dead", async () => {
    const operator = await subscribeOperator();
    target = await startReceiver(() => ({ status: 410 }));
    const gone = await subscribe(gateway, { name: "moved", url: target.url, event_types: ["hit"] });
    await gateway.api("POST", "/api/v1/events", { ...rawFixture("wallarm-hit-sqli"), id: "ops-gone" });
    await deliveriesIn(gateway, operator.id, 2, ["delivered"]);
    const events = await operatorEventsAbout(gone.id);
    expect(events.map((event) => event.type).sort()).toEqual([
      "herald.delivery.dead",
      "herald.webhook.disabled",
    ]);
    const dead = events.find((event) => event.type === "herald.delivery.dead");
    expect(dead?.data).toMatchObject({ webhook_name: "moved", count: 1 });
    expect(dead?.data.deliveries[0]).toMatchObject({ event_id: "ops-gone", event_type: "hit", attempts: 1 });
    const disabled = events.find((event) => event.type === "herald.webhook.disabled");
    expect(disabled?.data).toMatchObject({ disabled_by: "herald (receiver: destination gone)" });
  });
});

describe.each(storeKinds())("a flood of operator events on %s", (kind) => {
  let gateway: TestGateway;
  let ops: Receiver;
  let target: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway(kind, { HERALD_FAILURE_THRESHOLD: "0", HERALD_BACKLOG_ALERT_S: "1" });
  });
  afterAll(() => gateway?.close());
  afterEach(async () => {
    await deleteWebhooks(gateway);
    await ops?.close();
    await target?.close();
  });

  it("makes 200 dead deliveries a few messages to a grouping subscriber, counting all 200", async () => {
    ops = await startReceiver(slackIncomingWebhook);
    const operator = await subscribe(gateway, {
      name: "ops",
      url: ops.url,
      format: "slack",
      event_types: ["herald.*"],
      group: { by: ["type", "data.webhook_id"], wait_s: 1, interval_s: 60 },
    });
    target = await startReceiver(() => ({ status: 500 }));
    const failing = await subscribe(gateway, {
      name: "down",
      url: target.url,
      event_types: ["hit"],
      retry_count: 0,
    });
    const flood = Array.from({ length: 200 }, (_, i) => ({
      ...rawFixture("wallarm-hit-sqli"),
      id: `flood-${i}`,
    }));
    expect((await gateway.api("POST", "/api/v1/events", flood)).status).toBe(202);
    // A failed request holds its place until its outcome is committed: 200 failures settle
    // max_in_flight at a time, 3-7 s here alone and more than 10 s beside CI's other suites on
    // a slow two-core machine. The waits bound how long the test looks, not how fast Herald is.
    await deliveriesIn(gateway, failing.id, 200, ["dead"], 60_000);
    const counted = await eventually(async () => {
      const rows = await queryRows<{ total: number }>(
        gateway.store.db,
        sql`select coalesce(sum((data->>'count')::int), 0)::int as total from events
            where type = 'herald.delivery.dead' and data->>'webhook_id' = ${failing.id}`,
      );
      return rows[0]?.total === 200 ? true : undefined;
    }, 30_000);
    expect(counted).toBe(true);
    await deliveriesIn(gateway, operator.id, 1, ["delivered"], 30_000);
    // Whatever number of recordings the flood took, the subscriber got one digest (and perhaps
    // one more for what arrived after it): its group holds the rest for interval_s.
    expect(ops.requests.length).toBeGreaterThanOrEqual(1);
    expect(ops.requests.length).toBeLessThanOrEqual(2);
    expect(JSON.parse(ops.requests[0]?.body ?? "{}").text).toMatch(/herald\.delivery\.dead/);
  }, 90_000);

  it("tells an operator once when a webhook's oldest queued delivery is older than HERALD_BACKLOG_ALERT_S", async () => {
    ops = await startReceiver(slackIncomingWebhook);
    const operator = await subscribe(gateway, {
      name: "ops",
      url: ops.url,
      format: "slack",
      event_types: ["herald.queue.*"],
    });
    // The receiver asks Herald to wait a minute: its delivery stays queued.
    target = await startReceiver(() => ({ status: 429, headers: { "retry-after": "60" } }));
    const slow = await subscribe(gateway, { name: "slow", url: target.url, event_types: ["hit"] });
    await gateway.api("POST", "/api/v1/events", { ...rawFixture("wallarm-hit-sqli"), id: "backlog-1" });
    const backlogsOfSlow = () =>
      queryRows<{ id: string; data: Record<string, any> }>(
        gateway.store.db,
        sql`select id, data from events where type = 'herald.queue.backlog' and data->>'webhook_id' = ${slow.id}`,
      );
    const [event] = await eventually(async () =>
      (await backlogsOfSlow()).length > 0 ? backlogsOfSlow() : undefined,
    );
    await eventually(async () =>
      (await deliveriesOf(gateway, operator.id)).find(
        (delivery) => delivery.event_id === event?.id && delivery.status === "delivered",
      ),
    );
    // Later checks, four a second, see the same backlog: nothing more about it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await backlogsOfSlow()).toHaveLength(1);
    expect(event?.data).toMatchObject({ webhook_name: "slow", queued: 1, backlog_alert_s: 1 });
    expect(event?.data.oldest_age_s).toBeGreaterThanOrEqual(1);
  });
});
