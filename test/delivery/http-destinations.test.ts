import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getWebhook } from "../../src/store/webhooks";
import { generateTestCerts, type TestCerts } from "../support/certs";
import { rawFixture } from "../support/fixtures";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { startReceiver } from "../support/receiver";
import { startSplunkHecStandIn } from "../support/splunk-hec";

describe("HTTP destinations through the gateway: TLS, auth, Splunk HEC, egress", () => {
  let certs: TestCerts;
  let gateway: TestGateway;

  beforeAll(async () => {
    certs = await generateTestCerts();
    gateway = await startTestGateway("pglite", { HERALD_EGRESS_DENY: "127.0.0.2/32" });
  });
  afterAll(async () => {
    await gateway?.close();
    await certs?.cleanup();
  });

  async function subscribe(fields: Record<string, unknown>) {
    const { status, body } = await gateway.api("POST", "/api/v1/webhooks", { name: "h", ...fields });
    expect(status, JSON.stringify(body)).toBe(201);
    return body;
  }

  /** A splunk_hec webhook posting to `hec`'s event endpoint with `token`. */
  function subscribeToHec(hec: { origin: string }, token: string, fields: Record<string, unknown>) {
    return subscribe({
      url: `${hec.origin}/services/collector/event`,
      format: "splunk_hec",
      auth: { type: "splunk", token },
      ...fields,
    });
  }

  async function finalDelivery(webhookId: string) {
    return eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhookId}/deliveries`);
      return body.data.find((d: any) => d.status === "delivered" || d.status === "dead");
    });
  }

  it("delivers over HTTPS to a receiver that requires a client certificate, with basic auth", async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: "ok" }), {
      tls: { certs, requireClientCert: true },
    });
    try {
      const webhook = await subscribe({
        url: `${receiver.origin}/hook`,
        tls: { ca: certs.ca.pem, cert: certs.client.cert.pem, key: certs.client.key.pem },
        auth: { type: "basic", username: "soc", password: "pa55word" },
        event_types: ["auto_ban"],
      });
      await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-auto-ban"));
      expect(await finalDelivery(webhook.id)).toMatchObject({ status: "delivered" });
      expect(receiver.requests[0]?.clientCertCn).toBeTruthy();
      expect(receiver.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from("soc:pa55word").toString("base64")}`,
      );
    } finally {
      await receiver.close();
    }
  });

  it("never shows auth secrets or the TLS key, and keeps them when a read webhook is sent back", async () => {
    const created = await subscribe({
      url: "https://127.0.0.1:9/",
      auth: { type: "bearer", token: "tok-123456" },
      tls: { ca: certs.ca.pem, cert: certs.client.cert.pem, key: certs.client.key.pem },
      is_active: false,
    });
    expect(created.auth).toEqual({ type: "bearer" });
    expect(created.tls).toMatchObject({ has_key: true, allow_invalid_certs: false });
    expect(JSON.stringify(created)).not.toContain("tok-123456");
    expect(JSON.stringify(created)).not.toContain("PRIVATE KEY");
    const updated = await gateway.api("PUT", `/api/v1/webhooks/${created.id}`, {
      ...created,
      name: "renamed",
    });
    expect(updated.status).toBe(200);
    const row = await getWebhook(gateway.store.db, created.id);
    expect(row?.destination.auth).toEqual({ type: "bearer", token: "tok-123456" });
    expect((row?.destination.tls as { key?: string } | undefined)?.key).toBe(certs.client.key.pem);
  });

  it("fails permanently when the server certificate is not from the given CA", async () => {
    const receiver = await startReceiver(() => ({ status: 200 }), { tls: { certs } });
    try {
      const webhook = await subscribe({
        url: `${receiver.origin}/`,
        tls: { ca: certs.otherCa.pem },
        retry_count: 5,
        event_types: ["hit"],
      });
      await gateway.api("POST", "/api/v1/events", { type: "hit", id: "tls-bad" });
      expect(await finalDelivery(webhook.id)).toMatchObject({ status: "dead", attempt: 1 });
    } finally {
      await receiver.close();
    }
  });

  it("sends Splunk HEC events with the token, and waits for indexer acknowledgement", async () => {
    const hec = await startSplunkHecStandIn({
      tokens: { "hec-token": { ack: true, pollsBeforeIndexed: 1 } },
    });
    try {
      const webhook = await subscribeToHec(hec, "hec-token", {
        options: { index: "security", sourcetype: "herald:event" },
        splunk_hec: { ack: true },
        event_types: ["brute_force"],
      });
      expect(webhook.splunk_hec.channel).toMatch(/^[0-9a-f-]{36}$/);
      await gateway.api("POST", "/api/v1/events", rawFixture("website-defender-brute-force"));
      expect(await finalDelivery(webhook.id)).toMatchObject({ status: "delivered", success: true });
      const [sent, ...polls] = hec.requests;
      expect(sent?.headers.authorization).toBe("Splunk hec-token");
      expect(sent?.headers["x-splunk-request-channel"]).toBe(webhook.splunk_hec.channel);
      expect(JSON.parse(sent?.body ?? "")).toMatchObject({
        index: "security",
        event: { title: expect.any(String) },
      });
      expect(polls.map((poll) => poll.url)).toContain("/services/collector/ack");
    } finally {
      await hec.close();
    }
  });

  it("sends deliveries due together to Splunk HEC in one request, and records each", async () => {
    const hec = await startSplunkHecStandIn({ tokens: { batch: {} } });
    try {
      const webhook = await subscribeToHec(hec, "batch", {
        event_types: ["hit"],
      });
      const events = Array.from({ length: 20 }, (_, i) => ({
        type: "hit",
        id: `batched-${i}`,
        title: `hit ${i}`,
      }));
      await gateway.api("POST", "/api/v1/events", events);
      const delivered = await eventually(async () => {
        const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}/deliveries?limit=100`);
        return body.data.filter((d: any) => d.status === "delivered").length === 20 ? body.data : undefined;
      });
      expect(delivered).toHaveLength(20);
      const posts = hec.requests.filter((request) => request.url === "/services/collector/event");
      expect(posts.length).toBeLessThan(20);
      const sentIds = posts.flatMap((post) =>
        post.body.split("\n").map((line) => JSON.parse(line).event.id as string),
      );
      expect(sentIds.sort()).toEqual(events.map((event) => event.id).sort());
    } finally {
      await hec.close();
    }
  });

  it("makes a Splunk token error a dead delivery that says so", async () => {
    const hec = await startSplunkHecStandIn({ tokens: { good: {} } });
    try {
      const webhook = await subscribeToHec(hec, "wrong", {
        event_types: ["hit"],
      });
      await gateway.api("POST", "/api/v1/events", { type: "hit", id: "hec-bad-token" });
      const dead = await finalDelivery(webhook.id);
      expect(dead).toMatchObject({ status: "dead", attempt: 1 });
      expect(dead.error).toMatch(/code 4|invalid token/i);
    } finally {
      await hec.close();
    }
  });

  it("refuses a destination the egress policy denies, at send time, permanently", async () => {
    const metadata = await subscribe({
      url: "http://169.254.169.254/latest/meta-data",
      event_types: ["scan_detected"],
    });
    const configured = await subscribe({ url: "http://127.0.0.2:9/", event_types: ["scan_detected"] });
    await gateway.api("POST", "/api/v1/events", { type: "scan_detected", id: "egress" });
    const [first, second] = [await finalDelivery(metadata.id), await finalDelivery(configured.id)];
    expect(first).toMatchObject({ status: "dead", attempt: 1 });
    expect(first.error).toMatch(/169\.254\.169\.254.*169\.254\.0\.0\/16/);
    expect(second.error).toMatch(/127\.0\.0\.2.*127\.0\.0\.2\/32/);
  });
});
