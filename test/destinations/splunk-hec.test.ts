import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SendRequest } from "../../src/destinations/destination";
import type { HttpSettingsBase } from "../../src/destinations/http/sender";
import { openSenders, type Senders } from "../../src/destinations/registry";
import { hecAckUrl } from "../../src/destinations/splunk-hec/answers";
import { splunkHecDestination } from "../../src/destinations/splunk-hec/index";
import { type SplunkHecStandIn, startSplunkHecStandIn } from "../support/splunk-hec";

interface SplunkHecSettings extends HttpSettingsBase {
  splunk_hec: { ack: boolean; channel: string } | null;
}
type HecRequest = SendRequest<SplunkHecSettings>;

const CHANNEL = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba";
const EVENT = JSON.stringify({ time: 1771583400, sourcetype: "herald", event: { type: "waf.block" } });

describe("Splunk HEC", () => {
  let hec: SplunkHecStandIn;
  let senders: Senders;
  const eventUrl = () => `${hec.origin}/services/collector/event`;
  const send = (extra: Partial<HecRequest> = {}, settings: Partial<SplunkHecSettings> = {}) => {
    const request: HecRequest = {
      url: eventUrl(),
      method: "POST",
      headers: { "content-type": "application/json" },
      body: EVENT,
      eventCount: 1,
      timeoutMs: 3000,
      connectTimeoutMs: 1000,
      ...extra,
      settings: { auth: { type: "splunk", token: "plain" }, tls: null, splunk_hec: null, ...settings },
    };
    return senders.forKind("splunk_hec").send(request as unknown as SendRequest);
  };

  beforeAll(async () => {
    hec = await startSplunkHecStandIn({
      tokens: {
        plain: { indexes: ["main"] },
        disabled: { disabled: true },
        acked: { ack: true, pollsBeforeIndexed: 2 },
        "never-indexed": { ack: true, pollsBeforeIndexed: Number.POSITIVE_INFINITY },
        "slow-ack": { ack: true, pollsBeforeIndexed: Number.POSITIVE_INFINITY, ackAnswerDelayMs: 5000 },
      },
    });
    senders = openSenders({ hecAckPollMs: 20 });
  });

  afterAll(async () => {
    await senders?.closeAll();
    await hec?.close();
  });

  it("code 0 is success", async () => {
    const outcome = await send();
    expect(outcome).toMatchObject({ success: true, statusCode: 200, warnings: [] });
    expect(JSON.parse(outcome.responseExcerpt ?? "")).toEqual({ text: "Success", code: 0 });
    expect(hec.requests.at(-1)?.headers.authorization).toBe("Splunk plain");
  });

  it.each([
    ["an unknown token", { auth: { type: "splunk", token: "nope" } }, 4, "Invalid token"],
    ["a disabled token", { auth: { type: "splunk", token: "disabled" } }, 1, "Token disabled"],
    ["no token", { auth: null }, 2, "Token is required"],
    ["another scheme", { auth: { type: "bearer", token: "plain" } }, 3, "Invalid authorization"],
  ] as const)("%s is a permanent token error naming code and text", async (_, settings, code, text) => {
    const outcome = await send({}, settings);
    expect(outcome).toMatchObject({ success: false, retryable: false });
    expect(outcome.error).toBe(`Splunk HEC code ${code} (token error): ${text}`);
  });

  it.each([
    ["no data", "", 5, "No data"],
    ["invalid JSON", "{not json", 6, "Invalid data format"],
    ["an event without the event field", '{"time":1}', 12, "Event field is required"],
    ["a blank event", '{"event":""}', 13, "Event field cannot be blank"],
    ["an index the token may not write", '{"event":"x","index":"secret"}', 7, "Incorrect index"],
  ])("%s is a permanent data error naming code and text", async (_, body, code, text) => {
    const outcome = await send({ body });
    expect(outcome).toMatchObject({ success: false, retryable: false, statusCode: 400 });
    expect(outcome.error).toBe(`Splunk HEC code ${code} (data error): ${text}`);
  });

  it("code 9 (server busy) is retryable", async () => {
    hec.busy = true;
    try {
      const outcome = await send();
      expect(outcome).toMatchObject({ success: false, retryable: true, statusCode: 503 });
      expect(outcome.error).toBe("Splunk HEC code 9 (server busy): Server is busy");
    } finally {
      hec.busy = false;
    }
  });

  it("sends the request channel; with ack, polls /services/collector/ack until indexed", async () => {
    const before = hec.requests.length;
    const outcome = await send(
      {},
      { auth: { type: "splunk", token: "acked" }, splunk_hec: { channel: CHANNEL, ack: true } },
    );
    expect(outcome).toMatchObject({ success: true, statusCode: 200 });

    const requests = hec.requests.slice(before);
    expect(requests.map((req) => req.url)).toEqual([
      "/services/collector/event",
      "/services/collector/ack",
      "/services/collector/ack",
      "/services/collector/ack",
    ]);
    const { ackId } = JSON.parse(outcome.responseExcerpt ?? "");
    for (const req of requests) {
      expect(req.headers["x-splunk-request-channel"]).toBe(CHANNEL);
      expect(req.headers.authorization).toBe("Splunk acked");
    }
    expect(JSON.parse(requests[1]?.body ?? "")).toEqual({ acks: [ackId] });
  });

  it.each([
    ["never indexed", "never-indexed"],
    ["the time is up during an ack poll that Splunk has not answered", "slow-ack"],
  ])(
    "an ack that does not come within the timeout (%s) is a retryable failure naming the ackId",
    async (_, token) => {
      const outcome = await send(
        { timeoutMs: 400 },
        { auth: { type: "splunk", token }, splunk_hec: { channel: CHANNEL, ack: true } },
      );
      expect(outcome).toMatchObject({ success: false, retryable: true, statusCode: 200 });
      expect(outcome.error).toMatch(
        /accepted the events \(ackId \d+\) but had not acknowledged indexing them within 400 ms/,
      );
      expect(outcome.durationMs).toBeLessThan(5000);
    },
  );

  it("ack without a channel is never sent: the settings give it one, and acknowledgement works on it", async () => {
    const settings = splunkHecDestination.settingsSchema.parse({
      auth: { type: "splunk", token: "acked" },
      splunk_hec: { ack: true },
    }) as unknown as SplunkHecSettings;
    const channel = settings.splunk_hec?.channel;
    expect(channel).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const before = hec.requests.length;
    const outcome = await send({}, settings);
    expect(outcome).toMatchObject({ success: true, statusCode: 200, warnings: [] });
    const requests = hec.requests.slice(before);
    expect(requests.map((req) => req.url)).toContain("/services/collector/ack");
    for (const req of requests) expect(req.headers["x-splunk-request-channel"]).toBe(channel);
  });

  it("a token that needs a channel, sent none, is permanent (code 10)", async () => {
    const outcome = await send({}, { auth: { type: "splunk", token: "acked" } });
    expect(outcome).toMatchObject({ success: false, retryable: false, statusCode: 400 });
    expect(outcome.error).toBe("Splunk HEC code 10: Data channel is missing");
  });

  it("ack asked of a token without acknowledgement: accepted, with a warning", async () => {
    const outcome = await send({}, { splunk_hec: { channel: CHANNEL, ack: true } });
    expect(outcome.success).toBe(true);
    expect(outcome.warnings).toEqual([expect.stringContaining("indexer acknowledgement is off")]);
  });

  it("finds the ack endpoint beside the event endpoint, behind a path prefix too", () => {
    expect(hecAckUrl("https://splunk:8088/services/collector/event?channel=x")).toBe(
      "https://splunk:8088/services/collector/ack",
    );
    expect(hecAckUrl("https://proxy/splunk/services/collector")).toBe(
      "https://proxy/splunk/services/collector/ack",
    );
  });
});
