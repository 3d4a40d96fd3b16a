import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_DEPTH, MAX_DATA_DEPTH, MAX_DATA_KEYS, MAX_EVENT_BYTES } from "../../src/events/limits";
import { storeKinds } from "../support/databases";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../support/gateway";

/** Data of `count` keys: {"k0": 0, "k1": 1, …}. */
function dataOfKeys(count: number): Record<string, number> {
  const data: Record<string, number> = {};
  for (let i = 0; i < count; i++) data[`k${i}`] = i;
  return data;
}

/** Data `levels` objects deep, data itself the first: {"a": {"a": … {}}}. */
function dataNested(levels: number): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) data = { a: data };
  return data;
}

/** An event whose compact JSON takes exactly `bytes` UTF-8 bytes, its data mostly two-byte "é". */
function eventOfBytes(id: string, bytes: number): Record<string, unknown> {
  const event = { type: "hit", id, data: { blob: "" } };
  const missing = bytes - Buffer.byteLength(JSON.stringify(event));
  event.data.blob = "é".repeat(Math.floor(missing / 2)) + "x".repeat(missing % 2);
  expect(Buffer.byteLength(JSON.stringify(event))).toBe(bytes);
  return event;
}

describe.each(storeKinds())("input bounds on %s", (kind) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(kind);
  });
  afterAll(() => gateway.close());

  /** Posts an event with the given id and answers whether Herald had it already. */
  async function isDuplicate(id: string): Promise<boolean> {
    const { status, body } = await gateway.api("POST", "/api/v1/events", { type: "hit", id });
    expect(status).toBe(202);
    return body.data[0].duplicate;
  }

  it("a body over HERALD_MAX_BODY_BYTES gets 413 without being read to the end", async () => {
    const limit = gateway.config.HERALD_MAX_BODY_BYTES;
    expect(limit).toBe(5 * 1024 * 1024);
    const expected = {
      error: "payload_too_large",
      message: expect.stringContaining(`HERALD_MAX_BODY_BYTES, ${limit} bytes`),
    };

    // With a Content-Length: refused on the header.
    const declared = await gateway.api("POST", "/api/v1/events", " ".repeat(limit + 1));
    expect(declared).toEqual({ status: 413, body: expected });

    // Chunked, without a Content-Length: refused once the limit is passed, the rest never read.
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const total = 100 * limit;
    let pulled = 0;
    function* spaces() {
      while (pulled < total) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const source = spaces();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = source.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
    const response = await fetch(`${gateway.url}/api/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual(expected);
    // Pulled: the limit and what the sockets between client and server buffer, far from the end.
    expect(pulled).toBeGreaterThan(limit);
    expect(pulled).toBeLessThan(5 * limit);
    // Nor is the rest read once the answer is sent (the server drains for at most 500 ms).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(pulled).toBeLessThan(5 * limit);
  });

  it("an event of 200,000 data keys gets 422 naming the event and the limit", async () => {
    const { status, body } = await gateway.api("POST", "/api/v1/events", {
      type: "hit",
      id: "wide",
      data: dataOfKeys(200_000),
    });
    expect(status).toBe(422);
    expect(body.issues).toEqual([
      { path: "data", message: `must not hold more than ${MAX_DATA_KEYS} keys and array elements in all` },
    ]);
    expect(await isDuplicate("wide")).toBe(false);
  });

  it("the second event of an array nested 33 levels deep gets 422 naming 1.data", async () => {
    const { body: webhook } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "s",
      url: "http://127.0.0.1:9/",
    });
    const tooDeep = [
      { type: "hit", id: "shallow" },
      { type: "hit", id: "deep", data: dataNested(MAX_DATA_DEPTH + 1) },
    ];
    const { status, body } = await gateway.api("POST", "/api/v1/events", tooDeep);
    expect(status).toBe(422);
    expect(body.issues).toEqual([
      { path: "1.data", message: `must not nest deeper than ${MAX_DATA_DEPTH} levels` },
    ]);
    expect(body.message).toBe("1.data: must not nest deeper than 32 levels");

    // Nothing of the batch was stored: no deliveries, and both ids are new afterwards.
    const deliveries = await gateway.api("GET", `/api/v1/webhooks/${webhook.id}/deliveries`);
    expect(deliveries.body.data).toEqual([]);
    expect(await isDuplicate("shallow")).toBe(false);
    expect(await isDuplicate("deep")).toBe(false);

    const deepest = { type: "hit", id: "deepest", data: dataNested(MAX_DATA_DEPTH) };
    expect((await gateway.api("POST", "/api/v1/events", deepest)).status).toBe(202);
  });

  it("JSON nested 5,000 levels deep gets 422, not 500", async () => {
    const deepData = `{"type":"hit","data":${'{"a":'.repeat(5000)}1${"}".repeat(5001)}`;
    const deepArray = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const bodies = [
      ["/api/v1/events", deepData],
      ["/api/v1/events", deepArray],
      ["/api/v1/preview", `{"webhook":{},"event":${deepData}}`],
    ];
    for (const [path = "", text] of bodies) {
      const { status, body } = await gateway.api("POST", path, text);
      expect(status, path).toBe(422);
      expect(body.message).toBe(`body: JSON must not nest deeper than ${MAX_BODY_DEPTH} levels`);
    }
  });

  it("an event just over 1 MiB gets 422; one just under is accepted", async () => {
    const over = await gateway.api("POST", "/api/v1/events", [
      { type: "hit", id: "small" },
      eventOfBytes("big", MAX_EVENT_BYTES + 1),
    ]);
    expect(over.status).toBe(422);
    expect(over.body.issues).toEqual([
      { path: "1", message: "an event must not be larger than 1 MiB (1048576 bytes) as JSON" },
    ]);
    expect(await isDuplicate("big")).toBe(false);

    // At the limit itself: not over it.
    const under = await gateway.api("POST", "/api/v1/events", eventOfBytes("largest", MAX_EVENT_BYTES));
    expect(under.status).toBe(202);
    expect(under.body.data[0]).toMatchObject({ id: "largest", duplicate: false });
  });

  it("a preview with a 150,000-key event gets 422, not 500", async () => {
    const event = { type: "hit", data: dataOfKeys(150_000) };
    const message = `must not hold more than ${MAX_DATA_KEYS} keys and array elements in all`;
    const unsaved = await gateway.api("POST", "/api/v1/preview", { webhook: { format: "leef" }, event });
    expect(unsaved.status).toBe(422);
    expect(unsaved.body.issues).toEqual([{ path: "event.data", message }]);

    const { body: webhook } = await gateway.api("POST", "/api/v1/webhooks", {
      name: "qradar",
      url: "http://127.0.0.1:9/",
      format: "leef",
    });
    const saved = await gateway.api("POST", `/api/v1/webhooks/${webhook.id}/preview`, event);
    expect(saved.status).toBe(422);
    expect(saved.body.issues).toEqual([{ path: "data", message }]);
  });
});
