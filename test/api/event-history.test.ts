import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { storeEvent } from "../support/history";
import { type Receiver, startReceiver } from "../support/receiver";

const START = Date.UTC(2026, 0, 1);
const at = (second: number) => new Date(START + second * 1000);

describe.each(storeKinds())("stored events on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let viewerKey: string;

  const get = async (path: string) => gateway.api("GET", `/api/v1${path}`, undefined, viewerKey);

  beforeAll(async () => {
    [gateway, receiver] = await Promise.all([startTestGateway(kind), startReceiver()]);
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" })).body.key;
    const db = gateway.store.db;
    // Ten events, two to a second, from two sources and of two types.
    for (let index = 0; index < 10; index++) {
      await storeEvent(db, {
        id: `e-${index}`,
        source: index % 2 === 0 ? "waf" : "scanner",
        type: index < 5 ? "hit" : "vulnerability",
        receivedAt: at(Math.floor(index / 2)),
      });
    }
  });
  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
  });

  it("lists events newest first, a page at a time, without their data", async () => {
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const { status, body } = await get(`/events?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(status).toBe(200);
      for (const event of body.data) expect(event).not.toHaveProperty("data");
      seen.push(...body.data.map((event: any) => event.id));
      cursor = body.next_cursor;
    }
    expect(seen).toEqual(["e-9", "e-8", "e-7", "e-6", "e-5", "e-4", "e-3", "e-2", "e-1", "e-0"]);
  });

  it("filters by type, source and time of receipt", async () => {
    const idsOf = async (query: string) =>
      (await get(`/events?${query}`)).body.data.map((event: any) => event.id);
    expect(await idsOf("type=hit&source=waf")).toEqual(["e-4", "e-2", "e-0"]);
    expect(await idsOf(`since=${at(1).toISOString()}&until=${at(3).toISOString()}`)).toEqual([
      "e-5",
      "e-4",
      "e-3",
      "e-2",
    ]);
    expect(await idsOf("source=nobody")).toEqual([]);
    const refused = await get("/events?since=last+week");
    expect(refused.status).toBe(422);
    expect(refused.body.issues).toEqual([expect.objectContaining({ path: "since" })]);
    const deliveryCursor = Buffer.from(
      JSON.stringify(["2026-01-01T00:00:00.000000Z", crypto.randomUUID()]),
    ).toString("base64url");
    expect((await get(`/events?cursor=${deliveryCursor}`)).body.issues).toEqual([
      expect.objectContaining({ path: "cursor" }),
    ]);
  });

  it("answers an event by the id POST /events gave, with its data in the producer's order and its fan-out", async () => {
    const soc = await gateway.api("POST", "/api/v1/webhooks", { name: "SOC", url: receiver.url });
    const siem = await gateway.api("POST", "/api/v1/webhooks", {
      name: "SIEM",
      url: `${receiver.url}siem`,
      format: "cef",
    });
    await gateway.api("POST", "/api/v1/webhooks", {
      name: "Mail only",
      url: receiver.url,
      event_types: ["auth.*"],
    });
    const fixture = rawFixture("wallarm-hit-sqli");
    const posted = await gateway.api("POST", "/api/v1/events", fixture);
    const id = posted.body.data[0].id;
    await receiver.waitFor(2);

    const event = await eventually(async () => {
      const { body } = await get(`/events/${encodeURIComponent(id)}`);
      return body.deliveries?.every((delivery: any) => delivery.status === "delivered") ? body : undefined;
    });
    expect(event).toMatchObject({ id, source: fixture.source, type: fixture.type, title: fixture.title });
    expect(JSON.stringify(event.data)).toBe(JSON.stringify(fixture.data));
    expect(
      event.deliveries.map((delivery: any) => [delivery.webhook_name, delivery.webhook_id]).sort(),
    ).toEqual([
      ["SIEM", siem.body.id],
      ["SOC", soc.body.id],
    ]);
  });

  it("asks for the source when sources share an id (422 naming source), and finds odd ids", async () => {
    const db = gateway.store.db;
    await storeEvent(db, { id: "shared/1 ?#", source: "waf-a", data: { from: "a" } });
    await storeEvent(db, { id: "shared/1 ?#", source: "waf-b", data: { from: "b" } });
    const path = `/events/${encodeURIComponent("shared/1 ?#")}`;
    const ambiguous = await get(path);
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.body.issues).toEqual([
      expect.objectContaining({ path: "source", message: expect.stringContaining('"waf-a"') }),
    ]);
    const chosen = await get(`${path}?source=waf-b`);
    expect(chosen.status).toBe(200);
    expect(chosen.body).toMatchObject({ source: "waf-b", data: { from: "b" }, deliveries: [] });
    expect((await get(`${path}?source=waf-c`)).status).toBe(404);
    expect((await get("/events/no-such-event")).status).toBe(404);
  });

  it("pages the event type catalog with next_cursor too", async () => {
    const all = (await get("/webhooks/events/types?limit=1000")).body;
    expect(all.next_cursor).toBeNull();
    const first = (await get("/webhooks/events/types?limit=3")).body;
    const second = (await get(`/webhooks/events/types?limit=3&cursor=${first.next_cursor}`)).body;
    expect([...first.data, ...second.data]).toEqual(all.data.slice(0, 6));
    expect((await get("/webhooks/events/types?cursor=bogus")).status).toBe(422);
  });
});
