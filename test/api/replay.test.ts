import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bans } from "../support/bans";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import type { RecordedRequest } from "../support/receiver";
import { deliveriesIn, deliveriesOf, postEvents, receiverPool, subscribe } from "../support/subscriptions";

const IPS = ["198.51.100.0", "198.51.100.1"];

const FIXTURES = [
  "mailserver-auth-failed", // auth.failed, medium
  "pentest-critical-finding", // critical_finding, critical
  "wallarm-hit-sqli", // hit, high
  "wallarm-vulnerability", // vulnerability, low
  "website-defender-auto-ban", // auto_ban, high
  "website-defender-brute-force", // brute_force, critical
];

/** The event numbers (`data.n`) of single-event json requests, in order of arrival. */
const numbers = (requests: RecordedRequest[]) => requests.map((request) => JSON.parse(request.body).data.n);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

/** A window around everything a test posts (`until` in the future counts as now). */
const lastHour = () => ({
  since: new Date(Date.now() - 3_600_000).toISOString(),
  until: new Date(Date.now() + 60_000).toISOString(),
});

describe.each(storeKinds())("replaying stored events to a webhook on %s", (kind) => {
  let gateway: TestGateway;
  const receivers = receiverPool();
  const receiver = receivers.start;
  const post = (events: unknown[]) => postEvents(gateway, events);

  const replay = (webhookId: string, body: Record<string, unknown>, key?: string) =>
    gateway.api("POST", `/api/v1/webhooks/${webhookId}/replay`, body, key);

  async function replayed(webhookId: string, body: Record<string, unknown> = {}) {
    const answer = await replay(webhookId, { ...lastHour(), ...body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(body.dry_run ? 200 : 202);
    return answer.body.count as number;
  }

  const setState = async (webhookId: string, state: string) =>
    expect((await gateway.api("PUT", `/api/v1/webhooks/${webhookId}`, { state })).status).toBe(200);

  beforeEach(async () => {
    gateway = await startTestGateway(kind);
  });
  afterEach(async () => {
    await gateway.close();
    await receivers.closeAll();
  });

  it("never replays to a webhook Herald's own events about it", async () => {
    const target = await receiver();
    target.answerWith(() => ({ status: 500 }));
    const webhook = await subscribe(gateway, { url: target.url, retry_count: 0 });
    await post(bans(2, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 2, ["dead"]);
    // Herald stores herald.delivery.dead about the webhook (after recording the deaths), which
    // the webhook ("*") never gets.
    await expect
      .poll(
        async () => (await gateway.api("GET", "/api/v1/events?type=herald.delivery.dead")).body.data.length,
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    expect(await replayed(webhook.id, { statuses: ["never"], dry_run: true })).toBe(0);
  });

  it("sends what a broken receiver let die once more each, after it is fixed", async () => {
    const target = await receiver();
    target.answerWith(() => ({ status: 500 }));
    const webhook = await subscribe(gateway, { url: target.url, retry_count: 0 });
    await post(bans(3, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 3, ["dead"]);
    target.answerWith(() => ({ status: 200 }));

    expect(await replayed(webhook.id, { statuses: ["dead"] })).toBe(3);
    const deliveries = await deliveriesIn(gateway, webhook.id, 3, ["delivered"]);
    expect(sorted(numbers(target.requests.slice(3)))).toEqual([0, 1, 2]);
    expect(deliveries.map((delivery) => delivery.status).sort()).toEqual([
      ...Array(3).fill("dead"),
      ...Array(3).fill("delivered"),
    ]);
    // The state is the latest delivery's: none of the three is dead any more.
    expect(await replayed(webhook.id, { statuses: ["dead"] })).toBe(0);
  });

  it("sends the events a disabled webhook never got once it is on again; a dry run only counts them", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url });
    await post(bans(1, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 1, ["delivered"]);
    await setState(webhook.id, "disabled");
    await post(bans(2, { ips: IPS, from: 1 }));

    const refused = await replay(webhook.id, { ...lastHour(), statuses: ["never"] });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain("disabled");
    expect(await replayed(webhook.id, { statuses: ["never"], dry_run: true })).toBe(2);
    expect(await deliveriesOf(gateway, webhook.id)).toHaveLength(1);

    await setState(webhook.id, "active");
    expect(await replayed(webhook.id, { statuses: ["never"] })).toBe(2);
    await deliveriesIn(gateway, webhook.id, 3, ["delivered"]);
    expect(sorted(numbers(target.requests))).toEqual([0, 1, 2]);
  });

  it("filters by time, type pattern and latest state, within the webhook's subscription unless told to ignore it", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, min_severity: "medium" });
    await post(FIXTURES.map((name, n) => ({ ...rawFixture(name), id: `replay-${n}` })));
    await deliveriesIn(gateway, webhook.id, 5, ["delivered"]);
    const afterFixtures = new Date().toISOString();
    await post(bans(2, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 7, ["delivered"]);

    const count = (body: Record<string, unknown>) => replayed(webhook.id, { ...body, dry_run: true });
    // The low-severity vulnerability is below the webhook's min_severity.
    expect(await count({})).toBe(7);
    expect(await count({ ignore_subscription: true })).toBe(8);
    expect(await count({ since: afterFixtures })).toBe(2);
    expect(await count({ types: ["auth.*"] })).toBe(1);
    expect(await count({ types: ["auto_ban", "brute_force"] })).toBe(4);
    expect(await count({ types: ["hit", "vulnerability"] })).toBe(1);
    expect(await count({ types: ["hit", "vulnerability"], ignore_subscription: true })).toBe(2);
    expect(await count({ statuses: ["delivered"] })).toBe(7);
    expect(await count({ statuses: ["dead", "never"] })).toBe(0);
    expect(await count({ statuses: ["never"], ignore_subscription: true })).toBe(1);

    expect(await replayed(webhook.id, { types: ["auth.*"] })).toBe(1);
    const again = (await target.waitFor(8))[7];
    expect(JSON.parse(again?.body ?? "")).toMatchObject({ id: "replay-0", event_type: "auth.failed" });
  });

  it("queues each event once per replay however many deliveries it had, and dedup suppresses none", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, {
      url: target.url,
      dedup: { key: "{{data.client_ip}}", window_s: 600 },
    });
    await post(bans(2, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 2, ["delivered"]);
    expect(await replayed(webhook.id)).toBe(2);
    await deliveriesIn(gateway, webhook.id, 4, ["delivered"]);
    expect(await replayed(webhook.id)).toBe(2);
    const deliveries = await deliveriesIn(gateway, webhook.id, 6, ["delivered"]);
    expect(deliveries.map((delivery) => delivery.status)).toEqual(Array(6).fill("delivered"));
    expect(deliveries.slice(0, 4).map((delivery) => delivery.dedup_key)).toEqual(Array(4).fill(null));
    expect(sorted(numbers(target.requests))).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it("a paused webhook's replay waits for it to resume", async () => {
    const paused = await receiver();
    const other = await receiver();
    const webhook = await subscribe(gateway, { url: paused.url });
    await subscribe(gateway, { name: "other", url: other.url });
    await post(bans(1, { ips: IPS }));
    await deliveriesIn(gateway, webhook.id, 1, ["delivered"]);
    await setState(webhook.id, "paused");

    expect(await replayed(webhook.id)).toBe(1);
    // The engine has claimed since the replay (the other webhook got a later event); the
    // paused webhook's delivery is still waiting, never tried.
    await post(bans(1, { ips: IPS, from: 1 }));
    await other.waitFor(2);
    const waiting = (await deliveriesOf(gateway, webhook.id)).filter((d) => d.status === "pending");
    expect(waiting).toHaveLength(2);
    expect(waiting.every((delivery) => delivery.attempt === 0)).toBe(true);
    expect(paused.requests).toHaveLength(1);

    await setState(webhook.id, "active");
    await deliveriesIn(gateway, webhook.id, 3, ["delivered"]);
    expect(sorted(numbers(paused.requests))).toEqual([0, 0, 1]);
  });

  it("queues 2,500 events (more than one statement's chunk) once each", async () => {
    for (let from = 0; from < 2500; from += 1000)
      await post(bans(Math.min(1000, 2500 - from), { ips: IPS, from }));
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url, state: "paused" });
    expect(await replayed(webhook.id, { statuses: ["never"] })).toBe(2500);
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(body.flow_status.queued.pending).toBe(2500);
    expect(await replayed(webhook.id, { statuses: ["never"], dry_run: true })).toBe(0);
    expect(await replayed(webhook.id, { statuses: ["pending"], dry_run: true })).toBe(2500);
  });

  it("a grouping webhook gets the replayed events as digests of their groups", async () => {
    const target = await receiver();
    await post(bans(4, { ips: IPS }));
    const webhook = await subscribe(gateway, {
      url: target.url,
      group: { by: ["data.client_ip"], wait_s: 0, interval_s: 60 },
    });
    expect(await replayed(webhook.id, { statuses: ["never"] })).toBe(4);
    const digests = (await target.waitFor(2)).map((request) => JSON.parse(request.body));
    await deliveriesIn(gateway, webhook.id, 4, ["delivered"]);
    expect(target.requests).toHaveLength(2);
    const byIp = Object.fromEntries(
      digests.map((digest) => [
        digest.group["data.client_ip"],
        sorted(digest.events.map((e: any) => e.data.n)),
      ]),
    );
    expect(byIp).toEqual({ "198.51.100.0": [0, 2], "198.51.100.1": [1, 3] });
  });

  it("answers 404 for an unknown webhook, 403 to a viewer, and 422 naming the field", async () => {
    const target = await receiver();
    const webhook = await subscribe(gateway, { url: target.url });
    const unknown = await replay("00000000-0000-4000-8000-000000000000", lastHour());
    expect(unknown.status).toBe(404);
    const viewer = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" })).body.key;
    expect((await replay(webhook.id, lastHour(), viewer)).status).toBe(403);

    const window = lastHour();
    const cases: [Record<string, unknown>, string][] = [
      [{ until: window.until }, "since"],
      [{ since: window.since }, "until"],
      [{ ...window, since: "yesterday" }, "since"],
      [{ ...window, until: "2026-13-01T00:00:00Z" }, "until"],
      [{ since: window.until, until: window.since }, "until"],
      [{ ...window, statuses: ["lost"] }, "statuses.0"],
      [{ ...window, types: [] }, "types"],
      [{ ...window, types: [""] }, "types.0"],
      [{ ...window, dry_run: "yes" }, "dry_run"],
    ];
    for (const [body, field] of cases) {
      const { status, body: answer } = await replay(webhook.id, body);
      expect(status, JSON.stringify(body)).toBe(422);
      expect(
        answer.issues.map((issue: { path: string }) => issue.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect((await replay(webhook.id, { ...window, since: window.until })).body.issues[0].message).toBe(
      "must be after since",
    );
  });
});
