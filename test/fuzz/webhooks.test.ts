import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FuzzAnswer,
  type FuzzGateway,
  type FuzzRequest,
  get,
  startFuzzGateway,
} from "./support/fuzz-gateway";
import { bodyRequests, idSegment, queryOf, withAuthorization } from "./support/requests";
import { runFuzz } from "./support/run-fuzz";
import { requestBodyOf } from "./support/schema-arbitrary";

describe("fuzzing webhooks: create, read, change, delete, test and preview", () => {
  let fuzz: FuzzGateway;
  const webhookIds: string[] = [];

  beforeAll(async () => {
    fuzz = await startFuzzGateway();
  });
  afterAll(() => fuzz?.close());

  /** Remembers the webhooks created, for the requests that name one. */
  function rememberCreated(request: FuzzRequest, answer: FuzzAnswer) {
    if (request.method === "POST" && request.path === "/api/v1/webhooks" && answer.status === 201) {
      webhookIds.push(JSON.parse(answer.text).id);
    }
  }

  it("answers every webhook request with a 2xx or a 4xx naming the field", { timeout: 120_000 }, async () => {
    const document = fuzz.document;
    const formats = JSON.parse((await fuzz.send(get("/api/v1/formats"))).text).data.map(
      (f: { name: string }) => f.name,
    );
    // The document's examples, sent to the test receiver rather than the example's host.
    const toReceiver = (example: unknown) => ({ ...(example as object), url: fuzz.receiver.url });
    const { examples } = requestBodyOf(document, "post", "/api/v1/webhooks");
    const validWebhook = fc
      .record({
        example: fc.constantFrom(...examples.map(toReceiver)),
        name: fc.string({ minLength: 1, maxLength: 40 }),
        format: fc.constantFrom(...formats),
        event_types: fc.constantFrom(["*"], ["auth.*"], ["hit", "auto_ban"]),
        template: fc.constantFrom(
          undefined,
          null,
          '{"event": {{{json event.type}}}}',
          "{{event.title}}",
          "{{#each",
        ),
      })
      .map(({ example, ...fields }) => ({ ...example, ...fields, options: {} }));
    const webhookId = idSegment(() => webhookIds.slice(-20));
    const withId = (template: string) => webhookId.map((id) => template.replace("{id}", id));
    const requests = withAuthorization(
      fc.oneof(
        {
          weight: 4,
          arbitrary: bodyRequests(document, "post", "/api/v1/webhooks", fc.constant("/api/v1/webhooks"), [
            validWebhook,
          ]),
        },
        {
          weight: 3,
          arbitrary: bodyRequests(document, "put", "/api/v1/webhooks/{id}", withId("/api/v1/webhooks/{id}"), [
            validWebhook,
          ]),
        },
        {
          weight: 2,
          arbitrary: bodyRequests(
            document,
            "post",
            "/api/v1/webhooks/{id}/preview",
            withId("/api/v1/webhooks/{id}/preview"),
          ),
        },
        {
          weight: 1,
          arbitrary: bodyRequests(
            document,
            "post",
            "/api/v1/webhooks/{id}/test",
            withId("/api/v1/webhooks/{id}/test"),
          ),
        },
        {
          weight: 3,
          arbitrary: bodyRequests(document, "post", "/api/v1/preview", fc.constant("/api/v1/preview")),
        },
        {
          weight: 1,
          arbitrary: queryOf(document, "get", "/api/v1/webhooks").map((query) =>
            get(`/api/v1/webhooks${query}`),
          ),
        },
        { weight: 1, arbitrary: withId("/api/v1/webhooks/{id}").map((path) => get(path)) },
        {
          weight: 1,
          arbitrary: withId("/api/v1/webhooks/{id}/stats").chain((path) =>
            queryOf(document, "get", "/api/v1/webhooks/{id}/stats").map((query) => get(`${path}${query}`)),
          ),
        },
        {
          weight: 1,
          arbitrary: withId("/api/v1/webhooks/{id}").map((path) => ({ ...get(path), method: "DELETE" })),
        },
      ),
      () => fuzz.keys,
    );

    const counts = await runFuzz(fuzz, "webhooks and previews", 0.3, requests, rememberCreated);

    expect(counts.byStatus["201"]).toBeGreaterThan(0);
    expect(counts.byStatus["200"]).toBeGreaterThan(0);
    expect((await fuzz.send(get("/readyz"))).status).toBe(200);
    expect(fuzz.errorLines.filter((line) => line.includes("unexpected error"))).toEqual([]);
  });

  it("POST /preview names a webhook's bad format, options or template under webhook", async () => {
    const preview = async (webhook: Record<string, unknown>) =>
      (await fuzz.gateway.api("POST", "/api/v1/preview", { webhook })).body;
    expect((await preview({ format: "nope" })).issues).toEqual([
      { path: "webhook.format", message: 'unknown format "nope"' },
    ]);
    expect((await preview({ format: "json", template: "{{#each" })).issues).toEqual([
      expect.objectContaining({ path: "webhook.template" }),
    ]);
  });
});
