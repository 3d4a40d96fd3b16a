import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { startTestGateway, type TestGateway } from "../support/gateway";

describe.each(storeKinds())("webhook API on %s", (kind) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(kind);
  });
  afterAll(() => gateway.close());

  const create = (fields: Record<string, unknown>) =>
    gateway.api("POST", "/api/v1/webhooks", { name: "hook", url: "https://siem.example/hook", ...fields });

  it("creates a webhook with the documented defaults", async () => {
    const { status, body } = await create({});
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "hook",
      url: "https://siem.example/hook",
      has_secret: false,
      previous_secret_until: null,
      event_types: ["*"],
      events_policy: "include",
      min_severity: "info",
      format: "json",
      options: {},
      template: null,
      method: "POST",
      headers: {},
      destination: { kind: "http", auth: null, tls: null },
      auth: null,
      tls: null,
      splunk_hec: null,
      syslog: null,
      timeout_ms: 5000,
      connect_timeout_ms: 3000,
      retry_count: 3,
      max_in_flight: 16,
      rate_limit: null,
      ordering: "unordered",
      discard_after_s: null,
      lossy: false,
      max_queue: null,
      dedup: null,
      group: null,
      state: "active",
      is_active: true,
      managed_by: null,
      managed_file: null,
      state_changed_by: "bootstrap",
      state_changed_at: expect.any(String),
      failure_count: 0,
      disabled_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  it("lists webhooks newest first in a data array", async () => {
    const first = await create({ name: "older" });
    const second = await create({ name: "newer" });
    const { body } = await gateway.api("GET", "/api/v1/webhooks");
    const ids = body.data.map((webhook: any) => webhook.id);
    expect(ids.indexOf(second.body.id)).toBeLessThan(ids.indexOf(first.body.id));
  });

  it("updates only the fields a PUT sends, and keeps the secret unless it is replaced", async () => {
    const { body: created } = await create({
      secret: "s3cret-value",
      event_types: ["auth.*"],
      retry_count: 5,
    });
    const { status, body } = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, { name: "renamed" });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      name: "renamed",
      event_types: ["auth.*"],
      retry_count: 5,
      has_secret: true,
    });
    const cleared = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, { secret: null });
    expect(cleared.body.has_secret).toBe(false);
  });

  it("accepts a webhook sent back as it was read (read-only fields are ignored)", async () => {
    const { body: created } = await create({});
    const { status, body } = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, {
      ...created,
      name: "again",
    });
    expect(status).toBe(200);
    expect(body.name).toBe("again");
  });

  it("accepts back TLS settings as read, keeping the stored key or the lack of one", async () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const { body: created } = await create({ tls: { ca } });
    expect(created.tls).toEqual({ ca, allow_invalid_certs: false, has_key: false });
    const { status, body } = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, created);
    expect(status).toBe(200);
    expect(body.tls).toEqual(created.tls);
  });

  it("stores the URL as the URL parser writes it", async () => {
    const { body } = await create({ url: "HTTPS://SIEM.example:443/a/../hook" });
    expect(body.url).toBe("https://siem.example/hook");
  });

  it("deletes a webhook", async () => {
    const { body: created } = await create({});
    expect((await gateway.api("DELETE", `/api/v1/webhooks/${created.id}`)).status).toBe(204);
    expect((await gateway.api("GET", `/api/v1/webhooks/${created.id}`)).status).toBe(404);
  });

  it.each([
    [{ url: "not a url" }, "url", /absolute URL/],
    [{ url: "ftp://example.org/x" }, "url", /scheme must be one of/],
    [{ timeout_ms: 50 }, "timeout_ms", /1000/],
    [{ timeout_ms: 60_000 }, "timeout_ms", /30000/],
    [{ retry_count: 11 }, "retry_count", /10/],
    [{ min_severity: "urgent" }, "min_severity", /info/],
    [{ events_policy: "only" }, "events_policy", /include/],
    [{ method: "GET" }, "method", /POST/],
    [{ headers: { "bad header": "x" } }, "headers.bad header", /not a valid HTTP header name/],
    [{ headers: { "Content-Length": "1" } }, "headers.Content-Length", /may not be overridden/],
    [{ headers: { "X-Injected": "a\r\nX-Evil: 1" } }, "headers.X-Injected", /line breaks/],
    [{ secret: "whsec_!!!!!!!!!!!!" }, "secret", /base64 of 24 to 64/],
    [{ name: "nul \u0000" }, "name", /NUL/],
    [{ format: "xml" }, "format", /unknown format "xml"/],
    [{ options: { anything: 1 } }, "options", /anything/],
    [{ name: "" }, "name", />=1 characters/],
    [{ event_types: [] }, "event_types", />=1 items/],
    [{ secret: "short" }, "secret", /at least 8 characters/],
    [{ is_active: "yes" }, "is_active", /boolean/],
    [{ colour: "red" }, "", /colour/],
  ])("rejects %j with 422 naming %s", async (fields, path, message) => {
    const { status, body } = await create(fields);
    expect(status).toBe(422);
    expect(body.error).toBe("validation_failed");
    expect(body.issues).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    );
  });

  it("rejects a template that does not compile, with line and column", async () => {
    const { status, body } = await create({ template: '{\n  "t": {{json title}}}' });
    expect(status).toBe(422);
    expect(body.issues).toEqual([expect.objectContaining({ path: "template", line: 2, column: 20 })]);
  });

  it("rejects a template that compiles but does not render valid output for a sample event", async () => {
    const { status, body } = await create({ template: '{"t": {{title}} }' });
    expect(status).toBe(422);
    expect(body.issues).toEqual([
      expect.objectContaining({
        path: "template",
        message: expect.stringMatching(/sample .* event: .*valid JSON/),
      }),
    ]);
  });

  it("rejects a template that calls a missing helper", async () => {
    const { status, body } = await create({ template: '{"t": {{nosuchhelper title}} }' });
    expect(status).toBe(422);
    expect(body.issues[0].message).toMatch(/nosuchhelper/);
  });

  it("a PUT that breaks a rule changes nothing", async () => {
    const { body: created } = await create({ name: "stable" });
    const { status } = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, {
      name: "x",
      timeout_ms: 1,
    });
    expect(status).toBe(422);
    expect((await gateway.api("GET", `/api/v1/webhooks/${created.id}`)).body.name).toBe("stable");
  });

  it("answers 400 for a body that is not JSON, and 404 for unknown ids", async () => {
    const bad = await gateway.api("POST", "/api/v1/webhooks", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/invalid JSON/);
    expect((await gateway.api("GET", "/api/v1/webhooks/not-a-uuid")).status).toBe(404);
    expect(
      (await gateway.api("PUT", "/api/v1/webhooks/00000000-0000-0000-0000-000000000000", {})).status,
    ).toBe(404);
  });

  it("serves the event type catalog with descriptions", async () => {
    const { body } = await gateway.api("GET", "/api/v1/webhooks/events/types");
    const types = body.data.map((entry: any) => entry.type);
    for (const type of [
      "auto_ban",
      "brute_force",
      "hit",
      "vulnerability",
      "critical_finding",
      "auth.failed",
    ]) {
      expect(types).toContain(type);
    }
    expect(body.data[0]).toEqual({ type: expect.any(String), description: expect.any(String) });
  });
});
