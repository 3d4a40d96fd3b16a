import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressGroup, createFailureLimiter, MAX_TRACKED_ADDRESSES } from "../../src/api/auth-throttle";
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from "../support/gateway";
import { parsePrometheusText, value } from "../support/prometheus";

/** GET `path` as `key` (none when undefined), from `from` (a loopback address) and with `headers`. */
async function call(
  gateway: TestGateway,
  path: string,
  key: string | undefined,
  options: { from?: Agent; headers?: Record<string, string> } = {},
) {
  const answer = await request(`${gateway.url}${path}`, {
    dispatcher: options.from,
    headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...options.headers },
  });
  const text = await answer.body.text();
  return {
    status: answer.statusCode,
    headers: answer.headers,
    body: text.startsWith("{") ? JSON.parse(text) : text,
  };
}

/** An agent whose connections come from `address` (all of 127.0.0.0/8 is loopback on Linux). */
const clientAt = (address: string) => new Agent({ localAddress: address });

async function metric(gateway: TestGateway, name: string, labels: Record<string, string> = {}) {
  return value(parsePrometheusText(await gateway.metricsRegistry.metrics()), name, labels);
}

describe("the failure limiter", () => {
  it("allows a burst of failures, then one more per refill interval", () => {
    let now = 0;
    const limiter = createFailureLimiter({ burst: 20, perMinute: 60, nowMs: () => now });
    for (let i = 0; i < 20; i++) expect(limiter.take("192.0.2.1").waitSeconds).toBe(0);
    expect(limiter.take("192.0.2.1")).toEqual({ waitSeconds: 1, lastTry: false });
    expect(limiter.take("192.0.2.2").waitSeconds).toBe(0);
    now = 999;
    expect(limiter.take("192.0.2.1").waitSeconds).toBe(1);
    now = 1000;
    expect(limiter.take("192.0.2.1")).toEqual({ waitSeconds: 0, lastTry: true });
    expect(limiter.take("192.0.2.1").waitSeconds).toBe(1);
  });

  it("says how long until the next try, in whole seconds", () => {
    let now = 0;
    const limiter = createFailureLimiter({ burst: 3, perMinute: 6, nowMs: () => now });
    for (let i = 0; i < 3; i++) limiter.take("192.0.2.1");
    expect(limiter.take("192.0.2.1").waitSeconds).toBe(10);
    now = 2500;
    expect(limiter.take("192.0.2.1").waitSeconds).toBe(8);
  });

  it("takes nothing from a request that gave its try back, and forgets an address with nothing spent", () => {
    const limiter = createFailureLimiter({ burst: 2, perMinute: 1, nowMs: () => 0 });
    for (let i = 0; i < 100; i++) {
      expect(limiter.take("192.0.2.1").waitSeconds).toBe(0);
      limiter.giveBack("192.0.2.1");
    }
    expect(limiter.tracked()).toBe(0);
    limiter.take("192.0.2.1");
    expect(limiter.take("192.0.2.1")).toEqual({ waitSeconds: 0, lastTry: true });
    expect(limiter.take("192.0.2.1").waitSeconds).toBe(60);
  });

  it(`remembers at most ${MAX_TRACKED_ADDRESSES} addresses however many fail, forgetting the longest quiet`, () => {
    const limiter = createFailureLimiter({ burst: 1, perMinute: 1, nowMs: () => 0 });
    const address = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    const sprayed = MAX_TRACKED_ADDRESSES * 3;
    for (let n = 0; n < sprayed; n++) limiter.take(address(n));
    expect(limiter.tracked()).toBeLessThanOrEqual(MAX_TRACKED_ADDRESSES);
    // It forgets a tenth at a time, so at least nine tenths of the cap are always remembered.
    expect(limiter.tracked()).toBeGreaterThanOrEqual(MAX_TRACKED_ADDRESSES * 0.9);
    expect(limiter.take(address(sprayed - 1)).waitSeconds).toBe(60);
    expect(limiter.take(address(sprayed - MAX_TRACKED_ADDRESSES * 0.9)).waitSeconds).toBe(60);
    expect(limiter.take(address(0)).waitSeconds).toBe(0);
  });

  it("counts an IPv6 client by its /64, and an IPv4-mapped address as IPv4", () => {
    expect(addressGroup("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:0db8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:db8::5")).toBe("2001:db8:0:0::/64");
    expect(addressGroup("::1")).toBe("0:0:0:0::/64");
    expect(addressGroup("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressGroup("192.0.2.7")).toBe("192.0.2.7");
  });
});

describe("failed authentication over HTTP", () => {
  let gateway: TestGateway;
  const logLines: string[] = [];
  const elsewhere = clientAt("127.0.0.2");

  beforeAll(async () => {
    // One try back a minute: the test's requests all fall within the first.
    gateway = await startTestGateway(
      "pglite",
      { HERALD_AUTH_FAILURES_PER_MINUTE: "1", HERALD_LOG_LEVEL: "warn" },
      { logLines },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await elsewhere.close();
  });

  it("answers 401 to 20 missing or unknown keys, never counting good ones, then 429 with Retry-After", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN)).status).toBe(200);
      expect((await call(gateway, "/api/v1/whoami", `hk_guess-${i}`)).status).toBe(401);
      expect((await call(gateway, "/api/v1/webhooks", undefined)).status).toBe(401);
    }
    const refused = await call(gateway, "/api/v1/whoami", "hk_guess-20");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(30);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      error: "too_many_requests",
      message: `Too many failed attempts; try again in ${refused.headers["retry-after"]} s`,
      retry_after: Number(refused.headers["retry-after"]),
    });
  });

  it("refuses a throttled address before looking at its key, a good key and /metrics too", async () => {
    expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN)).status).toBe(429);
    expect((await call(gateway, "/metrics", ADMIN_TOKEN)).status).toBe(429);
  });

  it("keeps other addresses apart, and ignores X-Forwarded-For unless the proxy is trusted", async () => {
    expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN, { from: elsewhere })).status).toBe(200);
    expect((await call(gateway, "/api/v1/whoami", "hk_guess", { from: elsewhere })).status).toBe(401);
    const spoofed = { "x-forwarded-for": "198.51.100.9" };
    expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN, { headers: spoofed })).status).toBe(429);
  });

  it("counts failures by reason and refusals, and logs the address that ran out of tries", async () => {
    expect(await metric(gateway, "herald_auth_failures_total", { reason: "unknown_key" })).toBe(11);
    expect(await metric(gateway, "herald_auth_failures_total", { reason: "missing_key" })).toBe(10);
    expect(await metric(gateway, "herald_auth_throttled_total")).toBe(4);
    const warnings = logLines.map((line) => JSON.parse(line));
    expect(warnings).toContainEqual(
      expect.objectContaining({
        message: "authentication failures: client address throttled",
        client_address: "127.0.0.1",
      }),
    );
  });

  it("lets no more concurrent guesses through than the burst", async () => {
    const crowd = clientAt("127.0.0.3");
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(gateway, "/api/v1/whoami", `hk_crowd-${i}`, { from: crowd })),
    );
    await crowd.close();
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
  });
});

describe("failed authentication behind a trusted proxy", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway("pglite", {
      HERALD_TRUST_PROXY: "true",
      HERALD_AUTH_FAILURES_BURST: "2",
      // One try back every 5 s: long enough for the requests of a test, short enough to wait for.
      HERALD_AUTH_FAILURES_PER_MINUTE: "12",
    });
  });
  afterAll(() => gateway.close());

  const from = (forwardedFor: string) => ({ headers: { "x-forwarded-for": forwardedFor } });

  it("limits the address the proxy appended last, whatever the client put before it", async () => {
    for (let i = 0; i < 2; i++) {
      expect(
        (await call(gateway, "/api/v1/whoami", "hk_guess", from(`10.9.9.${i}, 203.0.113.7`))).status,
      ).toBe(401);
    }
    expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN, from("203.0.113.7"))).status).toBe(429);
    expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN, from("203.0.113.8"))).status).toBe(200);
    // The proxy's own socket address is not the client: it is not throttled.
    expect((await call(gateway, "/api/v1/whoami", ADMIN_TOKEN)).status).toBe(200);
  });

  it("answers 401 again once the address has earned a try back", async () => {
    const status = await eventually(async () => {
      const { status } = await call(gateway, "/api/v1/whoami", "hk_guess-again", from("203.0.113.7"));
      return status === 429 ? undefined : status;
    });
    expect(status).toBe(401);
    expect((await call(gateway, "/api/v1/whoami", "hk_guess-more", from("203.0.113.7"))).status).toBe(429);
  });
});
