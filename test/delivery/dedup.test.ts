import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { deliveriesIn, postEvents, receiverPool, subscribe } from "../support/subscriptions";

/** auto_ban events from `ips`, in that order, numbered in `data.n`. */
function bans(ips: string[], from = 0) {
  return ips.map((ip, i) => ({
    type: "auto_ban",
    source: "website-defender",
    severity: "high",
    title: `Banned ${ip}`,
    data: { n: from + i, client_ip: ip },
  }));
}

const dedup = { key: "{{type}}:{{data.client_ip}}", window_s: 600 };

describe.each(storeKinds())("dedup on %s", (kind) => {
  let gateway: TestGateway;
  const receivers = receiverPool();
  const receiver = receivers.start;
  const post = (events: unknown[]) => postEvents(gateway, events);

  beforeEach(async () => {
    gateway = await startTestGateway(kind);
  });
  afterEach(async () => {
    await gateway.close();
    await receivers.closeAll();
  });

  it("sends the first event of each key and records the repeats as suppressed, naming the key and the earlier delivery", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, dedup });
    const ips = Array.from({ length: 50 }, (_, i) => `203.0.113.${i % 5}`);
    await post(bans(ips));
    const deliveries = await deliveriesIn(gateway, webhook.id, 50, ["delivered", "suppressed"]);
    const delivered = deliveries.filter((delivery) => delivery.status === "delivered");
    const suppressed = deliveries.filter((delivery) => delivery.status === "suppressed");
    expect(delivered).toHaveLength(5);
    expect(suppressed).toHaveLength(45);
    // Every repeat is reported once, by a message sent after it was suppressed, which it names.
    expect(delivered.reduce((sum, delivery) => sum + delivery.repeats_suppressed, 0)).toBe(45);
    await target.waitFor(5);
    // The first of each key in the batch is the one sent.
    const sent = target.requests.map((request) => JSON.parse(request.body).data.n as number);
    expect(sent.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    const deliveredIds = new Set(delivered.map((delivery) => delivery.id));
    for (const repeat of suppressed) expect(deliveredIds.has(repeat.reported_by)).toBe(true);
    for (const repeat of suppressed) {
      expect(repeat.error).toMatch(
        /^suppressed: a repeat of dedup key "auto_ban:203\.0\.113\.\d" within 600 s of delivery /,
      );
      expect(deliveredIds.has(repeat.error.split(" ").at(-1))).toBe(true);
    }
  });

  it("the next message says how many repeats were suppressed since the previous one", async () => {
    const json = await receiver();
    const slack = await receiver();
    const jsonHook = await subscribe(gateway, { name: "json", url: json.url, dedup });
    const slackHook = await subscribe(gateway, { name: "slack", url: slack.url, format: "slack", dedup });
    await post(bans(["198.51.100.1"]));
    await deliveriesIn(gateway, jsonHook.id, 1, ["delivered"]);
    await deliveriesIn(gateway, slackHook.id, 1, ["delivered"]);
    expect(JSON.parse((await json.waitFor(1))[0]?.body ?? "")).not.toHaveProperty("suppressed");

    // Three repeats of the key just delivered, then a new key: its message reports the three.
    await post(bans(["198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"], 1));
    const [, second] = await json.waitFor(2);
    expect(JSON.parse(second?.body ?? "")).toMatchObject({ data: { n: 4 }, suppressed: 3 });
    const [, slackSecond] = await slack.waitFor(2);
    expect(slackSecond?.body).toContain("3 repeats suppressed");
    const { body: read } = await gateway.api("GET", `/api/v1/webhooks/${jsonHook.id}`);
    expect(read.flow_status.repeats_suppressed_unreported).toBe(0);
    const jsonDeliveries = await deliveriesIn(gateway, jsonHook.id, 5, ["delivered", "suppressed"]);
    expect(jsonDeliveries.filter((delivery) => delivery.status === "suppressed")).toHaveLength(3);
    const reporting = jsonDeliveries.find((delivery) => delivery.repeats_suppressed > 0);
    expect(reporting).toMatchObject({
      status: "delivered",
      repeats_suppressed: 3,
      dedup_key: "auto_ban:198.51.100.2",
    });
  });

  it("a key seen longer ago than the window is sent again", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, dedup: { ...dedup, window_s: 1 } });
    await post(bans(["192.0.2.9"]));
    await target.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await post(bans(["192.0.2.9"], 1));
    await target.waitFor(2);
    const deliveries = await deliveriesIn(gateway, webhook.id, 2, ["delivered", "suppressed"]);
    expect(deliveries.map((delivery) => delivery.status)).toEqual(["delivered", "delivered"]);
  });

  it("a webhook without dedup gets every event", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url });
    await post(bans(["192.0.2.1", "192.0.2.1", "192.0.2.1"]));
    const deliveries = await deliveriesIn(gateway, webhook.id, 3, ["delivered", "suppressed"]);
    expect(deliveries.map((delivery) => delivery.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect(deliveries.every((delivery) => delivery.dedup_key === null)).toBe(true);
    expect(target.requests).toHaveLength(3);
  });

  it("refuses a dedup key that is more than field references, naming the field and the reason", async () => {
    const cases: [unknown, string, string][] = [
      [{ key: "{{upper type}}", window_s: 60 }, "dedup.key", "{{upper type}} is not a field reference"],
      [{ key: "{{#if type}}x{{/if}}", window_s: 60 }, "dedup.key", "no helpers, blocks or partials"],
      [{ key: "{{> alert}}", window_s: 60 }, "dedup.key", "not a field reference"],
      [{ key: "always", window_s: 60 }, "dedup.key", "names no field"],
      [{ key: "{{type}}", window_s: 0 }, "dedup.window_s", ""],
      [{ key: "{{type}}", window_s: 86_401 }, "dedup.window_s", ""],
      [{ key: "{{type}}" }, "dedup.window_s", ""],
    ];
    for (const [value, path, reason] of cases) {
      const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
        name: "bad",
        url: "https://example.com/",
        dedup: value,
      });
      expect(status, JSON.stringify(value)).toBe(422);
      const issue = body.issues.find((detail: { path: string }) => detail.path === path);
      expect(issue, JSON.stringify(body.issues)).toBeDefined();
      expect(issue.message).toContain(reason);
    }
  });
});
