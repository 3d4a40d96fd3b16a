import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storeKinds } from "../support/databases";
import { eventually, startTestGateway, type TestGateway } from "../support/gateway";
import {
  checkHistogram,
  type MetricFamily,
  parsePrometheusText,
  samples,
  value,
} from "../support/prometheus";
import { type Receiver, startReceiver } from "../support/receiver";
import { subscribe } from "../support/subscriptions";

describe.each(storeKinds())("GET /metrics on %s", (kind) => {
  let gateway: TestGateway;
  let receiver: Receiver;
  let viewerKey: string;

  beforeEach(async () => {
    gateway = await startTestGateway(kind, { HERALD_METRICS_PORT: "0" });
    receiver = await startReceiver();
    viewerKey = (await gateway.api("POST", "/api/v1/keys", { role: "viewer", name: "prometheus" })).body.key;
  });
  afterEach(async () => {
    await gateway.close();
    await receiver.close();
  });

  async function scrape(key = viewerKey): Promise<Map<string, MetricFamily>> {
    const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  }

  async function createWebhook(fields: Record<string, unknown> = {}) {
    return (await subscribe(gateway, { url: receiver.url, ...fields })).id as string;
  }

  const events = (count: number, fields: (index: number) => Record<string, unknown>) =>
    Array.from({ length: count }, (_, index) => ({ type: "auto_ban", source: "waf-1", ...fields(index) }));

  it("counts what the receiver got as delivered, with valid histograms", async () => {
    const N = 40;
    const webhook = await createWebhook();
    const posted = await gateway.api(
      "POST",
      "/api/v1/events",
      events(N, (i) => ({ id: `e${i}` })),
    );
    expect(posted.status).toBe(202);
    await receiver.waitFor(N);
    await eventually(async () => {
      const { body } = await gateway.api("GET", `/api/v1/webhooks/${webhook}/deliveries?limit=100`);
      const data = body.data as { status: string }[];
      return data.length === N && data.every((d) => d.status === "delivered") ? true : undefined;
    });

    const metrics = await scrape();
    const delivered = { webhook, format: "json", outcome: "delivered" };
    expect(value(metrics, "herald_deliveries_total", delivered)).toBe(receiver.requests.length);
    expect(receiver.requests).toHaveLength(N);
    expect(samples(metrics, "herald_deliveries_total", { webhook })).toHaveLength(1);
    expect(value(metrics, "herald_events_ingested_total", { type: "auto_ban", source: "waf-1" })).toBe(N);

    for (const name of ["herald_attempt_duration_seconds", "herald_delivery_latency_seconds"]) {
      expect(checkHistogram(metrics, name)).toEqual([{ labels: { webhook }, count: N }]);
    }
    const attemptBounds = samples(metrics, "herald_attempt_duration_seconds_bucket").map((s) => s.labels.le);
    expect(attemptBounds[0]).toBe("0.005");
    expect(attemptBounds.at(-2)).toBe("30");
    for (const name of ["herald_claim_batch_size", "herald_record_batch_size"]) checkHistogram(metrics, name);
    expect(value(metrics, "herald_record_batch_size_sum")).toBe(N);
    // The first max_in_flight (16) went straight from ingest to the engine; the rest were claimed.
    expect(value(metrics, "herald_deliveries_sent_straight_total")).toBe(16);
    expect(value(metrics, "herald_claim_batch_size_sum")).toBe(N - 16);
    checkHistogram(metrics, "herald_claim_duration_seconds");
    checkHistogram(metrics, "herald_record_duration_seconds");
    expect(value(metrics, "herald_deliveries_in_flight")).toBe(0);
    expect(samples(metrics, "herald_queue_depth", { webhook })).toEqual([]);
    expect(metrics.get("process_cpu_user_seconds_total")?.type).toBe("counter");
    expect(metrics.get("nodejs_heap_size_used_bytes")?.type).toBe("gauge");
    // The URL never becomes a label.
    expect(JSON.stringify([...metrics.values()])).not.toContain(receiver.url);
  });

  it("counts 429 pauses and retries by webhook", async () => {
    const webhook = await createWebhook({ retry_count: 2 });
    receiver.answerWith(() => (receiver.requests.length === 1 ? { status: 429 } : { status: 204 }));
    await gateway.api(
      "POST",
      "/api/v1/events",
      events(1, () => ({ id: "throttled" })),
    );
    await receiver.waitFor(2);
    const metrics = await eventually(async () => {
      const scraped = await scrape();
      const done = value(scraped, "herald_deliveries_total", { webhook, outcome: "delivered" });
      return done === 1 ? scraped : undefined;
    });
    expect(value(metrics, "herald_throttled_total", { webhook })).toBe(1);
    expect(value(metrics, "herald_deliveries_total", { webhook, format: "json", outcome: "retrying" })).toBe(
      1,
    );
    expect(checkHistogram(metrics, "herald_attempt_duration_seconds")).toEqual([
      { labels: { webhook }, count: 2 },
    ]);
  });

  it("reports queue depth, the oldest waiting delivery's age and deliveries in flight", async () => {
    const webhook = await createWebhook();
    let answer = () => {};
    const answered = new Promise<void>((resolve) => (answer = resolve));
    receiver.answerWith(() => answered.then(() => ({ status: 200 }))); // held: all three stay in flight
    await gateway.api(
      "POST",
      "/api/v1/events",
      events(3, (i) => ({ id: `q${i}` })),
    );
    await receiver.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const metrics = await scrape();
    expect(value(metrics, "herald_deliveries_in_flight")).toBe(3);
    expect(value(metrics, "herald_queue_depth", { webhook, status: "pending" })).toBe(3);
    expect(value(metrics, "herald_queue_depth", { webhook, status: "retrying" })).toBeUndefined();
    const age = value(metrics, "herald_queue_oldest_age_seconds", { webhook, status: "pending" });
    expect(age).toBeGreaterThan(0);
    expect(age).toBeLessThan(60);
    answer();
    await eventually(async () =>
      value(await scrape(), "herald_deliveries_total", { webhook, outcome: "delivered" }) === 3
        ? true
        : undefined,
    );
    expect(value(await scrape(), "herald_deliveries_in_flight")).toBe(0);
  });

  it("reports the database pool: its size, and on PostgreSQL its open connections by state", async () => {
    const metrics = await scrape();
    if (kind === "pglite") {
      expect(value(metrics, "herald_db_pool_max")).toBe(1);
      expect(metrics.get("herald_db_pool_connections")?.samples ?? []).toEqual([]);
      return;
    }
    expect(value(metrics, "herald_db_pool_max")).toBe(gateway.config.HERALD_DB_POOL_SIZE);
    // The connection that asked was running a statement; the engine keeps others open.
    expect(value(metrics, "herald_db_pool_connections", { state: "active" })).toBeGreaterThanOrEqual(1);
    const open =
      (value(metrics, "herald_db_pool_connections", { state: "active" }) ?? 0) +
      (value(metrics, "herald_db_pool_connections", { state: "idle" }) ?? 0);
    expect(open).toBeLessThanOrEqual(gateway.config.HERALD_DB_POOL_SIZE);
  });

  it("answers 401 without a key, 403 to an ingest key, and is not under /api/v1", async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    const bad = await fetch(`${gateway.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
    const ingestKey = (await gateway.api("POST", "/api/v1/keys", { role: "ingest", name: "waf" })).body.key;
    const ingest = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${ingestKey}` },
    });
    expect(ingest.status).toBe(403);
    expect((await gateway.api("GET", "/api/v1/metrics", undefined, viewerKey)).status).toBe(404);
  });

  it("answers without a key on HERALD_METRICS_PORT, bound to 127.0.0.1", async () => {
    expect(gateway.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${gateway.metricsUrl}/metrics`);
    expect(response.status).toBe(200);
    const metrics = parsePrometheusText(await response.text());
    expect(metrics.get("herald_deliveries_in_flight")?.type).toBe("gauge");
    expect(metrics.get("herald_queue_depth")?.type).toBe("gauge");
    expect((await fetch(`${gateway.metricsUrl}/api/v1/webhooks`)).status).toBe(404);
  });

  it("keeps the type and source labels bounded: 1,000 unknown types and 150 sources", async () => {
    const posted = await gateway.api(
      "POST",
      "/api/v1/events",
      events(1000, (i) => ({ id: `u${i}`, type: `unknown.type.${i}`, source: `producer-${i % 150}` })),
    );
    expect(posted.status).toBe(202);
    const ingested = samples(await scrape(), "herald_events_ingested_total");
    expect(new Set(ingested.map((s) => s.labels.type))).toEqual(new Set(["other"]));
    const sources = new Set(ingested.map((s) => s.labels.source));
    expect(sources.size).toBe(101);
    expect(sources.has("other")).toBe(true);
    expect(ingested.reduce((sum, s) => sum + s.value, 0)).toBe(1000);
    // Posting the same events again stores nothing new, and counts nothing.
    await gateway.api(
      "POST",
      "/api/v1/events",
      events(1000, (i) => ({ id: `u${i}`, type: `unknown.type.${i}`, source: `producer-${i % 150}` })),
    );
    const again = samples(await scrape(), "herald_events_ingested_total");
    expect(again.reduce((sum, s) => sum + s.value, 0)).toBe(1000);
  });
});

describe("the Prometheus text parser", () => {
  it("reads labels with escapes, special values and timestamps", () => {
    const parsed = parsePrometheusText(
      '# HELP m A "help"\\nline\n# TYPE m gauge\nm{a="x\\"y",b="\\\\"} +Inf 1700000000000\nm{a="z"} NaN\n',
    );
    expect(parsed.get("m")?.help).toBe('A "help"\nline');
    expect(parsed.get("m")?.samples[0]).toEqual({
      name: "m",
      labels: { a: 'x"y', b: "\\" },
      value: Number.POSITIVE_INFINITY,
      timestamp: 1700000000000,
    });
  });

  it.each([
    ["no final line feed", "m 1"],
    ["a bad value", "m one\n"],
    ["an unterminated label", 'm{a="x} 1\n'],
    ["a bad escape", 'm{a="\\t"} 1\n'],
    ["a duplicate series", "m 1\nm 2\n"],
    ["ungrouped samples", 'm 1\nn 1\nm{a="b"} 1\n'],
    ["TYPE after samples", "m 1\n# TYPE m gauge\n"],
    ["an unknown type", "# TYPE m thing\n"],
  ])("refuses %s", (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });

  it("refuses a histogram whose buckets are not cumulative or miss +Inf", () => {
    const head = "# TYPE h histogram\n";
    const broken = parsePrometheusText(
      `${head}h_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n`,
    );
    expect(() => checkHistogram(broken, "h")).toThrow(/cumulative/);
    const noInf = parsePrometheusText(`${head}h_bucket{le="1"} 3\nh_sum 1\nh_count 3\n`);
    expect(() => checkHistogram(noInf, "h")).toThrow(/\+Inf/);
  });
});
