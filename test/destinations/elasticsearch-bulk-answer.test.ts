import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SendOutcome } from "../../src/destinations/destination";
import {
  BULK_FILTER_PATH,
  bulkUrl,
  classifyBulkAnswer,
} from "../../src/destinations/elasticsearch/bulk-answer";
import type { HttpAnswer } from "../../src/destinations/http/answers";
import { documentId, ecsFormat } from "../../src/formats/ecs";
import { type BulkStandIn, createBulkStandIn } from "../support/elasticsearch";
import { allFixtureEvents } from "../support/fixtures";
import { renderEvents } from "../support/render";

const TEMPLATE = readFileSync(join(import.meta.dirname, "..", "..", "templates", "ecs.hbs"), "utf8");

/** The plain HTTP classification the sender makes before the reader looks at the body. */
function httpOutcome(statusCode: number): SendOutcome {
  const success = statusCode >= 200 && statusCode <= 299;
  return {
    success,
    retryable: statusCode === 429 || statusCode >= 500,
    statusCode,
    error: success ? null : `HTTP ${statusCode}`,
    retryAfterMs: null,
    responseExcerpt: null,
    durationMs: 12,
    warnings: [],
  };
}

function answerOf(statusCode: number, body: unknown): HttpAnswer {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

const read = (answer: HttpAnswer, eventCount: number) =>
  classifyBulkAnswer(answer, httpOutcome(answer.statusCode), eventCount);

const fixtures = allFixtureEvents().map(({ event }) => event);
/** Every fixture as one _bulk body from the ecs format. */
const batch = renderEvents(ecsFormat, fixtures, { index: "herald-events" }, TEMPLATE).body;

/** Sends a body to the stand-in as the HTTP destination would, with the reader's filter_path. */
function send(standIn: BulkStandIn, body = batch, url = bulkUrl("http://es.example/_bulk")): HttpAnswer {
  const { pathname, search } = new URL(url);
  const answer = standIn.answer({
    method: "POST",
    url: pathname + search,
    headers: { "content-type": "application/x-ndjson" },
    body,
    clientCertCn: null,
  });
  return { statusCode: answer.status, headers: answer.headers ?? {}, body: answer.body ?? "" };
}

const DELIVERED = { success: true, retryable: false, error: null };

describe("the _bulk answer reader, on answers from Elastic's Bulk API reference", () => {
  it("reads errors: false as every document delivered", () => {
    const answer = answerOf(200, {
      took: 30,
      errors: false,
      items: [
        { index: { _index: "test", _id: "1", _version: 1, result: "created", status: 201 } },
        { delete: { _index: "test", _id: "2", _version: 1, result: "not_found", status: 404 } },
        { create: { _index: "test", _id: "3", _version: 1, result: "created", status: 201 } },
        { update: { _index: "test", _id: "1", _version: 2, result: "updated", status: 200 } },
      ],
    });
    expect(read(answer, 4)).toEqual(httpOutcome(200));
  });

  it("reads the example with failed actions document by document, in the order sent", () => {
    const missing = (id: string) => ({
      update: {
        _index: "index1",
        _id: id,
        status: 404,
        error: {
          type: "document_missing_exception",
          reason: `[_doc][${id}]: document missing`,
          index_uuid: "aAsFqTI0Tc2W0LCWgPNrOA",
          shard: "0",
          index: "index1",
        },
      },
    });
    const created = { create: { _index: "index1", _id: "7", _version: 1, result: "created", status: 201 } };
    const outcome = read(
      answerOf(200, { took: 486, errors: true, items: [missing("5"), missing("6"), created] }),
      3,
    );
    expect(outcome.perEvent).toEqual([
      {
        success: false,
        retryable: false,
        error: "Elasticsearch 404 document_missing_exception: [_doc][5]: document missing",
      },
      {
        success: false,
        retryable: false,
        error: "Elasticsearch 404 document_missing_exception: [_doc][6]: document missing",
      },
      DELIVERED,
    ]);
    expect(outcome).toMatchObject({
      success: false,
      retryable: false,
      statusCode: 200,
      error:
        "2 of 3 documents failed: Elasticsearch 404 document_missing_exception: [_doc][5]: document missing; " +
        "Elasticsearch 404 document_missing_exception: [_doc][6]: document missing",
    });
  });

  it("will not guess which documents an answer filtered to items.*.error was about, and has the batch resent", () => {
    const error = { type: "document_missing_exception", reason: "[_doc][5]: document missing" };
    const answer = answerOf(200, { items: [{ update: { error } }, { update: { error } }] });
    expect(read(answer, 3)).toMatchObject({
      success: false,
      retryable: true,
      error: "could not read the _bulk answer: it has 2 items for 3 documents",
    });
  });
});

describe("the _bulk answer reader, on the stand-in's answers to the ecs format", () => {
  it("indexes every fixture once, and counts a resent batch's 409s as delivered", () => {
    const standIn = createBulkStandIn();
    expect(read(send(standIn), fixtures.length)).toEqual(httpOutcome(200));
    const documents = batch
      .split("\n")
      .filter((_, line) => line % 2 === 1)
      .map((line) => JSON.parse(line));
    expect(standIn.documents).toEqual(
      fixtures.map((event, i) => ({
        index: "herald-events",
        id: documentId(event),
        pipeline: null,
        source: documents[i],
      })),
    );

    const resent = send(standIn);
    expect(JSON.parse(resent.body).items[0]).toEqual({
      create: {
        status: 409,
        error: {
          type: "version_conflict_engine_exception",
          reason: `[${documentId(fixtures[0] as (typeof fixtures)[0])}]: version conflict, document already exists (current version [1])`,
        },
      },
    });
    expect(read(resent, fixtures.length)).toEqual({
      ...httpOutcome(200),
      perEvent: fixtures.map(() => DELIVERED),
    });
    expect(standIn.documents).toHaveLength(fixtures.length);
  });

  it("counts a document an earlier attempt indexed as delivered, and indexes the rest", () => {
    const [first] = fixtures as [(typeof fixtures)[0]];
    const standIn = createBulkStandIn([documentId(first)]);
    const outcome = read(send(standIn), fixtures.length);
    expect(outcome).toEqual({ ...httpOutcome(200), perEvent: fixtures.map(() => DELIVERED) });
    expect(standIn.documents.map((document) => document.id)).toEqual(fixtures.slice(1).map(documentId));
  });

  it("fails a refused document for good and a throttled one for another try, the others delivered", () => {
    const standIn = createBulkStandIn();
    standIn.reject = (source) => (source.event as { action?: string }).action === "auto_ban";
    standIn.throttle = (source) => (source.event as { action?: string }).action === "brute_force";
    const outcome = read(send(standIn), fixtures.length);
    const mapping =
      "Elasticsearch 400 mapper_parsing_exception: failed to parse field [herald] of type [keyword]";
    const throttled =
      "Elasticsearch 429 es_rejected_execution_exception: rejected execution of coordinating operation";
    expect(outcome.perEvent).toEqual(
      fixtures.map((event) =>
        event.type === "auto_ban"
          ? { success: false, retryable: false, error: mapping }
          : event.type === "brute_force"
            ? { success: false, retryable: true, error: throttled, throttled: true }
            : DELIVERED,
      ),
    );
    expect(outcome).toMatchObject({
      success: false,
      retryable: true,
      error: `2 of ${fixtures.length} documents failed: ${mapping}; ${throttled}`,
    });
    expect(standIn.documents).toHaveLength(fixtures.length - 2);
  });

  it("passes on a refused request as the plain HTTP outcome: a missing final newline, an overall 503", () => {
    const standIn = createBulkStandIn();
    const unterminated = send(standIn, batch.slice(0, -1));
    const reason = "The bulk request must be terminated by a newline [\\n]";
    expect(JSON.parse(unterminated.body)).toEqual({
      error: {
        root_cause: [{ type: "illegal_argument_exception", reason }],
        type: "illegal_argument_exception",
        reason,
      },
      status: 400,
    });
    const refused = httpOutcome(400);
    expect(classifyBulkAnswer(unterminated, refused, fixtures.length)).toBe(refused);

    standIn.overall = { status: 503, body: "{}" };
    expect(read(send(standIn), fixtures.length)).toEqual(httpOutcome(503));
    expect(standIn.documents).toEqual([]);
  });

  it("has the batch resent when a 2xx answer cannot be read", () => {
    for (const body of [
      "<html>proxy</html>",
      "[]",
      `{"errors": true}`,
      `{"errors": true, "items": [{"create": {}}]}`,
    ]) {
      const outcome = read(answerOf(200, body), 1);
      expect(outcome, body).toMatchObject({ success: false, retryable: true, statusCode: 200 });
      expect(outcome.error, body).toMatch(/^could not read the _bulk answer: /);
      expect(outcome.perEvent).toBeUndefined();
    }
  });
});

describe("the _bulk answer reader's rules", () => {
  const item = (action: string, status: number, type?: string, reason?: string) => ({
    [action]: { status, ...(type ? { error: { type, ...(reason ? { reason } : {}) } } : {}) },
  });
  const readItems = (...items: object[]) => read(answerOf(200, { errors: true, items }), items.length);

  it("counts 409 as delivered only for create", () => {
    const outcome = readItems(
      item("create", 409, "version_conflict_engine_exception", "exists"),
      item("create", 409),
      item("index", 409, "version_conflict_engine_exception", "seq_no mismatch"),
      item("create", 409, "strict_dynamic_mapping_exception", "no"),
    );
    expect(outcome.perEvent?.map((event) => event.success)).toEqual([true, true, false, false]);
    expect(outcome.perEvent?.[2]).toEqual({
      success: false,
      retryable: false,
      error: "Elasticsearch 409 version_conflict_engine_exception: seq_no mismatch",
    });
  });

  it("retries 429 and 5xx documents only, and says what it can of an error without type or reason", () => {
    const outcome = readItems(
      item("create", 503, "unavailable_shards_exception", "primary shard is not active"),
      item("create", 400),
    );
    expect(outcome.perEvent).toEqual([
      {
        success: false,
        retryable: true,
        error: "Elasticsearch 503 unavailable_shards_exception: primary shard is not active",
      },
      { success: false, retryable: false, error: "Elasticsearch 400" },
    ]);
    expect(outcome.retryable).toBe(true);
  });

  it("bounds each error and quotes at most three distinct ones", () => {
    const long = readItems(item("create", 400, "mapper_parsing_exception", "x".repeat(10_000)));
    expect(Array.from(long.perEvent?.[0]?.error ?? "")).toHaveLength(500);
    expect(long.perEvent?.[0]?.error?.endsWith("…")).toBe(true);
    const many = readItems(...Array.from({ length: 12 }, (_, i) => item("create", 400, `type_${i % 5}`)));
    expect(many.error).toBe(
      "12 of 12 documents failed: Elasticsearch 400 type_0; Elasticsearch 400 type_1; Elasticsearch 400 type_2; and 2 other errors",
    );
  });
});

describe("bulkUrl", () => {
  it.each([
    ["http://es.example:9200/_bulk", `http://es.example:9200/_bulk?filter_path=${BULK_FILTER_PATH}`],
    [
      "https://es.example/logs/_bulk?pipeline=geo%20ip&refresh=false",
      `https://es.example/logs/_bulk?pipeline=geo%20ip&refresh=false&filter_path=${BULK_FILTER_PATH}`,
    ],
    [
      "https://es.example/_bulk?filter_path=items.*.error",
      "https://es.example/_bulk?filter_path=items.*.error",
    ],
  ])("asks %s for a small answer, keeping the operator's parameters", (url, expected) => {
    expect(bulkUrl(url)).toBe(expected);
  });

  it("keeps every item in the answer, as Elasticsearch filters it, so documents can be told apart", () => {
    const standIn = createBulkStandIn();
    standIn.reject = (source) => (source.event as { action?: string }).action === "auto_ban";
    const answer = JSON.parse(send(standIn).body);
    expect(Object.keys(answer)).toEqual(["errors", "items"]);
    expect(answer.items).toHaveLength(fixtures.length);
    expect(answer.items).toContainEqual({ create: { status: 201 } });
    expect(answer.items).toContainEqual({
      create: { status: 400, error: { type: "mapper_parsing_exception", reason: expect.any(String) } },
    });
  });
});
