import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { USER_AGENT } from "../../src/delivery/attempt";
import { openSenders } from "../../src/destinations/registry";
import { updateWebhook } from "../../src/store/webhooks";
import { storeKinds } from "../support/databases";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, startReceiver } from "../support/receiver";

const HERALD_OWNED = [
  "X-Webhook-Signature",
  "webhook-id",
  "Webhook-Timestamp",
  "webhook-signature",
  "Authorization",
  "authorization",
  "Host",
  "Content-Length",
  "User-Agent",
  "X-Splunk-Request-Channel",
  "Connection",
  "Transfer-Encoding",
  "Keep-Alive",
  "Upgrade",
  "Expect",
  "TE",
  "Trailer",
  "Proxy-Authorization",
  "Proxy-Connection",
];

describe.each(storeKinds())("webhook headers and credentials on %s", (kind) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(kind);
  });
  afterAll(() => gateway.close());

  // Inactive, so that nothing is delivered to the made-up URL while the suite runs.
  const create = (fields: Record<string, unknown>) =>
    gateway.api("POST", "/api/v1/webhooks", {
      name: "hook",
      url: "https://siem.example/hook",
      is_active: false,
      ...fields,
    });

  async function expectRefused(fields: Record<string, unknown>, path: string, message: RegExp) {
    const { status, body } = await create(fields);
    expect(status).toBe(422);
    expect(body.issues).toContainEqual({ path, message: expect.stringMatching(message) });
  }

  it.each(HERALD_OWNED)("a custom header may not set %s, which Herald owns (422 naming it)", async (name) => {
    await expectRefused(
      { headers: { "X-Team": "soc", [name]: "forged" } },
      `headers.${name}`,
      new RegExp(`^${name} is set by Herald itself; may not be overridden`),
    );
  });

  it("a custom Authorization header points to auth instead", async () => {
    await expectRefused(
      { headers: { Authorization: "Bearer t0ken" } },
      "headers.Authorization",
      /credentials go in auth/,
    );
  });

  it("Content-Type is accepted for json and refused for slack, whose receiver fixes it", async () => {
    const { status, body } = await create({ headers: { "Content-Type": "application/cloudevents+json" } });
    expect(status).toBe(201);
    expect(body.headers).toEqual({ "Content-Type": "application/cloudevents+json" });
    const slack = await create({ format: "slack", headers: { "content-type": "text/plain" } });
    expect(slack.status).toBe(422);
    expect(slack.body.issues).toContainEqual({
      path: "headers.content-type",
      message: "content-type is fixed by the slack format; may not be overridden",
    });
  });

  it("a viewer sees X-Pass, X-Jwt, X-Session-Id and other custom header values masked, Accept plainly", async () => {
    const headers = {
      "X-Pass": "hunter2",
      "X-Pwd": "hunter2",
      "X-Credential": "c",
      "X-Jwt": "eyJ.x.y",
      "X-Hmac": "abc",
      "X-Session-Id": "s-1",
      "X-Otp": "123456",
      "X-Team": "soc",
      Accept: "application/json",
      "x-request-id": "r-1",
      "Cache-Control": "no-cache",
    };
    const { body: created } = await create({ headers });
    const viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" })).body.key;

    const asViewer = await gateway.api("GET", `/api/v1/webhooks/${created.id}`, undefined, viewerKey);
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.headers).toEqual({
      "X-Pass": "********",
      "X-Pwd": "********",
      "X-Credential": "********",
      "X-Jwt": "********",
      "X-Hmac": "********",
      "X-Session-Id": "********",
      "X-Otp": "********",
      "X-Team": "********",
      Accept: "application/json",
      "x-request-id": "r-1",
      "Cache-Control": "no-cache",
    });
    const listed = await gateway.api("GET", "/api/v1/webhooks", undefined, viewerKey);
    expect(JSON.stringify(listed.body)).not.toContain("hunter2");

    const asAdmin = await gateway.api("GET", `/api/v1/webhooks/${created.id}`);
    expect(asAdmin.body.headers).toEqual(headers);
  });

  it.each([
    [
      { type: "bearer", token: "t0ken\r\nX-Evil: 1" },
      "auth.token",
      /visible ASCII.*Authorization header as is/,
    ],
    [{ type: "bearer", token: "two words" }, "auth.token", /without spaces/],
    [{ type: "splunk", token: "hec-token\n" }, "auth.token", /visible ASCII/],
    [{ type: "basic", username: "soc:admin", password: "p" }, "auth.username", /may not contain ":"/],
    [{ type: "basic", username: "soc\r\nX-Evil: 1", password: "p" }, "auth.username", /control characters/],
    [{ type: "basic", username: "soc\u0085", password: "p" }, "auth.username", /control characters/],
    [{ type: "basic", username: "soc", password: "p\u0007" }, "auth.password", /control characters/],
    [{ type: "basic", username: "soc", password: "p\u007f" }, "auth.password", /control characters/],
  ])(
    "a credential with a line break, control character or ':' is refused: %j (422 naming %s)",
    async (auth, path, message) => {
      await expectRefused({ auth }, path, message);
    },
  );

  it("a TLS server name must be a host name", async () => {
    await expectRefused(
      { tls: { servername: "siem.example\r\nX-Evil: 1" } },
      "tls.servername",
      /must be a host name/,
    );
  });

  it("accepts credentials with symbols, and a basic password with ':' and spaces", async () => {
    const bearer = await create({ auth: { type: "bearer", token: "a.b-c_d~e+f/g=" } });
    expect(bearer.status).toBe(201);
    const basic = await create({ auth: { type: "basic", username: "sécurité", password: "pä:ss w0rd" } });
    expect(basic.status).toBe(201);
  });
});

describe.each(storeKinds())("sending a webhook stored before headers were checked, on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;

  beforeEach(async () => {
    gateway = await startTestGateway(kind);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await gateway.close();
    await receiver.close();
  });

  async function createWebhook(fields: Record<string, unknown>) {
    const { status, body } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "receiver",
      url: receiver.url,
      ...fields,
    });
    expect(status).toBe(201);
    return body.id as string;
  }

  /** Writes straight into the store, as an older Herald that did not refuse these values would have. */
  const storeUnchecked = (id: string, values: Parameters<typeof updateWebhook>[2]) =>
    updateWebhook(gateway.store.db, id, values);

  const postEvent = () =>
    gateway.api("POST", "/api/v1/events", { type: "brute_force", id: "e1", source: "t" });

  it("a stored forged X-Webhook-Signature or User-Agent never replaces Herald's own", async () => {
    const secret = "a-very-secret-value";
    const id = await createWebhook({ secret, headers: { "X-Team": "soc" } });
    await storeUnchecked(id, {
      headers: {
        "X-Team": "soc",
        "X-Webhook-Signature": "sha256=forged",
        "User-Agent": "Forger/1.0",
        "webhook-id": "forged-id",
        "Webhook-Timestamp": "1",
        "webhook-signature": "v1,forged",
        Authorization: "Bearer forged",
      },
    });
    await postEvent();
    const [request] = await receiver.waitFor(1);
    const body = request?.body ?? "";
    const expected = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    expect(request?.headers["x-webhook-signature"]).toBe(expected);
    expect(request?.headers["user-agent"]).toBe(USER_AGENT);
    expect(request?.headers["webhook-id"]).not.toBe("forged-id");
    expect(request?.headers["webhook-timestamp"]).not.toBe("1");
    expect(request?.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(request?.headers["webhook-signature"]).not.toBe("v1,forged");
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers["x-team"]).toBe("soc");
  });

  it("a json webhook sends its Content-Type header; a stored one on a slack webhook is left out", async () => {
    await createWebhook({ headers: { "Content-Type": "application/cloudevents+json" } });
    const slack = await createWebhook({ format: "slack" });
    await storeUnchecked(slack, { headers: { "Content-Type": "text/plain" } });
    await postEvent();
    const requests = await receiver.waitFor(2);
    const contentTypes = requests.map((request) => request.headers["content-type"]).sort();
    expect(contentTypes).toEqual(["application/cloudevents+json", "application/json"]);
  });

  it("a stored bearer token with CR/LF fails at once as a bad request setting, never retried", async () => {
    const id = await createWebhook({ retry_count: 3 });
    await storeUnchecked(id, {
      destination: { kind: "http", auth: { type: "bearer", token: "t0ken\r\nX-Evil: 1" }, tls: null },
    });
    await postEvent();
    const dead = await eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${id}/deliveries`);
      return (body.data as any[]).find((delivery) => delivery.status === "dead");
    });
    expect(dead).toMatchObject({
      attempt: 1,
      success: false,
      error: expect.stringMatching(/bad request setting/),
    });
    expect(receiver.requests).toHaveLength(0);
  });
});

describe("HTTP destination with a header value undici refuses", () => {
  it("is a permanent failure (retryable: false) saying it was a bad request setting", async () => {
    const receiver = await startReceiver();
    const senders = openSenders();
    try {
      const outcome = await senders.forKind("http").send({
        url: receiver.url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
        eventCount: 1,
        timeoutMs: 3000,
        connectTimeoutMs: 1000,
        settings: { auth: { type: "bearer", token: "t0ken\r\nX-Evil: 1" }, tls: null },
      });
      expect(outcome).toMatchObject({ success: false, retryable: false });
      expect(outcome.error).toMatch(/^bad request setting .*UND_ERR_INVALID_ARG/);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await senders.closeAll();
      await receiver.close();
    }
  });
});
