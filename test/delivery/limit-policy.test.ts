import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";

// limit_policy through a gateway: a split message goes as several requests, a rejected one not at all.

const SECRET = `whsec_${Buffer.from("thirty-two bytes of key material").toString("base64")}`;

/** A hit with 300 data fields of 100 characters (more than one Slack message holds), of a type of its own. */
function wideHit(id: string) {
  const data = Object.fromEntries(
    Array.from({ length: 300 }, (_, i) => [`field_${i}`, `${i} ${"v".repeat(96)}`]),
  );
  return { ...rawFixture("wallarm-hit-sqli"), type: `hit.${id}`, id, data };
}

describe("limit_policy through the gateway", () => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway?.close());
  afterEach(() => receiver?.close());

  async function slackWebhook(limit_policy: string, eventId: string) {
    receiver = await startReceiver();
    return subscribe(gateway, {
      url: receiver.url,
      format: "slack",
      secret: SECRET,
      options: { limit_policy },
      event_types: [`hit.${eventId}`],
    });
  }

  /** What the webhook sends for the event, as its preview says: the body, then each part. */
  async function previewOf(webhookId: string, event: unknown): Promise<string[]> {
    const { status, body } = await gateway.api("POST", `/api/v1/webhooks/${webhookId}/preview`, event);
    expect(status, JSON.stringify(body)).toBe(200);
    return [body.body, ...body.parts];
  }

  it("sends a split message as its parts in order, each signed with its own webhook-id, delivered once all are", async () => {
    const webhook = await slackWebhook("split", "split-1");
    const event = wideHit("split-1");
    const expected = await previewOf(webhook.id, event);
    expect(expected.length).toBeGreaterThan(2);

    await gateway.api("POST", "/api/v1/events", event);
    const [delivery] = await deliveriesIn(gateway, webhook.id, 1);
    expect(delivery).toMatchObject({ status: "delivered", attempt: 1, status_code: 200 });
    const requests = receiver.requests;
    expect(requests.map((request) => request.body)).toEqual(expected);
    const ids = expected.map((_, index) => (index === 0 ? delivery.id : `${delivery.id}.${index + 1}`));
    expect(requests.map((request) => request.headers["webhook-id"])).toEqual(ids);
    for (const request of requests) {
      expect(() =>
        new Webhook(SECRET).verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
      expect(request.headers["content-type"]).toBe("application/json");
    }
    // A signature is over its own part: another part's body does not verify under it.
    const [first, second] = requests;
    expect(() =>
      new Webhook(SECRET).verify(second?.body ?? "", first?.headers as Record<string, string>),
    ).toThrow();
  });

  it("retries from the first part when the receiver fails the second", async () => {
    const webhook = await slackWebhook("split", "split-2");
    let calls = 0;
    receiver.answerWith(() => (++calls === 2 ? { status: 503, body: "busy" } : { status: 200 }));
    const event = wideHit("split-2");
    const parts = (await previewOf(webhook.id, event)).length;

    await gateway.api("POST", "/api/v1/events", event);
    const delivered = await eventually(async () => {
      const [delivery] = await deliveriesIn(gateway, webhook.id, 1);
      return delivery.status === "delivered" ? delivery : undefined;
    });
    expect(delivered.attempt).toBe(2);
    const ids = receiver.requests.map((request) => request.headers["webhook-id"]);
    const all = Array.from({ length: parts }, (_, index) =>
      index === 0 ? delivered.id : `${delivered.id}.${index + 1}`,
    );
    // The first attempt stopped at part 2; the retry sent every part again, from the first.
    expect(ids).toEqual([delivered.id, `${delivered.id}.2`, ...all]);
    const detail = await gateway.api("GET", `/api/v1/deliveries/${delivered.id}`);
    expect(
      detail.body.attempts.map((attempt: any) => [attempt.attempt, attempt.status_code, attempt.error]),
    ).toEqual([
      [1, 503, `HTTP 503 (part 2 of ${parts})`],
      [2, 200, null],
    ]);
  });

  it("makes a delivery that reject refuses dead at once, with the limit as its reason, and previews it as a 422", async () => {
    const webhook = await slackWebhook("reject", "reject-1");
    const event = wideHit("reject-1");
    const preview = await gateway.api("POST", `/api/v1/webhooks/${webhook.id}/preview`, event);
    expect(preview.status).toBe(422);
    expect(preview.body.issues).toEqual([
      expect.objectContaining({
        path: "template",
        message: expect.stringContaining(
          "the Slack message needs 300 fields; sections hold 10 fields and a message 50 blocks (limit_policy reject)",
        ),
      }),
    ]);

    await gateway.api("POST", "/api/v1/events", event);
    const [dead] = await deliveriesIn(gateway, webhook.id, 1);
    expect(dead).toMatchObject({ status: "dead", attempt: 1 });
    expect(dead.error).toBe(
      "template error: the Slack message needs 300 fields; sections hold 10 fields and a message 50 blocks (limit_policy reject)",
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it("previews what each policy sends: parts only for split", async () => {
    const event = wideHit("preview-1");
    const answers = await Promise.all(
      ["truncate", "split"].map((limit_policy) =>
        gateway.api("POST", "/api/v1/preview", {
          webhook: { format: "discord", options: { limit_policy } },
          event,
        }),
      ),
    );
    const [truncated, split] = answers.map((answer) => answer.body);
    expect(truncated.parts).toEqual([]);
    expect(truncated.warnings).toContainEqual(expect.stringMatching(/left out, max_fields is 25/));
    expect(split.parts.length).toBeGreaterThan(0);
    expect(JSON.parse(split.parts[0]).embeds[0].footer.text).toMatch(/^HIGH · part 2 of \d+$/);
  });

  it("refuses split for a syslog destination, which sends one message per event without headers", async () => {
    const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "slack over syslog",
      url: "tcp://127.0.0.1:6514",
      format: "slack",
      options: { limit_policy: "split" },
    });
    expect(status).toBe(422);
    expect(body.issues).toEqual([
      expect.objectContaining({ path: "options.limit_policy", message: expect.stringContaining("syslog") }),
    ]);
    const truncating = await gateway.api("POST", "/api/v1/webhooks", {
      name: "slack over syslog",
      url: "tcp://127.0.0.1:6514",
      format: "slack",
      options: { limit_policy: "reject" },
      is_active: false,
    });
    expect(truncating.status).toBe(201);
  });
});
