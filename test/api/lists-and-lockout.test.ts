import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiKey, hasAdminKey, hashKey, listApiKeys, revokeApiKey } from "../../src/store/keys";
import { apiKeys, deliveries, events } from "../../src/store/schema";
import { insertWebhook } from "../../src/store/webhooks";
import { inputToRow, webhookInputSchema } from "../../src/webhooks/schema";
import { storeKinds } from "../support/databases";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";

async function adminCount(gateway: TestGateway): Promise<number> {
  return (await listApiKeys(gateway.store.db)).filter((row) => row.role === "admin").length;
}

/** Timestamps one second apart from a fixed start, so "newest first" does not depend on timing. */
const at = (index: number) => new Date(Date.UTC(2024, 0, 1) + index * 1000);

describe.each(storeKinds())("the last admin key on %s", (kind) => {
  let gateway: TestGateway;
  let firstKey: string;
  let firstId: string;

  beforeAll(async () => {
    // loadConfig ignores empty settings, so this gateway has no bootstrap token.
    gateway = await startTestGateway(kind, { HERALD_ADMIN_TOKEN: "" });
    expect(gateway.config.HERALD_ADMIN_TOKEN).toBeUndefined();
  });
  afterAll(() => gateway.close());

  /** Each test starts from a single admin key. */
  beforeEach(async () => {
    await gateway.store.db.delete(apiKeys);
    const { key, row } = await createApiKey(gateway.store.db, "admin", "first admin key");
    firstKey = key;
    firstId = row.id;
  });

  async function createSecondAdmin() {
    const { status, body } = await gateway.api(
      "POST",
      "/api/v1/keys",
      { role: "admin", name: "second" },
      firstKey,
    );
    expect(status).toBe(201);
    return { key: body.key as string, id: body.id as string };
  }

  it("the last admin key cannot revoke itself (409) and still works afterwards", async () => {
    const { status, body } = await gateway.api("DELETE", `/api/v1/keys/${firstId}`, undefined, firstKey);
    expect(status).toBe(409);
    expect(body).toEqual({
      error: "conflict",
      message: expect.stringMatching(/last admin key: create another admin key first/),
    });
    const listed = await gateway.api("GET", "/api/v1/keys", undefined, firstKey);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: firstId, role: "admin" })]);
  });

  it("with a second admin key the first can be revoked", async () => {
    const second = await createSecondAdmin();
    expect((await gateway.api("DELETE", `/api/v1/keys/${firstId}`, undefined, firstKey)).status).toBe(204);
    expect((await gateway.api("GET", "/api/v1/keys", undefined, firstKey)).status).toBe(401);
    // Now the second is the last one.
    expect((await gateway.api("DELETE", `/api/v1/keys/${second.id}`, undefined, second.key)).status).toBe(
      409,
    );
    expect(await adminCount(gateway)).toBe(1);
  });

  it("two admins revoking each other at once leave one admin", async () => {
    const second = await createSecondAdmin();
    const answers = await Promise.all([
      gateway.api("DELETE", `/api/v1/keys/${second.id}`, undefined, firstKey),
      gateway.api("DELETE", `/api/v1/keys/${firstId}`, undefined, second.key),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    // One revocation wins; the other finds the last admin key (409), or, had the winner finished
    // before it even authenticated, its own key already gone (401).
    expect(statuses).toContain(204);
    expect([
      [204, 409],
      [204, 401],
    ]).toContainEqual(statuses);
    expect(await adminCount(gateway)).toBe(1);
  });

  it("the store refuses the second of two concurrent revocations of the last two admin keys", async () => {
    const db = gateway.store.db;
    // Several rounds: without the row locks PostgreSQL lets both through almost every time.
    for (let round = 0; round < 5; round++) {
      await db.delete(apiKeys);
      const [one, two] = [await createApiKey(db, "admin", "one"), await createApiKey(db, "admin", "two")];
      const results = await Promise.all([revokeApiKey(db, one.row.id), revokeApiKey(db, two.row.id)]);
      expect(results.sort()).toEqual(["last_admin", "revoked"]);
      expect(await adminCount(gateway)).toBe(1);
    }
  });
});

describe.each(storeKinds())("a bootstrap token on %s", (kind) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(kind);
  });
  afterAll(() => gateway.close());

  it("with HERALD_ADMIN_TOKEN set the last admin key may be revoked", async () => {
    const db = gateway.store.db;
    expect(await hasAdminKey(db)).toBe(false);
    await createApiKey(db, "viewer", "not an admin");
    expect(await hasAdminKey(db)).toBe(false);
    const { row } = await createApiKey(db, "admin", "only admin");
    expect(await hasAdminKey(db)).toBe(true);
    expect((await gateway.api("DELETE", `/api/v1/keys/${row.id}`)).status).toBe(204);
    expect(await hasAdminKey(db)).toBe(false);
    // The bootstrap token still gives admin access.
    expect((await gateway.api("GET", "/api/v1/keys", undefined, ADMIN_TOKEN)).status).toBe(200);
  });
});

describe.each(storeKinds())("list limits on %s", (kind) => {
  const COUNT = 101;
  let gateway: TestGateway;
  let webhookIds: string[];

  beforeAll(async () => {
    gateway = await startTestGateway(kind);
    const db = gateway.store.db;
    const row = inputToRow(
      webhookInputSchema.parse({ name: "x", url: "http://127.0.0.1:9/", is_active: false }),
    );
    webhookIds = [];
    for (let index = 0; index < COUNT; index++) {
      const name = `hook-${String(index).padStart(3, "0")}`;
      webhookIds.push((await insertWebhook(db, { ...row, name, createdAt: at(index) })).id);
    }
    await db.insert(apiKeys).values(
      Array.from({ length: COUNT }, (_, index) => ({
        name: `key-${index}`,
        role: "viewer",
        keyHash: hashKey(`key-${index}`),
        prefix: "hk_test",
        createdAt: at(index),
      })),
    );
    // Deliveries already delivered, so the engine leaves them alone.
    const [event] = await db
      .insert(events)
      .values({
        id: "e1",
        source: "test",
        type: "hit",
        time: at(0).toISOString(),
        severity: "info",
        title: "hit",
        data: {},
      })
      .returning({ key: events.key });
    await db.insert(deliveries).values(
      Array.from({ length: COUNT }, (_, index) => ({
        webhookId: webhookIds[0] as string,
        eventKey: (event as { key: number }).key,
        status: "delivered" as const,
        createdAt: at(index),
      })),
    );
  });
  afterAll(() => gateway.close());

  const expectLimitRefused = async (path: string) => {
    for (const limit of ["1001", "0", "ten"]) {
      const { status, body } = await gateway.api("GET", `${path}?limit=${limit}`);
      expect(status).toBe(422);
      expect(body.issues).toEqual([expect.objectContaining({ path: "limit" })]);
    }
  };

  it("GET /webhooks?limit=5 returns five, newest first", async () => {
    const { status, body } = await gateway.api("GET", "/api/v1/webhooks?limit=5");
    expect(status).toBe(200);
    expect(body.data.map((webhook: any) => webhook.name)).toEqual([
      "hook-100",
      "hook-099",
      "hook-098",
      "hook-097",
      "hook-096",
    ]);
  });

  it("limit defaults to 100 and 1001 is refused naming limit", async () => {
    const { body } = await gateway.api("GET", "/api/v1/webhooks");
    expect(body.data).toHaveLength(100);
    expect(body.data[0].name).toBe("hook-100");
    expect((await gateway.api("GET", "/api/v1/webhooks?limit=1000")).body.data).toHaveLength(COUNT);
    await expectLimitRefused("/api/v1/webhooks");
  });

  it("GET /keys honours limit: 100 by default, at most 1000", async () => {
    expect((await gateway.api("GET", "/api/v1/keys")).body.data).toHaveLength(100);
    const five = (await gateway.api("GET", "/api/v1/keys?limit=5")).body.data;
    expect(five.map((key: any) => key.name)).toEqual(["key-100", "key-99", "key-98", "key-97", "key-96"]);
    expect((await gateway.api("GET", "/api/v1/keys?limit=1000")).body.data).toHaveLength(COUNT);
    await expectLimitRefused("/api/v1/keys");
  });

  it("GET /webhooks/{id}/deliveries honours limit: 100 by default, at most 1000", async () => {
    const path = `/api/v1/webhooks/${webhookIds[0]}/deliveries`;
    const all = (await gateway.api("GET", path)).body.data;
    expect(all).toHaveLength(100);
    expect(all[0].created_at).toBe(at(100).toISOString());
    const five = (await gateway.api("GET", `${path}?limit=5`)).body.data;
    expect(five.map((delivery: any) => delivery.created_at)).toEqual(
      [100, 99, 98, 97, 96].map((index) => at(index).toISOString()),
    );
    expect((await gateway.api("GET", `${path}?limit=1000`)).body.data).toHaveLength(COUNT);
    await expectLimitRefused(path);
  });

  it("GET /webhooks/events/types honours limit", async () => {
    const all = (await gateway.api("GET", "/api/v1/webhooks/events/types")).body.data;
    expect(all.length).toBeGreaterThan(2);
    expect((await gateway.api("GET", "/api/v1/webhooks/events/types?limit=2")).body.data).toEqual(
      all.slice(0, 2),
    );
    await expectLimitRefused("/api/v1/webhooks/events/types");
  });
});
