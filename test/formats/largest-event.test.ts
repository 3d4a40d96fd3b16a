import { describe, expect, it } from "vitest";
import { acceptEvent, type HeraldEvent, incomingEventSchema } from "../../src/events/event";
import { MAX_DATA_DEPTH, MAX_DATA_KEYS, MAX_EVENT_BYTES } from "../../src/events/limits";
import { FORMATS } from "../../src/formats/registry";
import { flattenObject } from "../../src/text";
import { adaptiveCardProblems } from "../support/adaptive-cards";
import { parseCef } from "../support/parsers/cef";
import { parseLeef } from "../support/parsers/leef";
import { parseRfc5424 } from "../support/parsers/rfc5424";
import { renderWith } from "../support/render";

/** Characters the formats escape, replace or cut around: separators, quotes, line breaks, emoji. */
const HOSTILE = ' a|b=c "d" \\e ]f\ng ünï 🚨 ';

/** An event as ingest accepts it: through the incoming schema, which applies the limits. */
function accepted(data: Record<string, unknown>): HeraldEvent {
  const incoming = {
    type: "hit",
    id: "largest",
    source: "bench",
    severity: "critical",
    title: "Largest",
    data,
  };
  return acceptEvent(incomingEventSchema.parse(incoming), new Date("2026-11-23T12:00:00Z"), () => "unused");
}

/** 10,000 data keys whose values fill the event to just under 1 MiB. */
function widestEvent(): HeraldEvent {
  // Each entry's share of 1 MiB, less 1 KB for the rest of the event, less what is not filler.
  const share = Math.floor((MAX_EVENT_BYTES - 1024) / MAX_DATA_KEYS);
  const entry = `"field_00000":"9999",`.length + Buffer.byteLength(JSON.stringify(HOSTILE)) - 2;
  const filler = "x".repeat(share - entry);
  const data: Record<string, string> = {};
  for (let i = 0; i < MAX_DATA_KEYS; i++)
    data[`field_${String(i).padStart(5, "0")}`] = `${i}${HOSTILE}${filler}`;
  return accepted(data);
}

/** Data nested exactly 32 levels deep, data itself the first, a string at the bottom. */
function deepestEvent(): HeraldEvent {
  let data: Record<string, unknown> = { bottom: HOSTILE };
  for (let level = 1; level < MAX_DATA_DEPTH; level++) data = { level: data };
  return accepted(data);
}

/** One string of 900 KB, where Slack and Teams look for a summary. */
function longestStringEvent(): HeraldEvent {
  const text = HOSTILE + "y".repeat(900 * 1024 - 2 * HOSTILE.length) + HOSTILE;
  return accepted({ summary: text });
}

const EVENTS = [
  { shape: "10,000 data keys near 1 MiB", event: widestEvent() },
  { shape: "data nested 32 levels deep", event: deepestEvent() },
  { shape: "a 900 KB string", event: longestStringEvent() },
];

/** What each format's receiver needs of a payload, checked by the test parsers where there is one. */
const RECEIVER_CHECKS: Record<string, (body: string, event: HeraldEvent) => void> = {
  json: (body, event) => expect(JSON.parse(body).data).toEqual(event.data),
  splunk_hec: (body, event) => expect(JSON.parse(body).event.data).toEqual(event.data),
  slack: (body) => {
    const message = JSON.parse(body);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
  },
  teams: (body) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(28 * 1024);
    expect(adaptiveCardProblems(JSON.parse(body).attachments[0].content)).toEqual([]);
  },
  cef: (body) => expect(parseCef(body).classId).toBe("hit"),
  leef: (body, event) => {
    const lastPath = Object.keys(flattenObject(event.data)).at(-1);
    expect(parseLeef(body).attributes).toHaveProperty([`data.${lastPath}`]);
  },
  syslog: (body) => expect(parseRfc5424(body).structuredData).toHaveLength(1),
};

describe("the largest event Herald accepts", () => {
  it("is within the limits and near them", () => {
    const [widest, deepest, longest] = EVENTS.map(({ event }) => event);
    expect(Buffer.byteLength(JSON.stringify(widest))).toBeGreaterThan(0.95 * MAX_EVENT_BYTES);
    expect(Object.keys(widest?.data ?? {})).toHaveLength(MAX_DATA_KEYS);
    expect(JSON.stringify(deepest?.data).match(/\{/g)).toHaveLength(MAX_DATA_DEPTH);
    expect(String(longest?.data.summary).length).toBe(900 * 1024);
  });

  it("has a receiver check for every format", () => {
    expect(Object.keys(RECEIVER_CHECKS).sort()).toEqual(FORMATS.map((format) => format.name).sort());
  });

  const cases = FORMATS.flatMap((format) => EVENTS.map(({ shape, event }) => ({ format, shape, event })));
  it.each(cases)(
    "renders in $format.name with $shape, and its receiver can parse it",
    ({ format, event }) => {
      const rendered = renderWith(format, event);
      RECEIVER_CHECKS[format.name]?.(rendered.body, event);
    },
  );
});
