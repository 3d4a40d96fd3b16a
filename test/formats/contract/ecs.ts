import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import Ajv from "ajv";
import { expect } from "vitest";
import { createBulkStandIn } from "../../support/elasticsearch";
import { type ContractRow, type Json, parseObject, postOf } from "./row";

const SCHEMA = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "..", "..", "support", "schemas", "ecs-document.schema.json"),
    "utf8",
  ),
);

const ajv = new Ajv({ allErrors: true });
ajv.addFormat("ip", (text: string) => isIP(text) !== 0);
ajv.addFormat(
  "date-time",
  (text: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) && !Number.isNaN(Date.parse(text)),
);
const validate = ajv.compile(SCHEMA);
const CONTENT_TYPE = "application/x-ndjson";

/** Ajv's errors for a document, as text; empty when it is valid ECS for the fields Herald emits. */
export function schemaErrors(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** A _bulk body as Elasticsearch reads it: action and document line pairs, a newline after the last. */
export function parseBulk(body: string): { action: Json; document: Json }[] {
  expect(body.endsWith("\n")).toBe(true);
  const lines = body.slice(0, -1).split("\n");
  expect(lines.length % 2).toBe(0);
  const pairs = [];
  for (let i = 0; i < lines.length; i += 2) {
    pairs.push({
      action: parseObject(lines[i] as string, "an action line"),
      document: parseObject(lines[i + 1] as string, "a document line"),
    });
  }
  return pairs;
}

/**
 * Elasticsearch's _bulk API: the stand-in indexes every document (no item fails), each a
 * create action naming its index and _id, then an ECS document the schema accepts.
 */
export const ecsRow: ContractRow = {
  options: {},
  contentType: CONTENT_TYPE,
  rejectedOptions: [
    [{ index: "Herald" }, ["index"], /must be lowercase/],
    [{ index: "_herald" }, ["index"], /must not start with -, _ or \+/],
    [{ index: "herald events" }, ["index"], /must not contain .* or spaces/],
    [{ index: "a/b" }, ["index"], /must not contain \\ \/ \*/],
    [{ index: ".." }, ["index"], /must not be "\." or "\.\."/],
    [{ index: "é".repeat(128) }, ["index"], /must be at most 255 bytes/],
    [{ index: "" }, ["index"], /must not be empty/],
    [{ pipeline: "" }, ["pipeline"], /must not be empty/],
    [{ dataset: "Herald-alerts" }, ["dataset"], /must be 1 to 100 lowercase letters/],
    [{ labels: { "env.name": "prod" } }, ["labels", "env.name"], /"env.name" is not a label name: .*no dots/],
    [{ labels: { env: 1 } }, ["labels", "env"], /label values must be strings/],
    [{ token: "secret" }, [], /token/],
  ],
  receiverParses(body) {
    const bulk = createBulkStandIn();
    const answer = bulk.answer(postOf("/_bulk", CONTENT_TYPE, body));
    expect(answer.status).toBe(200);
    expect(parseObject(answer.body ?? "").errors).toBe(false);
    return parseBulk(body).map(({ action, document }) => {
      expect(Object.keys(action)).toEqual(["create"]);
      expect(typeof action.create._index).toBe("string");
      expect(typeof action.create._id).toBe("string");
      expect(schemaErrors(document)).toEqual([]);
      return { id: document.event.id, title: document.message };
    });
  },
  carriesId: true,
  goldenExtension: "ndjson",
};
