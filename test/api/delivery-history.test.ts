import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { storeDeliveries, storeEvent } from "../support/history";
import { type Receiver, startReceiver } from "../support/receiver";

/**
 * Times one second apart from an hour ago (recent enough to be delivered, not discarded as too
 * old); several deliveries share each, as a batch's do.
 */
const START = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const at = (second: number) => new Date(START + second * 1000);

describe.each(storeKinds())("deliveries across webhooks on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let soc: string;
  let siem: string;
  let viewerKey: string;
  /** Every stored delivery's id, newest first as the list orders them. */
  let newestFirst: string[];

  const list = async (query: string, key?: string) =>
    gateway.api("GET", `/api/v1/deliveries${query}`, undefined, key);
  const ids = (body: { data: { id: string }[] }) => body.data.map((delivery) => delivery.id);

  beforeAll(async () => {
    [gateway, receiver] = await Promise.all([startTestGateway(kind), startReceiver()]);
    const create = async (name: string) =>
      (await gateway.api("POST", "/api/v1/webhooks", { name, url: receiver.url, retry_count: 0 })).body.id;
    soc = await create("SOC");
    siem = await create("SIEM");
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" })).body.key;
    const db = gateway.store.db;
    const ban = await storeEvent(db, { id: "ban-1", type: "auto_ban", receivedAt: at(0) });
    const hit = await storeEvent(db, { id: "hit-1", type: "hit", receivedAt: at(0) });
    // 12 deliveries, three to a second: paging must break ties by id, never skip or repeat one.
    const stored = await storeDeliveries(
      db,
      Array.from({ length: 12 }, (_, index) => ({
        webhookId: index % 2 === 0 ? soc : siem,
        eventKey: index % 3 === 0 ? ban : hit,
        status: index % 3 === 1 ? ("dead" as const) : ("delivered" as const),
        createdAt: at(Math.floor(index / 3)),
      })),
    );
    const created = new Map(stored.map((id, index) => [id, Math.floor(index / 3)]));
    newestFirst = [...stored].sort(
      (a, b) => (created.get(b) as number) - (created.get(a) as number) || (a < b ? 1 : -1),
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it("pages through every delivery newest first, each once, and ends with a null next_cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const { status, body } = await list(`?limit=5${cursor ? `&cursor=${cursor}` : ""}`, viewerKey);
      expect(status).toBe(200);
      seen.push(...ids(body));
      cursor = body.next_cursor;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(newestFirst);
  });

  it("shows each delivery with its webhook's name and its event's id, source and type", async () => {
    const { body } = await list("?limit=1");
    expect(body.data[0]).toMatchObject({
      webhook_name: expect.stringMatching(/^(SOC|SIEM)$/),
      event_source: "test",
      event_id: expect.stringMatching(/^(ban|hit)-1$/),
      created_at: at(3).toISOString(),
    });
  });

  it("filters by webhook, states, event type and time range", async () => {
    const all = (await list("?limit=100")).body.data;
    const expectMatching = async (query: string, keep: (delivery: any) => boolean) => {
      const { status, body } = await list(query);
      expect(status, query).toBe(200);
      expect(ids(body), query).toEqual(all.filter(keep).map((delivery: any) => delivery.id));
    };
    await expectMatching(`?webhook=${soc}`, (d) => d.webhook_id === soc);
    await expectMatching("?status=dead", (d) => d.status === "dead");
    await expectMatching("?status=dead,delivered", () => true);
    await expectMatching("?type=auto_ban", (d) => d.event_type === "auto_ban");
    await expectMatching(
      `?since=${at(1).toISOString()}&until=${at(3).toISOString()}`,
      (d) => d.created_at >= at(1).toISOString() && d.created_at < at(3).toISOString(),
    );
    await expectMatching(
      `?webhook=${siem}&status=dead&type=hit`,
      (d) => d.webhook_id === siem && d.status === "dead" && d.event_type === "hit",
    );
  });

  it("refuses a bad cursor or filter with 422 naming it", async () => {
    const forged = Buffer.from(JSON.stringify(["2026-02-30T00:00:00.000000Z", newestFirst[0]])).toString(
      "base64url",
    );
    const eventCursor = Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000000Z", "12"])).toString(
      "base64url",
    );
    for (const [query, path] of [
      ["?cursor=not-a-cursor", "cursor"],
      [`?cursor=${forged}`, "cursor"],
      [`?cursor=${eventCursor}`, "cursor"],
      ["?status=lost", "status"],
      ["?webhook=soc", "webhook"],
      ["?since=yesterday", "since"],
      ["?until=2026-01-01", "until"],
      ["?limit=0", "limit"],
    ]) {
      const { status, body } = await list(query as string);
      expect(status, query).toBe(422);
      expect(body.issues, query).toEqual([expect.objectContaining({ path })]);
    }
  });

  it("retries only the dead deliveries the filters match, answers how many, and they go out again", async () => {
    const dead = (await list(`?webhook=${soc}&status=dead`)).body.data;
    expect(dead.length).toBe(2);
    expect(
      (await gateway.api("POST", `/api/v1/deliveries/retry?webhook=${soc}`, undefined, viewerKey)).status,
    ).toBe(403);

    const { status, body } = await gateway.api("POST", `/api/v1/deliveries/retry?webhook=${soc}`);
    expect(status).toBe(202);
    expect(body).toEqual({ queued: 2, more: false });
    await receiver.waitFor(2);
    const after = await eventually(async () => {
      const { body: now } = await list(`?webhook=${soc}`);
      const retried = now.data.filter((d: any) => dead.some((was: any) => was.id === d.id));
      return retried.every((d: any) => d.status === "delivered") ? retried : undefined;
    });
    expect(after.map((d: any) => d.attempt)).toEqual([2, 2]);
    // Nothing else was touched: the other webhook's dead deliveries are still dead.
    expect((await list(`?webhook=${siem}&status=dead`)).body.data).toHaveLength(2);
    expect(receiver.requests).toHaveLength(2);
  });

  it("queues at most `limit` and says when more match; refuses states other than dead and discarded", async () => {
    const { body } = await gateway.api("POST", "/api/v1/deliveries/retry?status=dead,discarded&limit=1");
    expect(body).toEqual({ queued: 1, more: true });
    const refused = await gateway.api("POST", "/api/v1/deliveries/retry?status=delivered");
    expect(refused.status).toBe(422);
    expect(refused.body.issues).toEqual([expect.objectContaining({ path: "status" })]);
    await receiver.waitFor(3);
    expect((await gateway.api("POST", "/api/v1/deliveries/retry?limit=1")).body).toEqual({
      queued: 1,
      more: false,
    });
    await receiver.waitFor(4);
    await eventually(async () => ((await list("?status=dead")).body.data.length === 0 ? true : undefined));
    expect((await gateway.api("POST", "/api/v1/deliveries/retry")).body).toEqual({ queued: 0, more: false });
  });
});
