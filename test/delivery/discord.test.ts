import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDiscordStandIn, type DiscordStandIn, discordPings } from "../support/discord";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";

describe("Discord webhooks through the gateway", () => {
  let gateway: TestGateway;
  let discord: DiscordStandIn;
  let receiver: Receiver;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite");
  });
  afterAll(() => gateway?.close());
  afterEach(() => receiver?.close());

  async function subscribeToDiscord() {
    discord = createDiscordStandIn();
    receiver = await startReceiver(discord.answer);
    return subscribe(gateway, {
      url: `${receiver.origin}/api/webhooks/123456789012345678/Tk-abc_123`,
      format: "discord",
      event_types: ["hit"],
    });
  }
  const postHit = (id: string, title = "SQL injection attempt") =>
    gateway.api("POST", "/api/v1/events", { ...rawFixture("wallarm-hit-sqli"), id, title });

  it("posts an embed Discord accepts (204), pinging nobody whatever the event says", async () => {
    const webhook = await subscribeToDiscord();
    await postHit("discord-1", "@everyone <@123456789012345678> **look** at this");
    const [delivery] = await deliveriesIn(gateway, webhook.id, 1);
    expect(delivery).toMatchObject({ status: "delivered", status_code: 204 });
    const body = receiver.requests[0]?.body ?? "";
    expect(discordPings(body)).toEqual([]);
    expect(JSON.parse(body).embeds[0].title).toContain("look");
  });

  /** How long after its last attempt was recorded a retrying delivery waits (recording takes a moment). */
  const waitOf = (delivery: { next_attempt_at: string; updated_at: string }) =>
    Date.parse(delivery.next_attempt_at) - Date.parse(delivery.updated_at);

  it("waits as long as a 429 says, in its Retry-After or, alone, in its JSON body", async () => {
    const webhook = await subscribeToDiscord();
    discord.rateLimitedFor = 2.5;
    await postHit("discord-2");
    const [limited] = await deliveriesIn(gateway, webhook.id, 1, ["retrying"]);
    expect(limited.error).toBe("HTTP 429: You are being rate limited.");
    expect(waitOf(limited)).toBeGreaterThan(2400);

    const other = await subscribeToDiscord();
    receiver.answerWith(() => ({
      status: 429,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "You are being rate limited.", retry_after: 4.2, global: true }),
    }));
    await postHit("discord-3");
    const [bodyOnly] = await deliveriesIn(gateway, other.id, 1, ["retrying"]);
    expect(waitOf(bodyOnly)).toBeGreaterThan(4100);
  });
});
