import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifyResponse } from "../../src/destinations/http/answers";
import { SLACK_GONE, slackIncomingWebhook } from "../support/console-story";
import { storeKinds } from "../support/databases";
import { createDiscordStandIn } from "../support/discord";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { createPagerDutyStandIn } from "../support/pagerduty";
import {
  type Answer,
  type AnswerFunction,
  jsonPost,
  type Receiver,
  startReceiver,
} from "../support/receiver";
import { deliveriesIn, deliveriesOf, subscribe } from "../support/subscriptions";

const ROUTING_KEY = "e93facc04764012d7bfb002500d5d1a6";
const answer = ({ status, headers = {}, body = "" }: Answer) => ({ statusCode: status, headers, body });

describe("what receivers say when a destination is gone", () => {
  it.each(Object.entries(SLACK_GONE))("reads Slack's %s as gone", (code, slack) => {
    expect(classifyResponse(answer(slack), 5).gone).toMatch(new RegExp(`^Slack answered ${code}: `));
  });

  it("reads Discord's 10015 Unknown Webhook and PagerDuty's refused routing key as gone", () => {
    const discord = createDiscordStandIn();
    discord.deleted = true;
    const deleted = discord.answer(jsonPost("/api/webhooks/123456789012345678/Tk-abc_123", { content: "x" }));
    expect(classifyResponse(answer(deleted), 5).gone).toMatch(/^Discord answered 10015 Unknown Webhook/);

    const pagerDuty = createPagerDutyStandIn();
    pagerDuty.deletedKeys.add(ROUTING_KEY);
    const event = {
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      payload: { summary: "s", source: "h", severity: "info" },
    };
    expect(classifyResponse(answer(pagerDuty.answer(jsonPost("/v2/enqueue", event))), 5).gone).toMatch(
      /^PagerDuty refused the routing key/,
    );
    // The one answer PagerDuty documents, for a key of the wrong length.
    const short = pagerDuty.answer(jsonPost("/v2/enqueue", { ...event, routing_key: "short" }));
    expect(classifyResponse(answer(short), 5).gone).toMatch(/^PagerDuty refused the routing key/);
  });

  it("reads a 404 from a Teams Workflows URL as gone, and a 404 or 500 from any other URL as not", () => {
    const workflows = [
      "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
      "https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke",
    ];
    for (const url of workflows) {
      expect(classifyResponse(answer({ status: 404 }), 5, url).gone).toMatch(/^Teams Workflows answered 404/);
    }
    expect(
      classifyResponse(answer({ status: 404 }), 5, "https://siem.example.com/hook").gone,
    ).toBeUndefined();
    expect(classifyResponse(answer({ status: 500 }), 5, workflows[0]).gone).toBeUndefined();
    expect(classifyResponse(answer({ status: 400, body: "invalid_payload" }), 5).gone).toBeUndefined();
    expect(classifyResponse(answer({ status: 410 }), 5, "https://siem.example.com/hook").gone).toMatch(
      /^HTTP 410 Gone/,
    );
  });
});

describe.each(storeKinds())("hard failures through the gateway on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway(kind, { HERALD_FAILURE_THRESHOLD: "50" });
  });
  afterAll(() => gateway?.close());
  afterEach(() => receiver?.close());

  async function webhookAnswering(answering: AnswerFunction, fields: Record<string, unknown> = {}) {
    receiver = await startReceiver(answering);
    return subscribe(gateway, { url: receiver.url, event_types: ["hit"], retry_count: 3, ...fields });
  }
  const postHit = (id: string) =>
    gateway.api("POST", "/api/v1/events", { ...rawFixture("wallarm-hit-sqli"), id });
  const webhookNow = async (id: string) => (await gateway.api("GET", `/api/v1/webhooks/${id}`)).body;

  async function expectDisabledAtOnce(webhookId: string, eventId: string, reason: RegExp) {
    await postHit(eventId);
    const [dead] = await deliveriesIn(gateway, webhookId, 1);
    expect(dead).toMatchObject({ status: "dead", attempt: 1 });
    const webhook = await webhookNow(webhookId);
    expect(webhook).toMatchObject({
      is_active: false,
      failure_count: 1,
      state_changed_by: "herald (receiver: destination gone)",
    });
    expect(webhook.disabled_reason).toMatch(/^the receiver says the destination no longer exists: /);
    expect(webhook.disabled_reason).toMatch(reason);
    expect(receiver.requests).toHaveLength(1);
  }

  it.each(Object.keys(SLACK_GONE))("disables a Slack webhook at Slack's first %s", async (code) => {
    const webhook = await webhookAnswering(() => SLACK_GONE[code] as Answer, { format: "slack" });
    await expectDisabledAtOnce(webhook.id, `slack-${code}`, new RegExp(`Slack answered ${code}`));
  });

  it("disables a Discord webhook at its first 10015 Unknown Webhook", async () => {
    const discord = createDiscordStandIn();
    discord.deleted = true;
    receiver = await startReceiver(discord.answer);
    const webhook = await subscribe(gateway, {
      url: `${receiver.origin}/api/webhooks/123456789012345678/Tk-abc_123`,
      format: "discord",
      event_types: ["hit"],
    });
    await expectDisabledAtOnce(webhook.id, "discord-gone", /Discord answered 10015 Unknown Webhook/);
  });

  it("disables a PagerDuty webhook whose routing key PagerDuty refuses", async () => {
    const pagerDuty = createPagerDutyStandIn();
    pagerDuty.deletedKeys.add(ROUTING_KEY);
    receiver = await startReceiver(pagerDuty.answer);
    const webhook = await subscribe(gateway, {
      url: `${receiver.origin}/v2/enqueue`,
      format: "pagerduty",
      options: { routing_key: ROUTING_KEY },
      event_types: ["hit"],
    });
    await expectDisabledAtOnce(webhook.id, "pd-gone", /PagerDuty refused the routing key/);
  });

  it("disables any HTTP webhook at its first 410 Gone", async () => {
    const webhook = await webhookAnswering(() => ({ status: 410 }));
    await expectDisabledAtOnce(webhook.id, "plain-410", /HTTP 410 Gone/);
  });

  it("keeps a plain webhook on after a 404 (dead, counted) and after 500s (retried)", async () => {
    const notFound = await webhookAnswering(() => ({ status: 404 }));
    await postHit("plain-404");
    const [dead] = await deliveriesIn(gateway, notFound.id, 1);
    expect(dead).toMatchObject({ status: "dead", attempt: 1 });
    expect(await webhookNow(notFound.id)).toMatchObject({
      is_active: true,
      failure_count: 1,
      disabled_reason: null,
    });
    await receiver.close();

    const failing = await webhookAnswering(() => ({ status: 500 }), { retry_count: 1 });
    await postHit("plain-500");
    const [retried] = await deliveriesIn(gateway, failing.id, 1);
    expect(retried).toMatchObject({ status: "dead", attempt: 2 });
    expect(await webhookNow(failing.id)).toMatchObject({
      is_active: true,
      failure_count: 2,
      disabled_reason: null,
    });
  });

  it("never disables a webhook for a test delivery, whatever the receiver says", async () => {
    const webhook = await webhookAnswering(() => SLACK_GONE.channel_is_archived as Answer, {
      format: "slack",
    });
    const sent = await gateway.api("POST", `/api/v1/webhooks/${webhook.id}/test`);
    expect(sent.status).toBeLessThan(500);
    await eventually(async () => ((await deliveriesOf(gateway, webhook.id)).length > 0 ? true : undefined));
    expect(await webhookNow(webhook.id)).toMatchObject({ is_active: true, failure_count: 0 });

    // And the same webhook, once the channel is back, delivers as usual.
    receiver.answerWith(slackIncomingWebhook);
    await postHit("after-test");
    const delivered = await deliveriesIn(gateway, webhook.id, 1, ["delivered"]);
    expect(delivered.some((delivery) => delivery.status === "delivered")).toBe(true);
  });
});
