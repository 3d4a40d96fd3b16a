import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";

describe.each(storeKinds())("API keys and roles on %s", (kind) => {
  let gateway: TestGateway;
  let viewerKey: string;
  let ingestKey: string;
  let webhookId: string;

  beforeAll(async () => {
    gateway = await startTestGateway(kind);
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "pentester" })).body.key;
    ingestKey = (await gateway.api("POST", "/api/v1/keys", { role: "ingest", name: "waf" })).body.key;
    webhookId = (
      await gateway.api("POST", "/api/v1/webhooks", {
        name: "siem",
        url: "http://127.0.0.1:9/hook",
        secret: "a-very-secret-value",
        headers: { "X-Team": "soc", Accept: "application/json" },
        auth: { type: "bearer", token: "downstream-token" },
        is_active: false,
      })
    ).body.id;
  });
  afterAll(() => gateway.close());

  it("answers 401 without a key, and with an unknown key", async () => {
    const none = await fetch(`${gateway.url}/api/v1/webhooks`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "unauthorized", message: /Authorization: Bearer/ });
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, "hk_not-a-key")).status).toBe(401);
  });

  it("creates keys that are shown once and listed without the key", async () => {
    const created = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "ci" });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    const listed = await gateway.api("GET", "/api/v1/keys");
    const entry = listed.body.data.find((key: any) => key.id === created.body.id);
    expect(entry).toEqual({
      id: created.body.id,
      name: "ci",
      role: "viewer",
      prefix: created.body.key.slice(0, 10),
      created_at: expect.any(String),
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
  });

  it("revokes a key: it stops working at once", async () => {
    const { body } = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "temporary" });
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, body.key)).status).toBe(200);
    expect((await gateway.api("DELETE", `/api/v1/keys/${body.id}`)).status).toBe(204);
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, body.key)).status).toBe(401);
    expect((await gateway.api("DELETE", `/api/v1/keys/${body.id}`)).status).toBe(404);
  });

  it("rejects a key request with a bad role, naming the field", async () => {
    const { status, body } = await gateway.api("POST", "/api/v1/keys", { role: "root", name: "x" });
    expect(status).toBe(422);
    expect(body.issues).toEqual([expect.objectContaining({ path: "role" })]);
  });

  it("lets a viewer list and read webhooks and deliveries, never a secret", async () => {
    const list = await gateway.api("GET", "/api/v1/webhooks", undefined, viewerKey);
    expect(list.status).toBe(200);
    const [webhook] = list.body.data;
    expect(webhook).toMatchObject({ id: webhookId, has_secret: true, url: "http://127.0.0.1:9/********" });
    expect(webhook.headers).toEqual({ "X-Team": "********", Accept: "application/json" });
    expect(JSON.stringify(list.body)).not.toContain("a-very-secret-value");
    expect(JSON.stringify(list.body)).not.toContain("downstream-token");
    expect((await gateway.api("GET", `/api/v1/webhooks/${webhookId}`, undefined, viewerKey)).status).toBe(
      200,
    );
    expect(
      (await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries`, undefined, viewerKey)).status,
    ).toBe(200);
    expect((await gateway.api("GET", "/api/v1/webhooks/events/types", undefined, viewerKey)).status).toBe(
      200,
    );
  });

  it("never shows the secret to an admin either", async () => {
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhookId}`);
    expect(body).not.toHaveProperty("secret");
    expect(body.has_secret).toBe(true);
    expect(body.headers).toEqual({ "X-Team": "soc", Accept: "application/json" });
  });

  it.each([
    ["POST", "/api/v1/webhooks", { name: "x", url: "http://127.0.0.1:9/" }],
    ["PUT", "/api/v1/webhooks/:id", { name: "renamed" }],
    ["DELETE", "/api/v1/webhooks/:id", undefined],
    ["POST", "/api/v1/webhooks/:id/test", {}],
    ["POST", "/api/v1/events", rawFixture("website-defender-auto-ban")],
    ["GET", "/api/v1/keys", undefined],
    ["POST", "/api/v1/keys", { role: "admin", name: "escalate" }],
  ])("forbids a viewer to %s %s", async (method, path, body) => {
    const { status, body: answer } = await gateway.api(
      method,
      path.replace(":id", webhookId),
      body,
      viewerKey,
    );
    expect(status).toBe(403);
    expect(answer.message).toMatch(/the viewer role may not/);
    expect((await gateway.api("GET", `/api/v1/webhooks/${webhookId}`)).body.name).toBe("siem");
  });

  it("lets an ingest key post events and nothing else", async () => {
    expect(
      (await gateway.api("POST", "/api/v1/events", rawFixture("wallarm-hit-sqli"), ingestKey)).status,
    ).toBe(202);
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, ingestKey)).status).toBe(403);
    expect((await gateway.api("GET", "/api/v1/webhooks/events/types", undefined, ingestKey)).status).toBe(
      403,
    );
    expect(
      (await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries`, undefined, ingestKey)).status,
    ).toBe(403);
  });
});
