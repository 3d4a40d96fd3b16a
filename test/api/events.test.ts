import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { fixtureNames, rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { startReceiver } from "../support/receiver";

describe.each(storeKinds())("event ingest on %s", (kind) => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await startTestGateway(kind, {
      HERALD_EVENT_TYPES: '{"custom.alert":"An operator-defined type"}',
    });
  });
  afterEach(() => gateway.close());

  /** Webhooks pointing nowhere reachable by default: these tests count what is queued, not sent. */
  async function subscribe(fields: Record<string, unknown>) {
    const { body } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "s",
      url: "http://127.0.0.1:9/",
      ...fields,
    });
    return body.id as string;
  }

  it("accepts one event and answers 202 with its id and the deliveries queued", async () => {
    await subscribe({});
    await subscribe({ event_types: ["auto_ban"] });
    await subscribe({ event_types: ["brute_force"] });
    const { status, body } = await gateway.api(
      "POST",
      "/api/v1/events",
      rawFixture("website-defender-auto-ban"),
    );
    expect(status).toBe(202);
    expect(body).toEqual({
      data: [{ id: "wd-2026-02-20-000123", type: "auto_ban", duplicate: false, deliveries_queued: 2 }],
    });
  });

  it("accepts every fixture in one batch, and gives events without an id a new one", async () => {
    const batch = fixtureNames().map(rawFixture);
    const { status, body } = await gateway.api("POST", "/api/v1/events", batch);
    expect(status).toBe(202);
    expect(body.data).toHaveLength(batch.length);
    const generated = body.data.filter((_: unknown, i: number) => batch[i]?.id === undefined);
    for (const entry of generated) expect(entry.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("acknowledges an id seen before without fanning it out again", async () => {
    await subscribe({});
    const event = rawFixture("mailserver-auth-failed");
    await gateway.api("POST", "/api/v1/events", event);
    const again = await gateway.api("POST", "/api/v1/events", [event, { ...event, title: "changed" }]);
    expect(again.status).toBe(202);
    expect(again.body.data).toEqual([
      { id: "12345", type: "auth.failed", duplicate: true, deliveries_queued: 0 },
      { id: "12345", type: "auth.failed", duplicate: true, deliveries_queued: 0 },
    ]);
  });

  it("treats the same id from another source as another event", async () => {
    await subscribe({});
    const event = rawFixture("mailserver-auth-failed");
    await gateway.api("POST", "/api/v1/events", event);
    const other = await gateway.api("POST", "/api/v1/events", { ...event, source: "mail2.example.org" });
    expect(other.body.data[0]).toMatchObject({ duplicate: false, deliveries_queued: 1 });
  });

  it("matches exact names, prefix patterns, exclusions and minimum severity", async () => {
    await subscribe({ event_types: ["auth.*"] });
    await subscribe({ event_types: ["auth.failed"], events_policy: "exclude" });
    await subscribe({ min_severity: "high" });
    await subscribe({ min_severity: "medium", event_types: ["auth.failed", "hit"] });
    await subscribe({ is_active: false });
    const post = async (event: Record<string, unknown>) =>
      (await gateway.api("POST", "/api/v1/events", event)).body.data[0].deliveries_queued;
    expect(await post({ type: "auth.failed", severity: "medium" })).toBe(2); // auth.*, min medium
    expect(await post({ type: "auth.success", severity: "info" })).toBe(2); // auth.*, exclude auth.failed
    expect(await post({ type: "hit", severity: "critical" })).toBe(3); // exclude, min high, min medium
    expect(await post({ type: "hit", severity: "low" })).toBe(1); // exclude only
  });

  it("accepts structured CloudEvents, single and batched", async () => {
    await subscribe({});
    const cloudEvent = {
      specversion: "1.0",
      id: "ce-1",
      source: "/waf/eu-1",
      type: "hit",
      time: "2026-11-23T10:00:00Z",
      datacontenttype: "application/json",
      severity: "high",
      data: { domain: "example.com" },
    };
    const post = (body: unknown, contentType: string) =>
      fetch(`${gateway.url}/api/v1/events`, {
        method: "POST",
        headers: { authorization: "Bearer test-admin-token-0123456789", "content-type": contentType },
        body: JSON.stringify(body),
      });
    const single = await post(cloudEvent, "application/cloudevents+json");
    expect(single.status).toBe(202);
    const batch = await post([{ ...cloudEvent, id: "ce-2" }], "application/cloudevents-batch+json");
    expect(((await batch.json()) as any).data[0]).toMatchObject({ id: "ce-2", deliveries_queued: 1 });
    const wrongVersion = await post({ ...cloudEvent, specversion: "0.3" }, "application/cloudevents+json");
    expect(wrongVersion.status).toBe(422);
    expect(await post(cloudEvent, "text/plain")).toHaveProperty("status", 415);
  });

  it.each([
    [{ title: "no type" }, "type"],
    [{ type: "hit", severity: "urgent" }, "severity"],
    [{ type: "hit", time: "yesterday" }, "time"],
    [{ type: "hit", data: "a string" }, "data"],
    [[{ type: "hit" }, { type: "hit", time: "2026-13-45" }], "1.time"],
    [{ type: "hit", time: "0000-01-01T00:00:00Z" }, "time"],
    [{ type: "hit", title: "nul \u0000 inside" }, "title"],
    [{ type: "hit", data: { nested: ["ok", "lone \ud800"] } }, "data.nested.1"],
  ])("rejects %j with 422 naming %s", async (body, path) => {
    const { status, body: answer } = await gateway.api("POST", "/api/v1/events", body);
    expect(status).toBe(422);
    expect(answer.issues).toContainEqual(expect.objectContaining({ path }));
  });

  it("rejects a whole batch when one event is bad: nothing is half-accepted", async () => {
    const webhook = await subscribe({});
    await gateway.api("POST", "/api/v1/events", [{ type: "hit", id: "good" }, { type: "" }]);
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook}/deliveries`);
    expect(body.data).toEqual([]);
  });

  it("takes at most 1,000 events per request", async () => {
    const events = Array.from({ length: 1001 }, (_, i) => ({ type: "hit", id: `e${i}` }));
    const { status, body } = await gateway.api("POST", "/api/v1/events", events);
    expect(status).toBe(422);
    expect(body.message).toMatch(/at most 1000 events/);
    const thousand = await gateway.api("POST", "/api/v1/events", events.slice(0, 1000));
    expect(thousand.status).toBe(202);
  });

  it("answers 400 for invalid JSON and an empty body", async () => {
    expect((await gateway.api("POST", "/api/v1/events", "{")).status).toBe(400);
    expect((await gateway.api("POST", "/api/v1/events", "")).status).toBe(400);
    expect((await gateway.api("POST", "/api/v1/events", "[]")).status).toBe(422);
  });

  it("passes unknown types to wildcard subscribers", async () => {
    await subscribe({});
    const { body } = await gateway.api("POST", "/api/v1/events", { type: "something.new" });
    expect(body.data[0].deliveries_queued).toBe(1);
  });

  it("fills in defaults: receipt time, info severity, the type as title, unknown source", async () => {
    const receiver = await startReceiver();
    try {
      await subscribe({ url: receiver.url });
      const before = Date.now();
      await gateway.api("POST", "/api/v1/events", { type: "hit", id: "defaults" });
      const [request] = await receiver.waitFor(1);
      const delivered = JSON.parse(request?.body ?? "");
      expect(delivered).toMatchObject({
        id: "defaults",
        severity: "info",
        title: "hit",
        source: "unknown",
        data: {},
      });
      expect(Date.parse(delivered.time)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(delivered.time)).toBeLessThanOrEqual(Date.now());
    } finally {
      await receiver.close();
    }
  });
});

describe("a strict event catalog", () => {
  it("rejects unknown types with 422 and accepts catalog and configured types", async () => {
    const gateway = await startTestGateway("pglite", {
      HERALD_STRICT_EVENT_TYPES: "true",
      HERALD_EVENT_TYPES: '{"custom.alert":"An operator-defined type"}',
    });
    try {
      const unknown = await gateway.api("POST", "/api/v1/events", [{ type: "hit" }, { type: "made.up" }]);
      expect(unknown.status).toBe(422);
      expect(unknown.body.issues).toEqual([{ path: "1.type", message: 'unknown event type "made.up"' }]);
      const inherited = await gateway.api("POST", "/api/v1/events", { type: "constructor" });
      expect(inherited.status).toBe(422);
      expect((await gateway.api("POST", "/api/v1/events", { type: "custom.alert" })).status).toBe(202);
      const types = (await gateway.api("GET", "/api/v1/webhooks/events/types")).body.data;
      expect(types).toContainEqual({ type: "custom.alert", description: "An operator-defined type" });
    } finally {
      await gateway.close();
    }
  });
});
