import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptEvent, incomingEventSchema } from "../../src/events/event";
import { fixtureNames, rawFixture } from "../support/fixtures";
import {
  bearer,
  type FuzzAnswer,
  type FuzzGateway,
  type FuzzRequest,
  get,
  startFuzzGateway,
} from "./support/fuzz-gateway";
import { bodyRequests, idSegment, queryOf, withAuthorization } from "./support/requests";
import { runFuzz } from "./support/run-fuzz";
import { arbitraryFromSchema, requestBodyOf } from "./support/schema-arbitrary";

const CONTENT_TYPES = [
  "application/json",
  "application/cloudevents+json",
  "application/cloudevents-batch+json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
];

/** A JSON value through JSON and back: what any store of JSON may give back for it. */
const viaJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe("fuzzing POST /events and the event history", () => {
  let fuzz: FuzzGateway;
  const storedIds: string[] = [];

  beforeAll(async () => {
    fuzz = await startFuzzGateway();
  });
  afterAll(() => fuzz?.close());

  /**
   * Every event a 202 stored (not a duplicate) reads back as acceptEvent makes it from what was
   * posted (ids and times filled in, the time in ISO form), its data exactly as posted.
   */
  async function expectRoundTrip(request: FuzzRequest, answer: FuzzAnswer) {
    if (answer.status !== 202 || request.method !== "POST") return;
    // Decoded as the gateway decodes it: a leading byte-order mark dropped.
    const posted = JSON.parse(new TextDecoder().decode(request.body));
    const events: Record<string, unknown>[] = Array.isArray(posted) ? posted : [posted];
    const { data } = JSON.parse(answer.text) as { data: { id: string; duplicate: boolean }[] };
    expect(data).toHaveLength(events.length);
    for (const [index, event] of events.entries()) {
      const result = data[index];
      if (!result || result.duplicate) continue;
      const source = typeof event.source === "string" ? event.source : "unknown";
      const read = await fuzz.send(
        get(`/api/v1/events/${encodeURIComponent(result.id)}?source=${encodeURIComponent(source)}`),
      );
      expect(read.status, `GET the event ${result.id} from ${source} a 202 stored`).toBe(200);
      const { deliveries: _, received_at, ...stored } = JSON.parse(read.text);
      // The store stamps received_at with the database's clock, a moment after ingest took the
      // time it fills in: an event posted without one reads back with a time just before it.
      if (event.time === undefined) {
        expect(Date.parse(received_at) - Date.parse(stored.time)).toBeLessThan(5_000);
      }
      const receivedAt = new Date(event.time === undefined ? stored.time : received_at);
      const expected = acceptEvent(incomingEventSchema.parse(event), receivedAt, () => result.id);
      expect(stored).toEqual(viaJson(expected));
      expect(stored.data).toEqual(viaJson(event.data ?? {}));
      storedIds.push(result.id);
    }
  }

  it("answers every posted event, batch, garbage body and header with a 202 or a 4xx naming the field", {
    timeout: 120_000,
  }, async () => {
    const document = fuzz.document;
    const { schema } = requestBodyOf(document, "post", "/api/v1/events");
    const fixtures = fixtureNames().map(rawFixture);
    const oneEvent = fc.oneof(fc.constantFrom(...fixtures), arbitraryFromSchema(document, schema));
    const batch = fc.array(oneEvent, { minLength: 1, maxLength: 5 });
    const posts = bodyRequests(document, "post", "/api/v1/events", fc.constant("/api/v1/events"), [
      oneEvent,
      batch,
    ]);
    const contentType = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((type) => [["content-type", type]]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          [],
          [["content-type", "text/plain"]],
          [["content-type", "application/x-www-form-urlencoded"]],
          [["content-type", "multipart/form-data; boundary=x"]],
          [["content-type", ";;;"]],
          [
            ["content-type", "application/json"],
            ["content-type", "text/plain"],
          ],
        ),
      },
    );
    const ingest = fc.tuple(posts, contentType).map(([request, headers]) => ({
      ...request,
      headers: [
        ...request.headers.filter(([name]) => name !== "content-type"),
        ...(headers as [string, string][]),
      ],
    }));
    const reads = fc.oneof(
      queryOf(document, "get", "/api/v1/events").map((query) => get(`/api/v1/events${query}`)),
      fc
        .tuple(
          idSegment(() => storedIds.slice(-50)),
          queryOf(document, "get", "/api/v1/events/{id}"),
        )
        .map(([id, query]) => get(`/api/v1/events/${id}${query}`)),
    );
    const requests = withAuthorization(
      fc.oneof({ weight: 4, arbitrary: ingest }, { weight: 1, arbitrary: reads }),
      () => fuzz.keys,
    );

    const counts = await runFuzz(fuzz, "ingest", 0.3, requests, expectRoundTrip);

    expect(counts.byStatus["202"]).toBeGreaterThan(counts.requests / 10);
    expect(storedIds.length).toBeGreaterThan(0);
    expect((await fuzz.send(get("/readyz"))).status).toBe(200);
    expect(fuzz.errorLines.filter((line) => line.includes("unexpected error"))).toEqual([]);
  });

  it("an ingest key may post but not read; a bad key gets 401", async () => {
    const event = Buffer.from(JSON.stringify({ type: "hit" }));
    const post = (key: string) =>
      fuzz.send({
        method: "POST",
        path: "/api/v1/events",
        headers: [bearer(key), ["content-type", "application/json"]],
        body: event,
        kind: "valid",
      });
    expect((await post(fuzz.keys.ingest as string)).status).toBe(202);
    expect((await fuzz.send({ ...get("/api/v1/events"), headers: [bearer(fuzz.keys.ingest)] })).status).toBe(
      403,
    );
    expect((await post("hk_wrong")).status).toBe(401);
  });

  it("a NUL in an event id or a text filter finds nothing or names the filter, never a database error", async () => {
    const answer = async (path: string) => {
      const { status, text } = await fuzz.send(get(path));
      return { status, body: JSON.parse(text) };
    };
    expect(await answer("/api/v1/events/a%00b")).toMatchObject({ status: 404, body: { error: "not_found" } });
    expect(await answer("/api/v1/events/x?source=a%00b")).toMatchObject({
      status: 422,
      body: { issues: [{ path: "source", message: "must not contain the NUL character (U+0000)" }] },
    });
    expect(await answer("/api/v1/events?type=%00")).toMatchObject({
      status: 422,
      body: { issues: [{ path: "type", message: "must not contain the NUL character (U+0000)" }] },
    });
  });
});
