import dgram from "node:dgram";
import type { IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { rawFixture } from "../support/fixtures";
import { startTestGateway, type TestGateway } from "../support/gateway";
import { createPagerDutyStandIn } from "../support/pagerduty";
import { type Receiver, startReceiver } from "../support/receiver";
import { startSplunkHecStandIn } from "../support/splunk-hec";
import { deliveriesIn, subscribe } from "../support/subscriptions";

// Every secret the webhooks below hold, each unlike anything else an answer could carry.
const SIGNING_SECRET = "signing-secret-Hq7Vb2Nx5Lz";
const BEARER_TOKEN = "bearer-token-Wc4Tg8Jm3Ks";
const BASIC_PASSWORD = "basic-password-Rf6Yd1Pq9";
const HEADER_SECRET = "header-secret-Ue5Io2Ap7";
const HEC_TOKEN = "c0ffee00-hec0-token-0000-0123456789ab";
const ROUTING_KEY = "Rk0123456789abcdefABCDEF01234567";
const MASK = "********";

/** What the transport adds, not Herald: the history keeps what Herald sent, not these. */
const TRANSPORT_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

/** The headers a receiver got, as Herald sent them, with the secret parts masked as the history does. */
function maskedAsHistory(received: IncomingHttpHeaders): Record<string, string> {
  const masked = (name: string, value: string) => {
    if (name === "authorization") return `${value.split(" ")[0]} ${MASK}`;
    if (name === "x-webhook-signature") return `sha256=${MASK}`;
    if (name === "webhook-signature") return `v1,${MASK}`;
    if (name === "x-api-key") return MASK;
    return value;
  };
  return Object.fromEntries(
    Object.entries(received)
      .filter(([name]) => !TRANSPORT_HEADERS.has(name))
      .map(([name, value]) => [name, masked(name, String(value))]),
  );
}

/** A UDP socket on 127.0.0.1 that keeps every datagram it gets, as text. */
async function startUdpReceiver() {
  const socket = dgram.createSocket("udp4");
  const messages: string[] = [];
  socket.on("message", (message) => messages.push(message.toString("utf8")));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, messages, close: () => socket.close() };
}

describe.each(storeKinds())("the request each attempt sent, in a delivery's history, on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let hec: Receiver;
  let pagerDuty: Receiver;
  let udp: Awaited<ReturnType<typeof startUdpReceiver>>;
  let viewerKey: string;
  let cases = 0;

  /** Sends one event to a new webhook of `fields` and answers its delivery as GET /deliveries/{id} does. */
  async function deliveredThrough(
    fields: Record<string, unknown>,
    event = rawFixture("website-defender-auto-ban"),
  ) {
    // Each webhook its own type of event, and each event its own id (an id is taken once per source).
    const type = `case_${++cases}`;
    const { id } = await subscribe(gateway, { retry_count: 0, event_types: [type], ...fields });
    const own = { ...event, id: `${event.id}-${type}`, type };
    expect((await gateway.api("POST", "/api/v1/events", own)).status).toBe(202);
    const [delivery] = await deliveriesIn(gateway, id, 1);
    const { status, body } = await gateway.api(
      "GET",
      `/api/v1/deliveries/${delivery.id}`,
      undefined,
      viewerKey,
    );
    expect(status).toBe(200);
    return body;
  }

  beforeAll(async () => {
    [gateway, receiver, hec, pagerDuty, udp] = await Promise.all([
      startTestGateway(kind),
      startReceiver(),
      startSplunkHecStandIn({ tokens: { [HEC_TOKEN]: {} } }),
      startReceiver(createPagerDutyStandIn().answer),
      startUdpReceiver(),
    ]);
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "v" })).body.key;
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([receiver?.close(), hec?.close(), pagerDuty?.close()]);
    udp?.close();
  });

  it("keeps the headers the receiver got, credentials, signatures and secret custom headers masked, and the body as sent", async () => {
    const delivery = await deliveredThrough({
      url: `${receiver.origin}/hooks/signed`,
      secret: SIGNING_SECRET,
      auth: { type: "bearer", token: BEARER_TOKEN },
      headers: { "X-Api-Key": HEADER_SECRET, "X-Request-Id": "req-42" },
    });
    const [received] = await receiver.waitFor(1);
    const [attempt] = delivery.attempts;
    expect(attempt.request.headers).toEqual(maskedAsHistory(received?.headers ?? {}));
    expect(attempt.request.headers).toMatchObject({
      authorization: `Bearer ${MASK}`,
      "x-api-key": MASK,
      "x-request-id": "req-42",
      "webhook-id": delivery.id,
    });
    expect(attempt.request.body).toBe(received?.body);
    // The signatures themselves are masked too: X-Webhook-Signature with the body would be a replay.
    const hex = String(received?.headers["x-webhook-signature"]).slice("sha256=".length);
    const standard = String(received?.headers["webhook-signature"]).slice("v1,".length);
    const answer = JSON.stringify(delivery);
    for (const secret of [SIGNING_SECRET, BEARER_TOKEN, HEADER_SECRET, hex, standard]) {
      expect(answer).not.toContain(secret);
    }
  });

  it("masks basic credentials and a Splunk HEC token, keeping the scheme", async () => {
    const basic = await deliveredThrough({
      url: `${receiver.origin}/hooks/basic`,
      auth: { type: "basic", username: "soc", password: BASIC_PASSWORD },
    });
    expect(basic.attempts[0].request.headers.authorization).toBe(`Basic ${MASK}`);
    const splunk = await deliveredThrough({
      url: `${hec.origin}/services/collector/event`,
      format: "splunk_hec",
      auth: { type: "splunk", token: HEC_TOKEN },
    });
    expect(splunk.status).toBe("delivered");
    expect(splunk.attempts[0].request.headers.authorization).toBe(`Splunk ${MASK}`);
    const answers = JSON.stringify([basic, splunk]);
    const basicCredentials = Buffer.from(`soc:${BASIC_PASSWORD}`).toString("base64");
    for (const secret of [BASIC_PASSWORD, basicCredentials, HEC_TOKEN]) expect(answers).not.toContain(secret);
  });

  it("masks a PagerDuty routing key inside the body", async () => {
    const delivery = await deliveredThrough({
      url: `${pagerDuty.origin}/v2/enqueue`,
      format: "pagerduty",
      options: { routing_key: ROUTING_KEY },
    });
    expect(delivery.status).toBe("delivered");
    const sent = JSON.parse(delivery.attempts[0].request.body);
    expect(sent).toMatchObject({ routing_key: MASK, event_action: "trigger" });
    expect(JSON.stringify(delivery)).not.toContain(ROUTING_KEY);
  });

  it("keeps the first 8 KiB of a long body, never cutting a character, and says how long it was", async () => {
    const event = { ...rawFixture("website-defender-auto-ban"), data: { note: "é".repeat(6000) } };
    const delivery = await deliveredThrough({ url: `${receiver.origin}/hooks/long` }, event);
    const received = receiver.requests.find((request) => request.url === "/hooks/long");
    const bytes = Buffer.byteLength(received?.body ?? "", "utf8");
    expect(bytes).toBeGreaterThan(12_000);
    const stored: string = delivery.attempts[0].request.body;
    const note = `… (${bytes} bytes in all)`;
    expect(stored.endsWith(note)).toBe(true);
    const kept = stored.slice(0, -note.length);
    expect(received?.body.startsWith(kept)).toBe(true);
    expect(Buffer.byteLength(kept, "utf8")).toBeGreaterThan(8 * 1024 - 2);
    expect(Buffer.byteLength(kept, "utf8")).toBeLessThanOrEqual(8 * 1024);
  });

  it("keeps a syslog message's body and no headers", async () => {
    const delivery = await deliveredThrough({ url: `udp://127.0.0.1:${udp.port}`, format: "cef" });
    expect(delivery.status).toBe("delivered");
    expect(udp.messages).toHaveLength(1);
    expect(delivery.attempts[0].request).toEqual({ headers: {}, body: udp.messages[0] });
  });
});
