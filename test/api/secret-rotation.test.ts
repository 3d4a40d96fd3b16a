import { createHmac, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { secretKey } from "../../src/delivery/signing";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { type Receiver, type RecordedRequest, startReceiver } from "../support/receiver";
import { deliveriesIn, subscribe } from "../support/subscriptions";

const whsec = (text: string) => `whsec_${Buffer.from(text).toString("base64")}`;
const OLD_SECRET = whsec("the-old-signing-secret-0123456789");
const OLD_TOKEN = "old-bearer-token-4Fg7Hj2Kl";
const NEW_TOKEN = "new-bearer-token-9Qw3Er6Ty";

const hexSignature = (secret: string, body: string) =>
  `sha256=${createHmac("sha256", secretKey(secret)).update(body).digest("hex")}`;

/** Whether a Standard Webhooks library takes the request as signed with `secret`. */
function verifies(secret: string, request: RecordedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

describe.each(storeKinds())("secret rotation on %s", (kind) => {
  const ahead = { ms: 0 };
  let gateway: TestGateway;
  let receiver: Receiver;
  let sent = 0;

  // One gateway for the suite (starting one is most of a test's time); each test its own receiver
  // and webhooks, deleted after it, so that no event reaches another test's webhook.
  beforeAll(async () => {
    // A clock `ahead.ms` ahead of the real one: the engine signs and picks credentials by it, and
    // the API dates overlaps by it. Ahead by less than Standard Webhooks' 5-minute tolerance, the
    // timestamps still verify.
    gateway = await startTestGateway(kind, {}, { now: () => new Date(Date.now() + ahead.ms) });
  });
  afterAll(async () => {
    await gateway.close();
  });
  beforeEach(async () => {
    ahead.ms = 0;
    sent = 0;
    receiver = await startReceiver();
  });
  afterEach(async () => {
    const { body } = await gateway.api("GET", "/api/v1/webhooks");
    for (const { id } of body.data) await gateway.api("DELETE", `/api/v1/webhooks/${id}`);
    await receiver.close();
  });

  /** One new event delivered: the request the receiver got for it. */
  async function deliverOne(): Promise<RecordedRequest> {
    const event = { ...rawFixture("pentest-critical-finding"), id: randomUUID() };
    expect((await gateway.api("POST", "/api/v1/events", event)).status).toBe(202);
    sent++;
    return (await receiver.waitFor(sent))[sent - 1] as RecordedRequest;
  }

  const rotate = (id: string, body?: unknown) =>
    gateway.api("POST", `/api/v1/webhooks/${id}/rotate-secret`, body);

  it("signs with the new and the old secret during the overlap, and with the new one alone after it", async () => {
    const webhook = await subscribe(gateway, { url: receiver.url, secret: OLD_SECRET });
    const rotated = await rotate(webhook.id, { previous_valid_for_s: 60 });
    expect(rotated.status).toBe(200);
    const secret: string = rotated.body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const until = Date.parse(rotated.body.previous_valid_until);
    expect(until - Date.now()).toBeGreaterThan(50_000);
    expect(until - Date.now()).toBeLessThanOrEqual(60_000);

    const during = await deliverOne();
    expect(verifies(secret, during)).toBe(true);
    expect(verifies(OLD_SECRET, during)).toBe(true);
    expect(during.headers["webhook-signature"]).toMatch(/^v1,\S+ v1,\S+$/);
    expect(during.headers["x-webhook-signature"]).toBe(
      `${hexSignature(secret, during.body)}, ${hexSignature(OLD_SECRET, during.body)}`,
    );

    ahead.ms = 61_000;
    const after = await deliverOne();
    expect(verifies(secret, after)).toBe(true);
    expect(verifies(OLD_SECRET, after)).toBe(false);
    expect(after.headers["webhook-signature"]).toMatch(/^v1,\S+$/);
    expect(after.headers["x-webhook-signature"]).toBe(hexSignature(secret, after.body));
  });

  it("stops the old secret at once with previous_valid_for_s 0, and keeps two secrets at most", async () => {
    const webhook = await subscribe(gateway, { url: receiver.url, secret: OLD_SECRET });
    const [b, c, d] = ["second", "third", "fourth"].map((word) => `plain-text-${word}-secret`);
    const atOnce = await rotate(webhook.id, { secret: b, previous_valid_for_s: 0 });
    expect(atOnce.body).toEqual({ secret: b, previous_valid_until: null });
    const alone = await deliverOne();
    expect(verifies(whsec(b as string), alone)).toBe(true);
    expect(verifies(OLD_SECRET, alone)).toBe(false);
    expect(alone.headers["x-webhook-signature"]).toBe(hexSignature(b as string, alone.body));

    // Rotating during an overlap: the secret replaced last is the only previous one.
    expect((await rotate(webhook.id, { secret: c, previous_valid_for_s: 3600 })).status).toBe(200);
    expect((await rotate(webhook.id, { secret: d, previous_valid_for_s: 3600 })).status).toBe(200);
    const twice = await deliverOne();
    expect([b, c, d].map((secret) => verifies(whsec(secret as string), twice))).toEqual([false, true, true]);
    expect(twice.headers["x-webhook-signature"]).toBe(
      `${hexSignature(d as string, twice.body)}, ${hexSignature(c as string, twice.body)}`,
    );
  });

  it("ends the overlap when the secret is set by hand: only the new one signs", async () => {
    const webhook = await subscribe(gateway, { url: receiver.url, secret: OLD_SECRET });
    expect((await rotate(webhook.id, { previous_valid_for_s: 3600 })).status).toBe(200);
    const byHand = whsec("a-secret-set-by-hand-0123456789");
    const changed = await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, { secret: byHand });
    expect(changed.body.previous_secret_until).toBeNull();
    const request = await deliverOne();
    expect(request.headers["webhook-signature"]).toMatch(/^v1,\S+$/);
    expect(verifies(byHand, request)).toBe(true);
  });

  it("gives a webhook without a secret its first one, with nothing to overlap", async () => {
    const webhook = await subscribe(gateway, { url: receiver.url });
    const rotated = await rotate(webhook.id);
    expect(rotated.body).toEqual({ secret: expect.stringMatching(/^whsec_/), previous_valid_until: null });
    const request = await deliverOne();
    expect(verifies(rotated.body.secret, request)).toBe(true);
    expect(request.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    const read = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(read.body).toMatchObject({ has_secret: true, previous_secret_until: null });
  });

  it("refuses a bad rotation, naming the field", async () => {
    const webhook = await subscribe(gateway, { url: receiver.url, secret: OLD_SECRET });
    const refused = async (body: unknown) => {
      const { status, body: answer } = await rotate(webhook.id, body);
      return [status, answer.issues?.map((issue: { path: string }) => issue.path)];
    };
    expect(await refused({ previous_valid_for_s: -1 })).toEqual([422, ["previous_valid_for_s"]]);
    expect(await refused({ previous_valid_for_s: 31 * 86_400 })).toEqual([422, ["previous_valid_for_s"]]);
    expect(await refused({ secret: "short" })).toEqual([422, ["secret"]]);
    expect(await refused({ secret: "whsec_bm90LWJhc2U2NC0=" })).toEqual([422, ["secret"]]);
    expect(await refused({ secret: OLD_SECRET })).toEqual([422, ["secret"]]);
    const typo = await rotate(webhook.id, { secrets: "typo-in-the-name" });
    expect([typo.status, typo.body.message]).toEqual([422, expect.stringMatching(/"secrets"/)]);
    const missing = await rotate("00000000-0000-4000-8000-000000000000", {});
    expect(missing.status).toBe(404);
    const { body: viewer } = await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" });
    const asViewer = await gateway.api(
      "POST",
      `/api/v1/webhooks/${webhook.id}/rotate-secret`,
      {},
      viewer.key,
    );
    expect(asViewer.status).toBe(403);
  });

  it("answers no secret, and keeps none in the delivery history", async () => {
    const webhook = await subscribe(gateway, { url: receiver.url, secret: OLD_SECRET });
    const { body: rotated } = await rotate(webhook.id, { previous_valid_for_s: 600 });
    await deliverOne();
    const [delivery] = await deliveriesIn(gateway, webhook.id, 1);
    const detail = await gateway.api("GET", `/api/v1/deliveries/${delivery.id}`);
    expect(detail.body.attempts[0].request.headers).toMatchObject({
      "x-webhook-signature": "sha256=********, sha256=********",
      "webhook-signature": "v1,******** v1,********",
    });
    const read = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect(read.body.previous_secret_until).toBe(rotated.previous_valid_until);
    const answers = JSON.stringify([
      read.body,
      (await gateway.api("GET", "/api/v1/webhooks")).body,
      detail.body,
    ]);
    // As written, and as the base64 inside it (a secret's bytes).
    const forms = [rotated.secret, OLD_SECRET].flatMap((secret: string) => [secret, secret.slice(6)]);
    expect(forms.filter((form) => answers.includes(form))).toEqual([]);
  });

  it("sends an auth token's next one from its time on, and keeps it write-only", async () => {
    const from = new Date(Date.now() + 60_000).toISOString();
    const auth = { type: "bearer", token: OLD_TOKEN, next: { type: "bearer", token: NEW_TOKEN, from } };
    const webhook = await subscribe(gateway, { url: receiver.url, auth });
    expect(webhook.destination.auth).toEqual({ type: "bearer", next: { type: "bearer", from } });
    // Sent back as read, without the tokens: both are kept.
    const { body: read } = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}`);
    expect((await gateway.api("PUT", `/api/v1/webhooks/${webhook.id}`, read)).status).toBe(200);

    expect((await deliverOne()).headers.authorization).toBe(`Bearer ${OLD_TOKEN}`);
    ahead.ms = 61_000;
    expect((await deliverOne()).headers.authorization).toBe(`Bearer ${NEW_TOKEN}`);

    const deliveries = await deliveriesIn(gateway, webhook.id, 2);
    const details = await Promise.all(
      deliveries.map((delivery) => gateway.api("GET", `/api/v1/deliveries/${delivery.id}`)),
    );
    for (const { body } of details)
      expect(body.attempts[0].request.headers.authorization).toBe("Bearer ********");
    const answers = JSON.stringify([details, (await gateway.api("GET", "/api/v1/webhooks")).body]);
    expect([OLD_TOKEN, NEW_TOKEN].filter((token) => answers.includes(token))).toEqual([]);
  });

  it("may switch the scheme with the token, and refuses a next without its time", async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const auth = {
      type: "basic",
      username: "soc",
      password: "old-password",
      next: { type: "api_key", token: NEW_TOKEN, from },
    };
    await subscribe(gateway, { url: receiver.url, auth });
    expect((await deliverOne()).headers.authorization).toBe(`ApiKey ${NEW_TOKEN}`);
    const untimed = await gateway.api("POST", "/api/v1/webhooks", {
      name: "untimed",
      url: receiver.url,
      auth: { type: "bearer", token: OLD_TOKEN, next: { type: "bearer", token: NEW_TOKEN } },
    });
    expect(untimed.status).toBe(422);
    expect(untimed.body.issues.map((issue: { path: string }) => issue.path)).toEqual(["auth.next.from"]);
  });
});
