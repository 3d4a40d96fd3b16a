import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureNames, rawFixture } from "../support/fixtures";
import {
  type FuzzAnswer,
  type FuzzGateway,
  type FuzzRequest,
  get,
  startFuzzGateway,
} from "./support/fuzz-gateway";
import { bodyRequests, idSegment, queryOf, withAuthorization } from "./support/requests";
import { runFuzz } from "./support/run-fuzz";

describe("fuzzing API keys, replay and the deliveries", () => {
  let fuzz: FuzzGateway;
  const keyIds: string[] = [];
  const webhookIds: string[] = [];

  beforeAll(async () => {
    fuzz = await startFuzzGateway();
    // Two webhooks to the test receiver (one paused) and the fixtures stored, for replay to find.
    for (const state of ["active", "paused"]) {
      const { body } = await fuzz.gateway.api("POST", "/api/v1/webhooks", {
        name: `fuzz ${state}`,
        url: fuzz.receiver.url,
        state,
      });
      webhookIds.push(body.id);
    }
    const posted = await fuzz.gateway.api("POST", "/api/v1/events", fixtureNames().map(rawFixture));
    expect(posted.status).toBe(202);
  });
  afterAll(() => fuzz?.close());

  /** Remembers the keys created (never the fuzz's own viewer and ingest keys), for DELETE /keys/{id}. */
  function rememberCreated(request: FuzzRequest, answer: FuzzAnswer) {
    if (request.method === "POST" && request.path === "/api/v1/keys" && answer.status === 201) {
      keyIds.push(JSON.parse(answer.text).id);
    }
  }

  it("answers every key, replay and delivery request with a 2xx or a 4xx naming the field", {
    timeout: 120_000,
  }, async () => {
    const document = fuzz.document;
    const lastHour = fc.constant(null).map(() => ({
      since: new Date(Date.now() - 3_600_000).toISOString(),
      until: new Date(Date.now() + 60_000).toISOString(),
    }));
    const validReplay = fc
      .tuple(
        lastHour,
        fc.constantFrom(undefined, ["*"], ["auth.*", "hit"]),
        fc.constantFrom(undefined, ["never"], ["delivered", "dead"]),
        fc.boolean(),
      )
      .map(([window, types, statuses, dry_run]) => ({ ...window, types, statuses, dry_run }));
    const webhookId = idSegment(() => webhookIds);
    const replayPath = webhookId.map((id) => `/api/v1/webhooks/${id}/replay`);
    const requests = withAuthorization(
      fc.oneof(
        { weight: 3, arbitrary: bodyRequests(document, "post", "/api/v1/keys", fc.constant("/api/v1/keys")) },
        {
          weight: 1,
          arbitrary: queryOf(document, "get", "/api/v1/keys").map((query) => get(`/api/v1/keys${query}`)),
        },
        {
          weight: 1,
          arbitrary: idSegment(() => keyIds.slice(-20)).map((id) => ({
            ...get(`/api/v1/keys/${id}`),
            method: "DELETE",
          })),
        },
        {
          weight: 4,
          arbitrary: bodyRequests(document, "post", "/api/v1/webhooks/{id}/replay", replayPath, [
            validReplay,
          ]),
        },
        {
          weight: 2,
          arbitrary: queryOf(document, "get", "/api/v1/deliveries").map((query) =>
            get(`/api/v1/deliveries${query}`),
          ),
        },
        {
          weight: 1,
          arbitrary: queryOf(document, "post", "/api/v1/deliveries/retry").map((query) => ({
            ...get(`/api/v1/deliveries/retry${query}`),
            method: "POST",
          })),
        },
        { weight: 1, arbitrary: idSegment(() => []).map((id) => get(`/api/v1/deliveries/${id}`)) },
      ),
      () => fuzz.keys,
    );

    const counts = await runFuzz(fuzz, "keys, replay and deliveries", 0.15, requests, rememberCreated);

    expect(counts.byStatus["201"]).toBeGreaterThan(0);
    expect(counts.byStatus["200"]).toBeGreaterThan(0);
    expect((await fuzz.send(get("/readyz"))).status).toBe(200);
    expect(fuzz.errorLines.filter((line) => line.includes("unexpected error"))).toEqual([]);
    // The fuzz's own keys were never revoked: they still work.
    expect((await fuzz.gateway.api("GET", "/api/v1/whoami", undefined, fuzz.keys.viewer)).status).toBe(200);
  });
});
