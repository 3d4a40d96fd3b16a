import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureNames, rawFixture } from "../support/fixtures";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";
import { createPagerDutyStandIn } from "../support/pagerduty";
import { type Receiver, startReceiver } from "../support/receiver";
import { startSplunkHecStandIn } from "../support/splunk-hec";
import { deliveriesIn, subscribe } from "../support/subscriptions";
import { type LogLine, parseLines, requestLines } from "./log-lines";

// Every secret the run below uses, each unlike anything else that could be logged.
const SIGNING_SECRET = `whsec_${Buffer.from("signing-secret-bytes-0123456789ab").toString("base64")}`;
const ROTATED_SECRET = `whsec_${Buffer.from("rotated-secret-bytes-0123456789ab").toString("base64")}`;
const NEXT_ECHOED_TOKEN = "next-echoed-token-3Zx6Cv9Bn";
const NEXT_BASIC_PASSWORD = "next-basic-password-7Ws1Ed4";
const BEARER_TOKEN = "bearer-token-7Qx9Lm2Vp4Rt8Wz";
const BASIC_USER = "basic-user-soc";
const BASIC_PASSWORD = "basic-password-3Kd8Fj2Hs9";
const ECHOED_TOKEN = "echoed-token-9Gh4Jk7Lm1Np";
const API_KEY_TOKEN = "YXBpLWtleS1pZDphcGkta2V5LXNlY3JldA==";
const HEC_TOKEN = "a6b2c3d4-hec0-token-0000-5f6e7d8c9b0a";
const WRONG_HEC_TOKEN = "f1e2d3c4-hec0-wrong-0000-0a9b8c7d6e5f";
const ROUTING_KEY = "R0utingKey0123456789abcdefABCDEF";
const HEADER_SECRET = "header-secret-5Tg7Yh9Uj2";
const QUERY_TOKEN = "query-token-8Bn3Mq6Wr1Xs";
const PATH_TOKEN = "path-token-2Cv5Bn8Mk4Lp7";
const URL_PASSWORD = "url-password-6Df9Gh3Jk";
const REFUSED_TOKEN = "refused-token-4Rt7Yu1Io3";
const BAD_API_KEY = "hk_bad-key-that-is-no-key-at-all-0123456789";

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a full run's logs at trace level", () => {
  let gateway: TestGateway;
  const lines: string[] = [];
  const receivers: Receiver[] = [];
  const secrets: string[] = [
    ADMIN_TOKEN,
    SIGNING_SECRET,
    ROTATED_SECRET,
    BEARER_TOKEN,
    BASIC_PASSWORD,
    Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString("base64"),
    ECHOED_TOKEN,
    NEXT_ECHOED_TOKEN,
    NEXT_BASIC_PASSWORD,
    Buffer.from(`${BASIC_USER}:${NEXT_BASIC_PASSWORD}`).toString("base64"),
    API_KEY_TOKEN,
    HEC_TOKEN,
    WRONG_HEC_TOKEN,
    ROUTING_KEY,
    HEADER_SECRET,
    QUERY_TOKEN,
    PATH_TOKEN,
    URL_PASSWORD,
    REFUSED_TOKEN,
    BAD_API_KEY,
  ];
  const webhookIds: string[] = [];

  async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
    const started = await startReceiver(answer);
    receivers.push(started);
    return started;
  }

  beforeAll(async () => {
    gateway = await startTestGateway("pglite", { HERALD_LOG_LEVEL: "trace" }, { logLines: lines });
    const keys: Record<string, string> = {};
    for (const role of ["admin", "viewer", "ingest"]) {
      const { body } = await gateway.api("POST", "/api/v1/keys", { role, name: `${role}-key` });
      keys[role] = body.key;
      secrets.push(body.key);
    }
    const admin = keys.admin as string;

    const ok = await receiver();
    const failing = await receiver(() => ({ status: 500, body: `server error for ${BASIC_PASSWORD}` }));
    const echoing = await receiver((request) => ({
      status: 401,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: `rejected credentials: ${request.headers.authorization}` }),
    }));
    const redirecting = await receiver(() => ({
      status: 302,
      headers: { location: `http://127.0.0.1:9/login?sig=${API_KEY_TOKEN}` },
    }));
    const hec = await startSplunkHecStandIn({ tokens: { [HEC_TOKEN]: {} } });
    receivers.push(hec);
    const pagerDuty = await receiver(createPagerDutyStandIn().answer);
    const refusedPort = await closedPort();

    const okUrl = new URL(`${ok.origin}/hooks/${PATH_TOKEN}?token=${QUERY_TOKEN}`);
    okUrl.username = "url-user";
    okUrl.password = URL_PASSWORD;
    const webhooks = [
      {
        url: okUrl.href,
        secret: SIGNING_SECRET,
        headers: { "X-Api-Key": HEADER_SECRET },
        auth: { type: "bearer", token: BEARER_TOKEN },
      },
      {
        url: `${failing.origin}/`,
        // A next credential not yet in effect: never sent, and still a secret.
        auth: {
          type: "basic",
          username: BASIC_USER,
          password: BASIC_PASSWORD,
          next: {
            type: "basic",
            username: BASIC_USER,
            password: NEXT_BASIC_PASSWORD,
            from: "2999-01-01T00:00:00Z",
          },
        },
        retry_count: 1,
      },
      // A next token in effect since long ago: the one sent, and echoed back.
      {
        url: `${echoing.origin}/`,
        auth: {
          type: "bearer",
          token: ECHOED_TOKEN,
          next: { type: "bearer", token: NEXT_ECHOED_TOKEN, from: "2000-01-01T00:00:00Z" },
        },
      },
      { url: `${redirecting.origin}/`, auth: { type: "api_key", token: API_KEY_TOKEN } },
      {
        url: `${hec.origin}/services/collector/event`,
        format: "splunk_hec",
        auth: { type: "splunk", token: HEC_TOKEN },
      },
      {
        url: `${hec.origin}/services/collector/event`,
        format: "splunk_hec",
        auth: { type: "splunk", token: WRONG_HEC_TOKEN },
      },
      { url: `${pagerDuty.origin}/v2/enqueue`, format: "pagerduty", options: { routing_key: ROUTING_KEY } },
      {
        url: `http://127.0.0.1:${refusedPort}/hook?access_token=${REFUSED_TOKEN}`,
        auth: { type: "bearer", token: REFUSED_TOKEN },
        retry_count: 1,
      },
    ];
    for (const fields of webhooks) webhookIds.push((await subscribe(gateway, fields)).id);
    // The first signs with a rotated secret and the one it replaced, which both stay out of the logs.
    const rotation = { secret: ROTATED_SECRET, previous_valid_for_s: 3600 };
    const rotated = await gateway.api(
      "POST",
      `/api/v1/webhooks/${webhookIds[0]}/rotate-secret`,
      rotation,
      admin,
    );
    expect(rotated.status).toBe(200);

    const events = fixtureNames().map(rawFixture);
    const ingested = await gateway.api("POST", "/api/v1/events", events, keys.ingest);
    expect(ingested.status).toBe(202);
    for (const id of webhookIds) await deliveriesIn(gateway, id, events.length);

    const [okId, , echoingId, , , , pagerDutyId] = webhookIds;
    expect((await gateway.api("POST", `/api/v1/webhooks/${okId}/test`, undefined, admin)).status).toBe(200);
    const echoed = await gateway.api("POST", `/api/v1/webhooks/${echoingId}/test`, undefined, admin);
    expect(echoed.body).toMatchObject({ status: "dead", status_code: 401 });
    const preview = await gateway.api("POST", `/api/v1/webhooks/${pagerDutyId}/preview`, {}, keys.viewer);
    expect(preview.status).toBe(200);
    expect((await gateway.api("GET", "/api/v1/webhooks", undefined, BAD_API_KEY)).status).toBe(401);
    await gateway.stop();
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(receivers.map((each) => each.close()));
  });

  it("holds no secret, key, auth token or signing secret it used", () => {
    const everything = lines.join("");
    // JSON escapes nothing in these values, so a logged one would appear as it is.
    expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
  });

  it("is JSON lines, each with a level, a time and a message", () => {
    expect(lines.length).toBeGreaterThan(50);
    parseLines(lines);
  });

  it("gives each request's line its request id, method, path, status and duration", () => {
    const requests = requestLines(lines);
    expect(requests.length).toBeGreaterThan(10);
    for (const line of requests) {
      expect(line).toMatchObject({
        request_id: expect.any(String),
        method: expect.any(String),
        path: expect.stringMatching(/^\//),
        status: expect.any(Number),
        duration_ms: expect.any(Number),
      });
    }
    expect(requests.filter((line) => line.status === 401)).toHaveLength(1);
  });

  it("gives each delivery's line its delivery, webhook and event ids, the attempt and the origin alone", () => {
    const deliveries = parseLines(lines).filter((line) => "delivery_id" in line);
    for (const line of deliveries) {
      expect(line).toMatchObject({
        component: "delivery",
        delivery_id: expect.any(String),
        webhook_id: expect.any(String),
        event_id: expect.any(String),
        attempt: expect.any(Number),
        destination: expect.stringMatching(/^https?:\/\/127\.0\.0\.1:\d+\/(\*{8})?$/),
      });
    }
    const byWebhook = (id: string | undefined) => deliveries.filter((line) => line.webhook_id === id);
    for (const id of webhookIds) expect(byWebhook(id).length).toBeGreaterThan(0);
    const statuses = (id: string | undefined) => new Set(byWebhook(id).map((line: LogLine) => line.status));
    const [okId, failingId, echoingId, redirectingId, , , , refusedId] = webhookIds;
    expect(statuses(okId)).toEqual(new Set(["delivered"]));
    expect(statuses(failingId)).toEqual(new Set(["retrying", "dead"]));
    expect(statuses(refusedId)).toEqual(new Set(["retrying", "dead"]));
    const errorOf = (id: string | undefined) => byWebhook(id).find((line) => line.status === "dead")?.error;
    expect(errorOf(echoingId)).toBe("HTTP 401: rejected credentials: Bearer ********");
    expect(errorOf(redirectingId)).toMatch(/Location: http:\/\/127\.0\.0\.1:9\/\*{8}/);
    expect(errorOf(refusedId)).toMatch(/ECONNREFUSED/);
  });
});
