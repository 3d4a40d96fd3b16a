import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hecAckUrl } from "../../src/transports/http";
import { createTransports, type TransportRequest, type Transports } from "../../src/transports/registry";
import { type SplunkHecStandIn, startSplunkHecStandIn } from "../support/receivers";

const CHANNEL = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba";
const EVENT = JSON.stringify({ time: 1771583400, sourcetype: "herald", event: { type: "waf.block" } });

describe("Splunk HEC", () => {
  let hec: SplunkHecStandIn;
  let transports: Transports;
  const eventUrl = () => `${hec.origin}/services/collector/event`;
  const send = (extra: Partial<TransportRequest> = {}) =>
    transports.forUrl(eventUrl()).send({
      url: eventUrl(),
      method: "POST",
      headers: { "content-type": "application/json" },
      body: EVENT,
      timeoutMs: 3000,
      connectTimeoutMs: 1000,
      auth: { type: "splunk", token: "plain" },
      ...extra,
    });

  beforeAll(async () => {
    hec = await startSplunkHecStandIn({
      tokens: {
        plain: { indexes: ["main"] },
        disabled: { disabled: true },
        acked: { ack: true, pollsBeforeIndexed: 2 },
        "never-indexed": { ack: true, pollsBeforeIndexed: Number.POSITIVE_INFINITY },
      },
    });
    transports = createTransports({ http: { hecAckPollMs: 20 } });
  });

  afterAll(async () => {
    await transports?.closeAll();
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
    ["no token", { auth: undefined, splunkHec: {} }, 2, "Token is required"],
    [
      "another scheme",
      { auth: { type: "bearer", token: "plain" }, splunkHec: {} },
      3,
      "Invalid authorization",
    ],
  ] as const)("%s is a permanent token error naming code and text", async (_, extra, code, text) => {
    const outcome = await send(extra as Partial<TransportRequest>);
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
    const outcome = await send({
      auth: { type: "splunk", token: "acked" },
      splunkHec: { channel: CHANNEL, ack: true },
    });
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

  it("an ack that does not come within the timeout is a retryable failure naming the ackId", async () => {
    const outcome = await send({
      auth: { type: "splunk", token: "never-indexed" },
      splunkHec: { channel: CHANNEL, ack: true },
      timeoutMs: 400,
    });
    expect(outcome).toMatchObject({ success: false, retryable: true, statusCode: 200 });
    expect(outcome.error).toMatch(
      /accepted the events \(ackId \d+\) but had not acknowledged indexing them within 400 ms/,
    );
  });

  it("ack without a channel is refused before sending", async () => {
    const before = hec.requests.length;
    const outcome = await send({ splunkHec: { ack: true } });
    expect(outcome).toMatchObject({ success: false, retryable: false });
    expect(outcome.error).toContain("needs a channel");
    expect(hec.requests.length).toBe(before);
  });

  it("a token that needs a channel, sent none, is permanent (code 10)", async () => {
    const outcome = await send({ auth: { type: "splunk", token: "acked" } });
    expect(outcome).toMatchObject({ success: false, retryable: false, statusCode: 400 });
    expect(outcome.error).toBe("Splunk HEC code 10: Data channel is missing");
  });

  it("ack asked of a token without acknowledgement: accepted, with a warning", async () => {
    const outcome = await send({ splunkHec: { channel: CHANNEL, ack: true } });
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
