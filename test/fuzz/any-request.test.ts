import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FuzzGateway, type FuzzRequest, get, startFuzzGateway } from "./support/fuzz-gateway";
import { garbageBody, hostileString } from "./support/hostile";
import { withAuthorization } from "./support/requests";
import { runFuzz } from "./support/run-fuzz";
import { declaredFields, type OpenApiDocument } from "./support/schema-arbitrary";

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/** The body fields the document declares for any operation on the path a request was sent to. */
function fieldsForPath(document: OpenApiDocument, sentTo: string): string[] {
  const pathname = new URL(sentTo, "http://x").pathname;
  return Object.entries(document.paths).flatMap(([template, operations]) => {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (!pattern.test(pathname)) return [];
    return Object.values(operations).flatMap((operation) => {
      const schema = operation.requestBody?.content["application/json"]?.schema;
      return schema ? declaredFields(document, schema) : [];
    });
  });
}

describe("fuzzing any method, path, headers and body", () => {
  let fuzz: FuzzGateway;

  beforeAll(async () => {
    fuzz = await startFuzzGateway();
  });
  afterAll(() => fuzz?.close());

  it("answers whatever arrives with a 2xx, 3xx or a 4xx in the error shape, never a 5xx", {
    timeout: 120_000,
  }, async () => {
    // The document's paths, their {parameters} filled with hostile text or a UUID, plus made-up ones.
    const documented = Object.keys(fuzz.document.paths);
    const segment = fc.oneof(
      fc.uuid(),
      hostileString.map((text) => encodeURIComponent(text.toWellFormed())),
    );
    const path = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...documented), segment)
          .map(([template, id]) => template.replace(/\{[^}]+\}/g, id)),
      },
      {
        weight: 1,
        arbitrary: fc.array(segment, { maxLength: 4 }).map((parts) => `/api/v1/${parts.join("/")}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "/",
          "//api/v1/events",
          "/api/v1/../v1/events",
          "/api/v1/events/",
          "/api/v2/events",
          "/%",
          "/api/v1/events?%",
          "/api/v1/events?limit=1&limit=2",
          "/console/assets/..%2f..%2fpackage.json",
          "/docs/..%2fpackage.json",
        ),
      },
    );
    const header = fc.tuple(
      fc.constantFrom(
        "content-type",
        "accept",
        "content-encoding",
        "transfer-encoding-x",
        "x-request-id",
        "accept-charset",
        "origin",
        "cookie",
        "x-forwarded-for",
        "if-none-match",
      ),
      fc.oneof(
        fc.constantFrom(
          "application/json",
          "text/plain",
          "gzip",
          "br",
          "*/*",
          "application/json; charset=latin1",
          "application/json; charset=utf-16",
          "x".repeat(6000),
        ),
        fc.string({ maxLength: 30 }).filter((text) => /^[\t\x20-\x7e]*$/.test(text)),
      ),
    );
    const request = fc
      .record({
        method: fc.constantFrom(...METHODS),
        path,
        headers: fc.array(header, { maxLength: 3 }),
        body: fc.option(garbageBody, { freq: 3 }),
      })
      .map(
        ({ method, path: sentTo, headers, body }): FuzzRequest => ({
          method,
          path: sentTo,
          headers: [["authorization", "placeholder"], ...(headers as [string, string][])],
          body: body ?? undefined,
          declaredFields: fieldsForPath(fuzz.document, sentTo),
          kind: "any",
        }),
      );

    const counts = await runFuzz(
      fuzz,
      "any request",
      0.25,
      withAuthorization(request, () => fuzz.keys),
    );

    expect(counts.requests).toBeGreaterThan(0);
    expect((await fuzz.send(get("/readyz"))).status).toBe(200);
    expect(fuzz.errorLines.filter((line) => line.includes("unexpected error"))).toEqual([]);
  });
});
