import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { EACH_BOMB, EACH_BOMB_ROWS } from "../support/hostile-templates";
import { type Receiver, startReceiver } from "../support/receiver";

describe.each(storeKinds())("delivery engine on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeEach(async () => {
    gateway = await startTestGateway(kind, { HERALD_FAILURE_THRESHOLD: "6" });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await gateway.close();
    await receiver.close();
  });

  async function createWebhook(fields: Record<string, unknown> = {}) {
    const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "receiver",
      url: receiver.url,
      ...fields,
    });
    expect(status).toBe(201);
    return body as { id: string };
  }

  async function deliveries(webhookId: string) {
    return (await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries`)).body.data as any[];
  }

  async function deliveryWhere(webhookId: string, predicate: (delivery: any) => boolean) {
    return eventually(async () => (await deliveries(webhookId)).find(predicate));
  }

  it("delivers a posted event as the generic JSON object", async () => {
    await createWebhook();
    const posted = await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-auto-ban"));
    expect(posted.status).toBe(202);
    const [request] = await receiver.waitFor(1);
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      id: "wd-2026-02-20-000123",
      event_type: "auto_ban",
      severity: "high",
      source: "website-defender",
      title: "192.168.1.100 auto-banned for 1h",
      time: "2026-02-20T10:30:00.000Z",
      data: { client_ip: "192.168.1.100", reason: "excessive 4xx responses", banned_for: "1h" },
    });
  });

  it("signs with X-Webhook-Signature and Standard Webhooks headers that the reference library verifies", async () => {
    const secret = `whsec_${Buffer.from("a secret of thirty-two bytes!!!!").toString("base64")}`;
    await createWebhook({ secret });
    await gateway.api("POST", "/api/v1/events", rawFixture("pentest-critical-finding"));
    const [request] = await receiver.waitFor(1);
    const headers = request?.headers as Record<string, string>;
    const body = request?.body ?? "";
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    const hex = createHmac("sha256", Buffer.from("a secret of thirty-two bytes!!!!"))
      .update(body)
      .digest("hex");
    expect(headers["x-webhook-signature"]).toBe(`sha256=${hex}`);
  });

  it("uses a secret without the whsec_ prefix as its UTF-8 bytes", async () => {
    const secret = "plain-text-secret-ünïcode";
    await createWebhook({ secret });
    await gateway.api("POST", "/api/v1/events", rawFixture("mailserver-auth-failed"));
    const [request] = await receiver.waitFor(1);
    const headers = request?.headers as Record<string, string>;
    const asWhsec = `whsec_${Buffer.from(secret, "utf8").toString("base64")}`;
    expect(() => new Webhook(asWhsec).verify(request?.body ?? "", headers)).not.toThrow();
    const hex = createHmac("sha256", secret)
      .update(request?.body ?? "")
      .digest("hex");
    expect(headers["x-webhook-signature"]).toBe(`sha256=${hex}`);
  });

  it("a retried delivery keeps its webhook-id, and succeeds after a 503", async () => {
    const webhook = await createWebhook({ secret: "retry-secret-123" });
    let calls = 0;
    receiver.answerWith(() => {
      calls++;
      return calls === 1 ? { status: 503, body: "busy" } : { status: 200, body: "ok" };
    });
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const [first, second] = await receiver.waitFor(2);
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    const delivered = await deliveryWhere(webhook.id, (d) => d.status === "delivered");
    expect(delivered).toMatchObject({
      attempt: 2,
      status_code: 200,
      success: true,
      event_type: "brute_force",
    });
    expect(delivered.id).toBe(first?.headers["webhook-id"]);
    const detail = await gateway.api("GET", `/api/v1/deliveries/${delivered.id}`);
    expect(detail.body.attempts.map((a: any) => [a.attempt, a.status_code, a.response_excerpt])).toEqual([
      [1, 503, "busy"],
      [2, 200, "ok"],
    ]);
  });

  it("retries a 5xx up to retry_count and then marks the delivery dead", async () => {
    const webhook = await createWebhook({ retry_count: 2 });
    receiver.answerWith(() => ({ status: 500, body: "boom" }));
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const dead = await deliveryWhere(webhook.id, (d) => d.status === "dead");
    expect(dead).toMatchObject({ attempt: 3, status_code: 500, success: false, error: "HTTP 500" });
    expect(receiver.requests).toHaveLength(3);
  });

  it("does not retry a permanent 4xx", async () => {
    const webhook = await createWebhook({ retry_count: 5 });
    receiver.answerWith(() => ({ status: 400, body: '{"error":"bad payload"}' }));
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const dead = await deliveryWhere(webhook.id, (d) => d.status === "dead");
    expect(dead).toMatchObject({ attempt: 1, status_code: 400, response_excerpt: '{"error":"bad payload"}' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(1);
  });

  it.each([408, 429])("retries a %i", async (statusCode) => {
    const webhook = await createWebhook({ retry_count: 1 });
    receiver.answerWith(() => ({ status: receiver.requests.length === 1 ? statusCode : 204 }));
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    await deliveryWhere(webhook.id, (d) => d.status === "delivered" && d.attempt === 2);
  });

  it("honours Retry-After before trying again", async () => {
    const webhook = await createWebhook();
    receiver.answerWith(() =>
      receiver.requests.length === 1
        ? { status: 429, headers: { "retry-after": "1" } }
        : { status: 200, body: "ok" },
    );
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const waiting = await deliveryWhere(webhook.id, (d) => d.status === "retrying");
    const delayMs = Date.parse(waiting.next_attempt_at) - Date.parse(waiting.updated_at);
    expect(delayMs).toBeGreaterThanOrEqual(900);
    const [first, second] = await receiver.waitFor(2, 5000);
    expect(first && second).toBeTruthy();
    await deliveryWhere(webhook.id, (d) => d.status === "delivered");
  });

  it("treats a timeout and a refused connection as retryable failures", async () => {
    const slow = await createWebhook({ timeout_ms: 1000, retry_count: 1 });
    receiver.answerWith(() => new Promise<never>(() => {})); // never answers
    const closedPort = await createWebhook({ url: "http://127.0.0.1:1/", retry_count: 1 });
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const timedOut = await deliveryWhere(slow.id, (d) => d.status === "dead");
    expect(timedOut.error).toMatch(/timed out after 1000 ms/);
    expect(timedOut.attempt).toBe(2);
    const refused = await deliveryWhere(closedPort.id, (d) => d.status === "dead");
    expect(refused.error).toMatch(/ECONNREFUSED/);
    expect(refused.attempt).toBe(2);
  });

  it("records an answer holding NUL bytes and invalid UTF-16 instead of stalling on it", async () => {
    const webhook = await createWebhook();
    receiver.answerWith(() => ({ status: 200, body: "ok\u0000\ud800 done" }));
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const delivered = await deliveryWhere(webhook.id, (d) => d.status === "delivered");
    expect(delivered.response_excerpt).toBe("ok\ufffd\ufffd done");
  });

  it("a change that does not mention is_active leaves a webhook the threshold switched off, off", async () => {
    const webhook = await createWebhook();
    const { webhooks } = await import("../../src/store/schema");
    const { eq } = await import("drizzle-orm");
    await gateway.store.db.update(webhooks).set({ isActive: false }).where(eq(webhooks.id, webhook.id));
    const { body } = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { name: "renamed" });
    expect(body).toMatchObject({ name: "renamed", is_active: false });
  });

  it("does not follow a redirect, and names the Location", async () => {
    const webhook = await createWebhook();
    receiver.answerWith(() => ({ status: 302, headers: { location: "http://127.0.0.1:9/elsewhere" } }));
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
    const dead = await deliveryWhere(webhook.id, (d) => d.status === "dead");
    expect(dead.error).toContain("Location: http://127.0.0.1:9/elsewhere");
  });

  it("sends PUT with custom headers and auth when asked", async () => {
    await createWebhook({
      method: "PUT",
      headers: { "X-Team": "soc" },
      auth: { type: "bearer", token: "t0ken" },
    });
    await gateway.api("POST", "/api/v1/events", rawFixture("mailserver-auth-failed"));
    const [request] = await receiver.waitFor(1);
    expect(request).toMatchObject({
      method: "PUT",
      headers: { "x-team": "soc", authorization: "Bearer t0ken" },
    });
  });

  it("deactivates a webhook after the failure threshold, with the reason in the API", async () => {
    const webhook = await createWebhook({ retry_count: 0 });
    receiver.answerWith(() => ({ status: 500 }));
    const events = Array.from({ length: 6 }, (_, i) => ({ type: "brute_force", id: `e${i}`, source: "t" }));
    await gateway.api("POST", "/api/v1/events", events);
    const deactivated = await eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
      return body.is_active ? undefined : body;
    });
    expect(deactivated.failure_count).toBe(6);
    expect(deactivated.disabled_reason).toMatch(
      /deactivated after 6 consecutive failed attempts; last error: HTTP 500/,
    );

    // Switching it back on resets the count.
    const reactivated = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { is_active: true });
    expect(reactivated.body).toMatchObject({ is_active: true, failure_count: 0, disabled_reason: null });
  });

  it("a success resets the consecutive failure count", async () => {
    const webhook = await createWebhook({ retry_count: 0 });
    receiver.answerWith(() => ({ status: receiver.requests.length <= 2 ? 500 : 200 }));
    for (const id of ["a", "b"])
      await gateway.api("POST", "/api/v1/events", { type: "hit", id, source: "t" });
    await eventually(async () =>
      (await deliveries(webhook.id)).filter((d) => d.status === "dead").length === 2 ? true : undefined,
    );
    expect((await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`)).body.failure_count).toBe(2);
    await gateway.api("POST", "/api/v1/events", { type: "hit", id: "c", source: "t" });
    await eventually(async () =>
      (await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`)).body.failure_count === 0
        ? true
        : undefined,
    );
  });

  it("retries a dead delivery on request, under the same webhook-id", async () => {
    const webhook = await createWebhook({ retry_count: 0 });
    receiver.answerWith(() => ({ status: receiver.requests.length === 1 ? 500 : 200 }));
    await gateway.api("POST", "/api/v1/events", rawFixture("wallarm-hit-sqli"));
    const dead = await deliveryWhere(webhook.id, (d) => d.status === "dead");
    const retried = await gateway.api("POST", `/api/v1/deliveries/${dead.id}/retry`);
    expect(retried.status).toBe(202);
    const delivered = await deliveryWhere(webhook.id, (d) => d.status === "delivered");
    expect(delivered).toMatchObject({ id: dead.id, attempt: 2 });
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([dead.id, dead.id]);
  });

  it("sends a test delivery at once and answers with what the receiver said", async () => {
    const webhook = await createWebhook();
    receiver.answerWith(() => ({ status: 201, body: "created it" }));
    const { status, body } = await gateway.api("POST", `/api/v1/webhooks/${webhook.id}/test`, {
      event_type: "auto_ban",
      payload: { client_ip: "203.0.113.9" },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: "delivered",
      success: true,
      status_code: 201,
      response_excerpt: "created it",
    });
    expect(JSON.parse(receiver.requests[0]?.body ?? "")).toMatchObject({
      event_type: "auto_ban",
      data: { client_ip: "203.0.113.9" },
    });
    const history = await deliveries(webhook.id);
    expect(history).toEqual([
      expect.objectContaining({ id: body.delivery_id, is_test: true, status: "delivered" }),
    ]);
  });

  it("lists a webhook's deliveries newest first, with a limit", async () => {
    const webhook = await createWebhook();
    for (const id of ["one", "two", "three"]) {
      await gateway.api("POST", "/api/v1/events", { type: "hit", id, source: "order" });
      await receiver.waitFor(["one", "two", "three"].indexOf(id) + 1);
    }
    await eventually(async () =>
      (await deliveries(webhook.id)).every((d) => d.status === "delivered") ? true : undefined,
    );
    const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}/deliveries?limit=2`);
    expect(body.data.map((d: any) => d.event_id)).toEqual(["three", "two"]);
    expect(Object.keys(body.data[0]).sort()).toEqual(
      [
        "id",
        "webhook_id",
        "webhook_name",
        "event_id",
        "event_source",
        "event_type",
        "dedup_key",
        "repeats_suppressed",
        "reported_by",
        "status",
        "attempt",
        "status_code",
        "success",
        "error",
        "duration_ms",
        "response_excerpt",
        "warnings",
        "is_test",
        "created_at",
        "updated_at",
        "next_attempt_at",
      ].sort(),
    );
  });

  it("a template that fails at send time makes the delivery dead, not retried", async () => {
    const webhook = await createWebhook({ retry_count: 3, template: '{"client": {{json data.client_ip}} }' });
    // Saved templates are checked; break this one behind the API's back to simulate a later failure.
    const { webhooks } = await import("../../src/store/schema");
    const { eq } = await import("drizzle-orm");
    await gateway.store.db.update(webhooks).set({ template: "{{#each}}" }).where(eq(webhooks.id, webhook.id));
    await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-auto-ban"));
    const dead = await deliveryWhere(webhook.id, (d) => d.status === "dead");
    expect(dead.error).toMatch(/^template error:/);
    expect(dead.attempt).toBe(1);
    expect(receiver.requests).toHaveLength(0);
  });

  it("a render that runs out of time is retried (a busy machine may be to blame), and dead once its retries are spent", async () => {
    // Stopped at the time limit (250 ms) every time.
    const webhook = await createWebhook({ retry_count: 1, event_types: ["hit"], template: EACH_BOMB });
    const event = { type: "hit", data: { rows: EACH_BOMB_ROWS } };
    expect((await gateway.api("POST", "/api/v1/events", event)).status).toBe(202);
    const dead = await deliveryWhere(webhook.id, (d) => d.status === "dead");
    expect(dead.error).toMatch(/^template error: the template took longer than 250 ms to render/);
    expect(dead.attempt).toBe(2);
    expect(receiver.requests).toHaveLength(0);
  });
});
