import { expect } from "vitest";
import { type ContractRow, isJsonObject, type Json, stringAt } from "./row";

/**
 * Splits JSON objects written one after another, as HEC reads a batch: walks the text keeping
 * track of string literals and brace depth, and allows only whitespace between objects.
 */
export function splitConcatenatedObjects(body: string): string[] {
  const objects: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  let escaped = false;
  for (let index = 0; index < body.length; index++) {
    const char = body[index];
    if (inString) {
      if (escaped) escaped = false;
      else if (char === "\\") escaped = true;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === "{") {
      if (depth === 0) start = index;
      depth++;
    } else if (char === "}") {
      depth--;
      if (depth === 0) objects.push(body.slice(start, index + 1));
    } else if (depth === 0 && !/\s/.test(char ?? "")) {
      throw new Error(`${JSON.stringify(char)} between objects at ${index}`);
    }
  }
  if (depth !== 0 || inString) throw new Error("the last object is not closed");
  return objects;
}

/** A HEC request body as the HEC event endpoint reads it: its events, each a JSON object. */
export function parseBatch(body: string): Json[] {
  return splitConcatenatedObjects(body).map((text) => JSON.parse(text));
}

/** The keys of a HEC event (Splunk docs, "Format events for HTTP Event Collector"). */
const HEC_KEYS = ["time", "host", "source", "sourcetype", "index", "fields", "event"];

/** Everything /services/collector/event would refuse in one HEC event. */
function hecEventProblems(hecEvent: Json): string[] {
  const problems = Object.keys(hecEvent)
    .filter((key) => !HEC_KEYS.includes(key))
    .map((key) => `unknown key ${key}`);
  if (!("event" in hecEvent)) problems.push("Event field is required");
  else if (hecEvent.event === "" || hecEvent.event === null) problems.push("Event field cannot be blank");
  if (hecEvent.time !== undefined && !(typeof hecEvent.time === "number" && hecEvent.time >= 0)) {
    problems.push("time must be epoch seconds");
  }
  for (const key of ["host", "source", "sourcetype", "index"]) {
    if (hecEvent[key] !== undefined && typeof hecEvent[key] !== "string")
      problems.push(`${key} is no string`);
  }
  if (hecEvent.fields !== undefined) {
    const fields = isJsonObject(hecEvent.fields) ? Object.values(hecEvent.fields) : [null];
    if (fields.some((value) => typeof value !== "string")) problems.push("fields must map names to strings");
  }
  return problems;
}

/** Splunk's HTTP Event Collector: JSON objects one after another, each one HEC event. */
export const splunkHecRow: ContractRow = {
  options: {},
  contentType: "application/json",
  rejectedOptions: [
    [{ index: "Main" }, ["index"], /index name/],
    [{ index: "_internal" }, ["index"], /index name/],
    [{ fields: { "1st": "x" } }, ["fields", "1st"], /"1st" is not a Splunk field name/],
    [{ fields: { environment: 1 } }, ["fields", "environment"], /field values must be strings/],
    [{ sourcetype: "" }, ["sourcetype"], />=1/],
    [{ host: 7 }, ["host"], /expected string/],
    [{ token: "secret" }, [], /token/],
  ],
  receiverParses(body) {
    return parseBatch(body).map((hecEvent) => {
      expect(hecEventProblems(hecEvent)).toEqual([]);
      expect(isJsonObject(hecEvent.event), "the default template sends an object").toBe(true);
      return { id: stringAt(hecEvent.event, "id"), title: stringAt(hecEvent.event, "title") };
    });
  },
  carriesId: true,
  goldenExtension: "json",
};
